"""Bulk sending, exactly once per recipient.

The rules (see README "Exactly once"):

- Recipients are written as ``newsletter_delivery`` rows before anything is sent;
  ``UNIQUE(campaign_id, address)`` makes a second row for one address impossible.
- A worker claims a batch of ``pending`` rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
  SQLite: the write lock taken at ``BEGIN IMMEDIATE``) and stamps them with its id and a
  lease. Claims only avoid contention: correctness comes from the next step.
- Per message, ``pending → sending`` is a conditional UPDATE (only one worker can win it,
  and consent is re-checked in it) committed once the server has answered DATA and
  before the message itself goes; ``sending → sent`` is committed with the next
  message's ``pending → sending`` (one commit per message).
- A row left in ``sending`` by a crash is never retried automatically: at most one
  message per crashed connection is in doubt, and it is reported as such, never
  duplicated.
- Temporary SMTP failures (4xx, connection refused) put the row back to ``pending`` with
  a retry time; permanent ones (5xx) mark it ``failed`` and, for a refused recipient,
  the address as hard-bounced.

Bulk mail goes over SMTP (:mod:`hub_newsletter.transport`, ``newsletter.smtp_*``,
defaulting to the core's ``mail.*``), not through the core's transactional outbox.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import threading
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hub.consent.models import ConsentRecord
from hub.db import utcnow
from hub_newsletter.models import Campaign, Delivery, Subscriber, campaign_list
from hub_newsletter.recipient_consent import (
    audience_links,
    audience_refused,
    consent_clause,
    list_withdraw_links,
)
from hub_newsletter.rendering import CompiledCampaign, compiled_versions, recipient_language
from hub_newsletter.transport import PermanentFailure, TemporaryFailure, Transport, UncertainFailure

log = logging.getLogger(__name__)


D = Delivery.__table__
S = Subscriber.__table__
R = ConsentRecord.__table__


def _now() -> dt.datetime:
    return utcnow()


def claim(conn, campaign_id: int, worker: str, batch_size: int, lease: int) -> list:
    """Stamp up to ``batch_size`` claimable pending rows with ``worker`` (one UPDATE …
    RETURNING) and return them with the recipients' personal fields (one SELECT)."""
    now = _now()
    candidates = (sa.select(D.c.id)
                  .where(D.c.campaign_id == campaign_id, D.c.status == "pending",
                         sa.or_(D.c.next_attempt_at.is_(None), D.c.next_attempt_at <= now),
                         sa.or_(D.c.claimed_by.is_(None),
                                D.c.claimed_at <= now - dt.timedelta(seconds=lease)))
                  .order_by(D.c.id).limit(batch_size))
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(conn.scalars(sa.update(D).where(D.c.id.in_(candidates))
                            .values(claimed_by=worker, claimed_at=now).returning(D.c.id)))
    if not ids:
        return []
    return list(conn.execute(
        sa.select(D.c.id, D.c.address, D.c.source, D.c.attempts, S.c.first_name,
                  S.c.last_name, S.c.name, S.c.gender, S.c.token, S.c.language,
                  R.c.source.label("consent_source"))
        .select_from(D.outerjoin(S, S.c.id == D.c.subscriber_id)
                     .outerjoin(R, R.c.id == D.c.consent_record_id))
        .where(D.c.id.in_(ids)).order_by(D.c.id)))


