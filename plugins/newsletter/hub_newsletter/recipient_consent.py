"""Consent at send time: may each recipient of a batch still receive the message, and
which withdraw link does it carry."""
from __future__ import annotations

import contextlib
import threading

import sqlalchemy as sa

from hub.consent import holders, withdraw_link_maker
from hub_newsletter.i18n import plugin_hooks
from hub_newsletter.models import Delivery, Subscriber
from hub_newsletter.purposes import LIST_PURPOSE_KEY, list_id_of, list_object, subject_of

D = Delivery.__table__
S = Subscriber.__table__
AUDIENCE = "audience:"


def consent_clause(list_ids: list[int]):
    """SQL condition on a delivery row: its recipient may receive it, now.

    The subscriber has not opted out nor hard-bounced, and a row that came from a list
    still has a consent in force in the ledger to one of the campaign's lists (rows from a
    CRM audience are checked with the CRM's hooks, see :func:`audience_refused`).
    """
    receivable = sa.exists().where(S.c.id == D.c.subscriber_id, S.c.opted_out_at.is_(None),
                                   S.c.hard_bounced_at.is_(None))
    held = holders(LIST_PURPOSE_KEY, object=None).subquery()
    listed = sa.exists().where(
        S.c.id == D.c.subscriber_id, held.c.email == S.c.email,
        held.c.object.in_([list_object(i) for i in list_ids])) if list_ids else sa.false()
    return sa.and_(receivable, sa.or_(D.c.source.startswith(AUDIENCE), listed))


def audience_refused(request, rows) -> set[int]:
    """Ids of the batch's audience rows whose recipient the CRM no longer allows.

    One ``hub_audience_allowed(key, addresses)`` call per audience and batch when the CRM
    offers it, else ``hub_audience_consents`` per address; without either, nobody from an
    audience may receive mail (no proof of consent).
    """
    by_key: dict[str, list] = {}
    for row in rows:
        if row.source.startswith(AUDIENCE):
            by_key.setdefault(row.source[len(AUDIENCE):], []).append(row)
    if not by_key:
        return set()
    hooks = plugin_hooks(request)
    allowed_hook, consents_hook = (
        hook if hook.get_hookimpls() else None
        for hook in (hooks.hub_audience_allowed, hooks.hub_audience_consents))
    with _read_session(request):
        return _refused(request, by_key, allowed_hook, consents_hook)


def audience_links(request, rows, refused: set[int]) -> dict[int, str]:
    """``{row id: withdraw link}`` for the batch's audience rows: the consent ledger's link
    of the consent the audience's plugin relied on (``hub_audience_withdraw_links``, one
    call per audience and batch). Rows it gives no link for keep the newsletter's own."""
    hook = plugin_hooks(request).hub_audience_withdraw_links
    if not hook.get_hookimpls():
        return {}
    by_key: dict[str, list] = {}
    for row in rows:
        if row.source.startswith(AUDIENCE) and row.id not in refused:
            by_key.setdefault(row.source[len(AUDIENCE):], []).append(row)
    if not by_key:
        return {}
    links = {}
    with _read_session(request):
        for key, members in by_key.items():
            found = hook(request=request, key=key, addresses=[r.address for r in members]) or {}
            links.update((r.id, found[r.address]) for r in members if r.address in found)
    return links


_HOOK_LOCK = threading.Lock()


@contextlib.contextmanager
def _read_session(request):
    """The CRM's hooks query ``request.dbsession``: give them a read session of their own,
    closed afterwards. The job's own session is a writer (``BEGIN IMMEDIATE`` on SQLite);
    left open, it would hold the write lock the sending loop's connection waits for. The
    job's threads share the request, so they take turns."""
    with _HOOK_LOCK:
        saved = request.dbsession
        reader = request.registry["hub.dbsession_factory"]()
        request.dbsession = reader
        try:
            yield
        finally:
            request.dbsession = saved
            reader.close()


def _refused(request, by_key, allowed_hook, consents_hook) -> set[int]:
    refused = set()
    for key, members in by_key.items():
        allowed = None
        if allowed_hook is not None:
            # None: the key is not the implementing plugin's; ask per address below.
            allowed = allowed_hook(request=request, key=key,
                                   addresses=[r.address for r in members])
        if allowed is not None:
            allowed = {str(a).lower() for a in allowed}
            refused.update(r.id for r in members if r.address not in allowed)
        elif consents_hook is not None:
            refused.update(r.id for r in members
                           if consents_hook(request=request, key=key, email=r.address)
                           is not True)
        else:
            refused.update(r.id for r in members)
    return refused


def list_withdraw_links(request, dbsession=None):
    """``link(address, source)``: the ledger's withdraw link of the consent a list message
    is sent on (``""`` for rows that did not come from a list), signed without a query."""
    make = withdraw_link_maker(request, LIST_PURPOSE_KEY, dbsession=dbsession)

    def link(address: str, source: str) -> str:
        if list_id_of(source) is None:
            return ""
        return make(subject_of(address).key, source)

    return link