def send_campaign(request, campaign_id: int) -> None:
    """Job ``newsletter.send``: deliver the campaign's pending rows; safe to run many times
    and in many workers at once.

    The hot loop works on one connection with Core statements (no ORM objects): per
    message one commit, holding the conditional UPDATE ``pending → sending`` (the consent
    check in its WHERE clause) and the ``sent`` marks of the messages accepted before it.
    """
    registry = request.registry
    settings = registry.settings
    with registry["hub.dbsession_writer"]() as writer:
        # The key that signs withdraw links, stored now if no request stored it yet; on
        # the writer (BEGIN IMMEDIATE): parallel workers take turns instead of failing.
        links = list_withdraw_links(request, writer)
        writer.commit()
    with registry["hub.dbsession_factory"]() as db:
        campaign = db.get(Campaign, campaign_id)
        if campaign is None or campaign.status != "sending":
            return
        list_ids = [lst.id for lst in campaign.lists]
        try:
            # Rendered once per language, not per recipient: each recipient gets the
            # version of their language (English falls back to the Czech text).
            compiled = compiled_versions(request, campaign)
        except Exception as exc:
            # Validated before sending started; should rendering still fail, nothing is sent.
            _fail_campaign(registry, campaign_id, f"rendering failed: {exc}")
            raise
    connections = connection_count(settings, registry["hub.dbengine"].dialect.name)
    if isinstance(registry["hub.dbsession_writer"].kw["bind"], sa.Connection):
        connections = 1  # sessions bound to one connection (tests) cannot be shared
    options = {
        "batch_size": int(settings.get("newsletter.batch_size") or 500),
        "lease": int(settings.get("newsletter.claim_lease_seconds") or 0),
        "rate": float(settings.get("newsletter.rate_limit") or 0) / connections,
        "max_attempts": int(settings.get("newsletter.max_attempts") or 5),
        "retry_delay": int(settings.get("newsletter.retry_delay") or 300)}
    outcomes: list = []

    def loop():
        try:
            outcomes.append(_send_loop(request, campaign_id, compiled, list_ids, links,
                                       **options))
        except BaseException as exc:  # noqa: BLE001 (re-raised below, in the job's thread)
            outcomes.append(exc)

    # Several SMTP connections (threads, each its own worker in the exactly-once sense):
    # while one waits for the server, another renders and writes its status.
    threads = [threading.Thread(target=loop, name=f"newsletter-{i}")
               for i in range(connections - 1)]
    for thread in threads:
        thread.start()
    loop()
    for thread in threads:
        thread.join()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    if "stopped" in outcomes:
        return
    _finish(request, registry["hub.dbsession_writer"], campaign_id, "retry" in outcomes,
            options["retry_delay"])


# With ``newsletter.connections`` = 0. SQLite has one writer at a time: one connection is
# fastest. A PostgreSQL commit waits for the disk; the commits of parallel connections
# share those waits, so the one commit per message stops being the limit.
AUTO_CONNECTIONS = {"sqlite": 1, "postgresql": 8}


def connection_count(settings: dict, dialect: str) -> int:
    """SMTP connections (threads, each with its own database connection) of a send job."""
    configured = int(settings.get("newsletter.connections") or 0)
    return max(1, configured or AUTO_CONNECTIONS.get(dialect, 1))


def _send_loop(request, campaign_id: int, compiled: dict[str, CompiledCampaign],
               list_ids: list[int],
               links, batch_size: int, lease: int, rate: float, max_attempts: int,
               retry_delay: int) -> str:
    """One worker's loop over claimed batches: ``"done"``, ``"retry"`` (some rows wait for
    a retry) or ``"stopped"`` (paused or cancelled)."""
    registry = request.registry
    settings = registry.settings
    worker = uuid.uuid4().hex
    start_statement = (
        sa.update(D).where(D.c.id == sa.bindparam("delivery_id"), D.c.status == "pending",
                           D.c.claimed_by == worker, consent_clause(list_ids))
        .values(status="sending", attempts=D.c.attempts + 1))
    bounce_local, _sep, bounce_host = compiled["cs"].bounce.partition("@")
    transport = Transport(settings)
    conn, tx, own = _connection(registry)
    accepted: list[int] = []  # accepted by the server, recorded as sent by the next commit

    @contextlib.contextmanager
    def write():
        """A transaction of the loop; it also records the messages accepted since the
        last one, so that a message costs one commit, not two."""
        with tx():
            recorded = len(accepted)
            if recorded:
                conn.execute(MARK_SENT, [{"delivery_id": delivery_id, "sent_at": _now()}
                                         for delivery_id in accepted])
            yield
        del accepted[:recorded]

    start = functools.partial(_start, conn, write, start_statement, worker)
    last_sent = 0.0
    retry_later = False
    try:
        while True:
            with write():
                if _stopped(conn, campaign_id, worker):
                    return "stopped"
                rows = claim(conn, campaign_id, worker, batch_size, lease)
            if not rows:
                break
            refused = audience_refused(request, rows)
            if refused:
                _skip(conn, write, refused, worker, "consent withdrawn")
            audience = audience_links(request, rows, refused)
            checked = time.monotonic()
            for row in rows:
                if row.id in refused:
                    continue
                if time.monotonic() - checked > STATUS_CHECK_SECONDS:
                    # Pause and cancel take effect within a second, not per message.
                    with write():
                        if _stopped(conn, campaign_id, worker):
                            return "stopped"
                    checked = time.monotonic()
                token = row.token or ""
                version = compiled[recipient_language(row.language)]
                try:
                    values = version.values(row.address, row.first_name or "",
                                             row.last_name or "", row.name or "", row.gender,
                                             token, row.consent_source)
                    withdraw_url = audience.get(row.id)
                    if withdraw_url:
                        # Sent on the audience's consent: unsubscribing withdraws that one.
                        values["unsubscribe_url"] = withdraw_url
                    else:
                        withdraw_url = links(row.address, row.source)
                    data = version.message(row.id, row.address, values, token,
                                            withdraw_url=withdraw_url)
                except Exception as exc:
                    _mark(conn, write, row.id, worker, status="failed",
                          error=f"rendering failed: {exc}")
                    raise
                if rate:
                    wait = last_sent + 1.0 / rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                outcome = _deliver(conn, write, transport, start, worker, row, data,
                                   f"{bounce_local}+{row.id}-{token[:10]}@{bounce_host}",
                                   f"newsletter-{campaign_id}-{row.id}", max_attempts,
                                   retry_delay)
                last_sent = time.monotonic()
                if outcome == "sent":
                    accepted.append(row.id)
                elif outcome == "retry":
                    retry_later = True
    finally:
        if accepted:  # only after an error: every other way out of the loop commits
            try:
                with write():
                    pass
            except Exception:
                log.exception("%d accepted messages could not be recorded as sent; they "
                              "stay in doubt", len(accepted))
        if own:
            conn.close()
        transport.close()
    return "retry" if retry_later else "done"


def _deliver(conn, write, transport, start, worker: str, row, data: bytes, envelope: str,
             name: str, max_attempts: int, retry_delay: int) -> str:
    """Send one message: ``"sent"`` (the server accepted it; recorded by the caller's next
    commit), ``"skipped"``, ``"retry"``, ``"failed"`` or ``"uncertain"``.

    ``pending → sending`` is committed after the server answered DATA and before the
    message goes: a worker killed in between leaves the row in doubt (never sent twice),
    and that window is one write to the socket, not the SMTP conversation. Failures are
    recorded only on a row this worker still holds (``_mark``).
    """
    attempts = row.attempts + 1
    try:
        transport.open(envelope, row.address)
        if not start(row.id):
            # Lost to another worker, or no consent any more.
            transport.abandon()
            return "skipped"
        transport.transfer(data, name)
    except TemporaryFailure as exc:
        final = attempts >= max_attempts
        _mark(conn, write, row.id, worker, status="failed" if final else "pending",
              error=str(exc), attempts=attempts, claimed_by=None, claimed_at=None,
              next_attempt_at=_now() + dt.timedelta(seconds=retry_delay * attempts))
        return "failed" if final else "retry"
    except PermanentFailure as exc:
        _mark(conn, write, row.id, worker,
              status="bounced" if exc.recipient_refused else "failed", error=str(exc),
              attempts=attempts)
        if exc.recipient_refused:
            with write():
                conn.execute(sa.update(S).where(S.c.id == sa.select(D.c.subscriber_id).where(
                    D.c.id == row.id).scalar_subquery()).values(hard_bounced_at=_now()))
        return "failed"
    except UncertainFailure as exc:
        # It may have been delivered: stay "sending" (at most once), record why.
        _mark(conn, write, row.id, worker, status="sending", error=f"uncertain: {exc}")
        return "uncertain"
    return "sent"


def _start(conn, write, statement, worker: str, delivery_id: int) -> bool:
    """``pending → sending`` with the consent check, committed (with the sent marks of
    the messages before it); a row that lost it for want of consent becomes skipped."""
    with write():
        won = conn.execute(statement, {"delivery_id": delivery_id}).rowcount
    if not won:
        _skip(conn, write, [delivery_id], worker, "no consent at send time")
    return bool(won)


STATUS_CHECK_SECONDS = 1.0
MARK_SENT = (sa.update(D).where(D.c.id == sa.bindparam("delivery_id"))
             .values(status="sent", error="",
                     sent_at=sa.bindparam("sent_at", type_=D.c.sent_at.type)))


def _connection(registry):
    """``(connection, begin, owned)`` for the hot loop: a connection of the writer engine
    and its ``begin``; under tests whose sessions are bound to one connection, that
    connection with savepoints."""
    bind = registry["hub.dbsession_writer"].kw["bind"]
    if isinstance(bind, sa.Connection):
        return bind, bind.begin_nested, False
    conn = bind.connect()
    if conn.dialect.name != "sqlite":
        return conn, conn.begin, True

    @contextlib.contextmanager
    def begin():
        # SQLite has one writer at a time and makes the others sleep and retry; the job's
        # threads take turns here instead, handing the lock over at once.
        with _SQLITE_WRITER, conn.begin() as transaction:
            yield transaction

    return conn, begin, True


_SQLITE_WRITER = threading.Lock()


def _stopped(conn, campaign_id: int, worker: str) -> bool:
    """True when the campaign was paused or cancelled (or is gone); the worker's claims are
    released. Runs in the caller's transaction."""
    status = conn.scalar(sa.select(Campaign.status).where(Campaign.id == campaign_id))
    if status == "sending":
        return False
    conn.execute(sa.update(D).where(D.c.claimed_by == worker, D.c.status == "pending")
                 .values(claimed_by=None, claimed_at=None))
    return True


def _skip(conn, write, ids, worker: str, reason: str) -> None:
    """Rows this worker claimed and will not send (no consent, or no longer pending)."""
    with write():
        conn.execute(sa.update(D).where(D.c.id.in_(list(ids)), D.c.status == "pending",
                                        D.c.claimed_by == worker)
                     .values(status="skipped", error=reason))


def _mark(conn, write, delivery_id: int, worker: str, **values) -> None:
    """Record the outcome of a row this worker claimed and has not finished."""
    with write():
        conn.execute(sa.update(D).where(D.c.id == delivery_id, D.c.claimed_by == worker,
                                        D.c.status.in_(("pending", "sending")))
                     .values(**values))


def _fail_campaign(registry, campaign_id: int, error: str) -> None:
    with registry["hub.dbsession_writer"]() as db, db.begin():
        db.execute(sa.update(Campaign).where(Campaign.id == campaign_id)
                   .values(status="failed", error=error))


def _finish(request, factory, campaign_id: int, retry_later: bool, retry_delay: int) -> None:
    from hub.jobs import enqueue

    with factory() as db, db.begin():
        pending = db.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "pending"))
        if pending == 0:
            db.execute(sa.update(Campaign).where(Campaign.id == campaign_id,
                                                 Campaign.status == "sending")
                       .values(status="sent", finished_at=_now()))
            return
        nearest = db.scalar(sa.select(sa.func.min(Delivery.next_attempt_at)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "pending"))
    if retry_later or nearest is not None:
        delay = retry_delay
        if nearest is not None:
            delay = max(1, int((nearest - _now()).total_seconds()) + 1)
        enqueue(request, "newsletter.send", delay=delay, campaign_id=campaign_id)


def campaign_list_ids(db: Session, campaign_id: int) -> list[int]:
    return list(db.scalars(sa.select(campaign_list.c.list_id)
                           .where(campaign_list.c.campaign_id == campaign_id)))
