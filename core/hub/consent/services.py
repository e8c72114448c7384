"""The consent ledger's API for plugins: record, read, join and withdraw by link.

Everything here takes the ``request`` (a web request or a job's background request): the
purposes live in its registry and ``hub_consent_changed`` is called on its hooks. Writes
happen in the request's transaction; nothing is sent from here.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hub.consent.models import SOURCES, ConsentLinkKey, ConsentRecord, ConsentText
from hub.consent.purposes import OBJECT_RE, Purpose, purposes
from hub.db import utcnow

# Records may carry the moment a consent was really given (the date of a paper form);
# a clock running a little ahead elsewhere must not make "now" look like the future.
CLOCK_SKEW = dt.timedelta(minutes=5)
LINK_VERSION = 1


class ConsentError(Exception):
    """A consent cannot be recorded as asked (the message says why).

    ``code`` is the error code an API answers with (``hub.api.api_error``).
    """

    code = "consent_error"


class UnknownPurpose(ConsentError):
    """No enabled plugin declares the purpose."""

    code = "unknown_purpose"


class OutdatedText(ConsentError):
    """The text version given is not the purpose's current one (the wording changed)."""

    code = "outdated_text"

    def __init__(self, message: str, current: str):
        super().__init__(message)
        self.current = current


def normalise_email(address: str) -> str:
    return address.strip().lower()


def email_digest(address: str) -> str:
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


@dataclass(frozen=True)
class Subject:
    """Who a consent belongs to: an account, a contact of a plugin, or an e-mail address.

    Build it with ``Subject.of_user(user)``, ``Subject.of_contact("crm:12", email=...)`` or
    ``Subject.of_email(address)``. The strongest identity names the subject (its ``key``):
    the account, else the contact, else the address. Pass every identity you know.
    """

    user_id: int | None = None
    contact: str | None = None
    email: str | None = None

    def __post_init__(self):
        if self.user_id is None and not self.contact and not self.email:
            raise ConsentError("A subject needs an account, a contact or an e-mail address.")
        if self.email is not None:
            object.__setattr__(self, "email", normalise_email(self.email))

    @classmethod
    def of_user(cls, user) -> Subject:
        return cls(user_id=user.id, email=user.email)

    @classmethod
    def of_contact(cls, reference: str, email: str | None = None,
                   user_id: int | None = None) -> Subject:
        return cls(user_id=user_id, contact=reference, email=email or None)

    @classmethod
    def of_email(cls, address: str) -> Subject:
        return cls(email=address)

    @property
    def key(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.contact:
            return f"contact:{self.contact}"
        return f"email:{email_digest(self.email)}"


def subjects_of_user(user) -> list[Subject]:
    """The subjects a signed-in person speaks for: the account, and their address when it
    is verified (consents given by address before the account existed)."""
    found = [Subject.of_user(user)]
    if user.email_verified_at is not None:
        found.append(Subject.of_email(user.email))
    return found


@dataclass(frozen=True)
class State:
    """The current state of one consent: the latest record of a subject, purpose, object."""

    subject_key: str
    purpose: str
    object: str
    given: bool
    text_version: str
    at: dt.datetime
    source: str
    given_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    record_id: int


# -- purposes ------------------------------------------------------------------------------

def purpose(registry, key: str) -> Purpose:
    """The declared purpose ``key``; ``UnknownPurpose`` when no enabled plugin declares it."""
    found = purposes(registry).get(key)
    if found is None:
        raise UnknownPurpose(f"No consent purpose {key!r} is declared.")
    return found


def _store_text(dbsession, declared: Purpose) -> None:
    """Keep the wording of ``declared`` (once per version; concurrent writers do not clash)."""
    table = ConsentText.__table__
    values = dict(purpose=declared.key, version=declared.text_version,
                  title_cs=declared.title["cs"], title_en=declared.title["en"],
                  text_cs=declared.text["cs"], text_en=declared.text["en"],
                  legal_basis=declared.legal_basis, special_category=declared.special_category,
                  retention_days=declared.retention_days, first_used_at=utcnow())
    _insert_once(dbsession, table, values)


def _insert_once(dbsession, table, values: dict) -> None:
    """INSERT that leaves an existing row with the same key alone (ON CONFLICT DO NOTHING)."""
    if dbsession.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    dbsession.execute(insert(table).values(**values).on_conflict_do_nothing())


def text_of(dbsession, purpose_key: str, version: str) -> ConsentText | None:
    return dbsession.get(ConsentText, (purpose_key, version))


# -- recording -------------------------------------------------------------------------------

def _check(declared: Purpose, source: str, object: str, note: str | None,  # noqa: A002
           at: dt.datetime | None) -> None:
    if source not in SOURCES:
        raise ConsentError(f"Unknown source {source!r}; use one of {', '.join(SOURCES)}.")
    if declared.scoped and not object:
        raise ConsentError(f"Purpose {declared.key!r} is scoped: name the object.")
    if not declared.scoped and object:
        raise ConsentError(f"Purpose {declared.key!r} is not scoped: records name no object.")
    if object and not OBJECT_RE.match(object):
        raise ConsentError("An object is 1-120 letters, digits and the characters . _ : -")
    if source == "staff" and not (note or "").strip():
        raise ConsentError("A consent recorded by staff needs a note (the phone call, the "
                           "paper form).")
    if at is not None and (at.tzinfo is None or at > utcnow() + CLOCK_SKEW):
        raise ConsentError("The moment of a consent must be an aware datetime, not in the "
                           "future.")


def _append(request, subject: Subject, declared: Purpose, action: str, version: str,
            source: str, by, note: str | None, object: str,  # noqa: A002
            at: dt.datetime | None) -> ConsentRecord:
    record = ConsentRecord(
        subject_key=subject.key, user_id=subject.user_id, contact_ref=subject.contact,
        # The address itself is kept only when it is all we know of the subject.
        email=subject.email if subject.user_id is None and not subject.contact else None,
        email_digest=email_digest(subject.email) if subject.email else None,
        purpose=declared.key, object=object, text_version=version, action=action,
        at=at or utcnow(), source=source, note=(note or "").strip(),
        recorded_by_id=getattr(by, "id", by))
    request.dbsession.add(record)
    request.dbsession.flush()
    request.registry["hub.pm"].hook.hub_consent_changed(
        request=request, subject=subject, purpose=declared, record=record)
    return record


def give(request, subject: Subject, purpose_key: str, text_version: str, source: str, *,
         by=None, note: str | None = None, object: str = "",  # noqa: A002
         at: dt.datetime | None = None) -> ConsentRecord | None:
    """Record that ``subject`` agreed to the current text of ``purpose_key``.

    ``text_version`` is the version of the wording the person was shown; another version
    raises ``OutdatedText`` (the text changed meanwhile: show the new one). Returns the new
    record, or ``None`` when the consent is already given on that version (idempotent).
    ``by`` is the user who entered it (staff, importer), ``at`` the moment it was really
    given when that is earlier (a paper form).
    """
    declared = purpose(request.registry, purpose_key)
    _check(declared, source, object, note, at)
    if text_version != declared.text_version:
        raise OutdatedText(f"The text of {purpose_key!r} is now version "
                           f"{declared.text_version}, not {text_version!r}.",
                           declared.text_version)
    state = current(request, subject, purpose_key, object)
    if state is not None and state.given and state.text_version == text_version:
        return None
    _store_text(request.dbsession, declared)
    return _append(request, subject, declared, "given", text_version, source, by, note,
                   object, at)


def withdraw(request, subject: Subject, purpose_key: str, source: str, *, by=None,
             note: str | None = None, object: str = "",  # noqa: A002
             at: dt.datetime | None = None) -> ConsentRecord | None:
    """Record that ``subject`` withdrew ``purpose_key``; ``None`` when it was not given.

    A consent to a purpose no enabled plugin declares any more can still be withdrawn.
    """
    state = current(request, subject, purpose_key, object)
    declared = purposes(request.registry).get(purpose_key)
    if declared is None:
        if state is None:
            raise UnknownPurpose(f"No consent purpose {purpose_key!r} is declared.")
        declared = _undeclared(request.dbsession, state)
    _check(declared, source, object, note, at)
    if state is None or not state.given:
        return None
    # The withdrawal refers to the text that was agreed to.
    return _append(request, subject, declared, "withdrawn", state.text_version, source, by,
                   note, object, at)


# -- reading ---------------------------------------------------------------------------------

def is_latest():
    """A condition on ``ConsentRecord``: no later record of the same subject, purpose and
    object exists, so the record is the current state of its consent."""
    later = aliased(ConsentRecord)
    r = ConsentRecord
    return ~sa.exists().where(
        later.subject_key == r.subject_key, later.purpose == r.purpose,
        later.object == r.object,
        sa.or_(later.at > r.at, sa.and_(later.at == r.at, later.id > r.id)))


def _states(dbsession, condition) -> list[State]:
    r = ConsentRecord
    latest = dbsession.scalars(sa.select(r).where(condition, is_latest())
                               .order_by(r.purpose, r.object, r.subject_key)).all()
    if not latest:
        return []
    # When each was last given and last withdrawn, for people and the API.
    keys = {(x.subject_key, x.purpose, x.object) for x in latest}
    moments = dbsession.execute(
        sa.select(r.subject_key, r.purpose, r.object, r.action, sa.func.max(r.at))
        .where(condition).group_by(r.subject_key, r.purpose, r.object, r.action)).all()
    last = {(k, p, o, a): when for k, p, o, a, when in moments if (k, p, o) in keys}
    return [State(x.subject_key, x.purpose, x.object, x.action == "given", x.text_version,
                  x.at, x.source, last.get((x.subject_key, x.purpose, x.object, "given")),
                  x.at if x.action == "withdrawn" else None, x.id) for x in latest]


def _subject_condition(subjects: list[Subject]):
    return ConsentRecord.subject_key.in_(sorted({s.key for s in subjects}))


def current(request, subject: Subject, purpose_key: str,
            object: str = "") -> State | None:  # noqa: A002
    """The state of one consent, or ``None`` when the subject never acted on it."""
    return state_by_key(request, subject.key, purpose_key, object)


def state_by_key(request, subject_key: str, purpose_key: str,
                 object: str = "") -> State | None:  # noqa: A002
    """The state of one consent of the subject named ``subject_key`` (a withdraw link)."""
    r = ConsentRecord
    found = _states(request.dbsession, sa.and_(
        r.subject_key == subject_key, r.purpose == purpose_key, r.object == object))
    return found[0] if found else None


def has_consent(request, subject: Subject, purpose_key: str, object: str = "",  # noqa: A002
                current_text_only: bool = False) -> bool:
    """Whether ``subject`` has a consent for ``purpose_key`` in force now."""
    state = current(request, subject, purpose_key, object)
    if state is None or not state.given:
        return False
    return not current_text_only or \
        state.text_version == purpose(request.registry, purpose_key).text_version


def consents_of(request, subjects: Subject | list[Subject]) -> list[State]:
    """The current state of every consent of ``subjects`` (given or withdrawn)."""
    subjects = [subjects] if isinstance(subjects, Subject) else list(subjects)
    return _states(request.dbsession, _subject_condition(subjects))


def history_of(request, subjects: Subject | list[Subject]) -> list[ConsentRecord]:
    """Every record of ``subjects``, oldest first."""
    subjects = [subjects] if isinstance(subjects, Subject) else list(subjects)
    return list(request.dbsession.scalars(
        sa.select(ConsentRecord).where(_subject_condition(subjects))
        .order_by(ConsentRecord.at, ConsentRecord.id)))


def holders(purpose_key: str, object: str | None = "",  # noqa: A002
            text_version: str | None = None) -> sa.Select:
    """A ``Select`` of the subjects whose consent to ``purpose_key`` is in force now.

    Columns: ``subject_key``, ``user_id``, ``contact_ref``, ``email`` (only for subjects known
    by their address alone), ``object``, ``given_at``. ``object=None`` gives every object of a
    scoped purpose; ``text_version`` keeps only consents to that wording. Use it as a
    subquery to join in one query: ``holders("newsletter.list", "list:5").subquery()``.
    """
    r = ConsentRecord
    conditions = [r.purpose == purpose_key, r.action == "given", is_latest()]
    if object is not None:
        conditions.append(r.object == object)
    if text_version is not None:
        conditions.append(r.text_version == text_version)
    return sa.select(r.subject_key, r.user_id, r.contact_ref, r.email, r.object,
                     r.at.label("given_at")).where(*conditions)


def describe(request, purpose_key: str, object: str, version: str) -> dict:  # noqa: A002
    """Title and wording of a consent for people, from the declaration or the stored text."""
    lang = "en" if getattr(request, "locale_name", "cs") == "en" else "cs"
    declared = purposes(request.registry).get(purpose_key)
    stored = text_of(request.dbsession, purpose_key, version)
    if declared is not None:
        title = declared.label(request, object)
    else:
        title = stored.title(lang) if stored is not None else purpose_key
        title = f"{title}: {object}" if object else title
    return {"title": title, "text": stored.text(lang) if stored is not None else "",
            "declared": declared}


def states_of_user(request, user) -> list[State]:
    """One state per purpose and object for a person, whose consents may be recorded for
    the account and for the verified address: a consent in force wins, then the latest."""
    chosen: dict = {}
    for state in consents_of(request, subjects_of_user(user)):
        key = (state.purpose, state.object)
        known = chosen.get(key)
        if known is None or (state.given, state.at) > (known.given, known.at):
            chosen[key] = state
    declared = purposes(request.registry)
    return sorted(chosen.values(), key=lambda s: (
        declared[s.purpose].order if s.purpose in declared else 1000, s.purpose, s.object))


# -- erasure ---------------------------------------------------------------------------------

def erase_subjects(request, subjects: list[Subject]) -> int:
    """Erase ``subjects`` from the ledger; return how many consents were in force.

    Consents in force are withdrawn first (source ``erasure``), so the date of the erasure
    stays in the ledger. The records themselves are kept as proof of consent (GDPR Art. 7(1)
    and 17(3)(e)) with the e-mail address blanked: the account id of an erased account, the
    contact reference and the SHA-256 of the address remain. This is the one change the
    database lets anybody make to a record.
    """
    withdrawn = 0
    for state in consents_of(request, subjects):
        if state.given:
            withdraw(request, subject_of(request, state), state.purpose, "erasure",
                     object=state.object)
            withdrawn += 1
    request.dbsession.execute(
        sa.update(ConsentRecord).where(_subject_condition(subjects),
                                       ConsentRecord.email.is_not(None))
        .values(email=None).execution_options(synchronize_session=False))
    request.dbsession.expire_all()
    return withdrawn


def _undeclared(dbsession, state: State) -> Purpose:
    """A purpose whose plugin is no longer enabled, rebuilt from its stored wording."""
    text = text_of(dbsession, state.purpose, state.text_version)
    return Purpose(state.purpose, {"cs": text.title_cs, "en": text.title_en},
                   {"cs": text.text_cs, "en": text.text_en}, text.legal_basis,
                   text.special_category, text.retention_days, scoped=bool(state.object))


def subject_of(request, state: State) -> Subject:
    """The subject of a state, with the account's present address for the digest."""
    from hub.accounts.models import User

    dbsession = request.dbsession
    record = dbsession.get(ConsentRecord, state.record_id)
    email = record.email
    if email is None and record.user_id is not None:
        user = dbsession.get(User, record.user_id)
        email = user.email if user is not None and user.erased_at is None else None
    return Subject(user_id=record.user_id, contact=record.contact_ref, email=email)


# -- withdraw links in e-mails ---------------------------------------------------------------

def _link_key(dbsession, create: bool) -> str | None:
    secret = dbsession.scalar(sa.select(ConsentLinkKey.secret).where(ConsentLinkKey.id == 1))
    if secret is None and create:
        _insert_once(dbsession, ConsentLinkKey.__table__,
                     {"id": 1, "secret": secrets.token_hex(32), "created_at": utcnow()})
        secret = dbsession.scalar(sa.select(ConsentLinkKey.secret)
                                  .where(ConsentLinkKey.id == 1))
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def _token(secret: str, subject_key: str, purpose_key: str, object: str) -> str:  # noqa: A002
    payload = _b64(json.dumps([LINK_VERSION, subject_key, purpose_key, object],
                              separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload)}"


def link_token(request, subject: Subject, purpose_key: str,
               object: str = "") -> str:  # noqa: A002
    """A token naming one consent of one subject, signed so it cannot be altered."""
    purpose(request.registry, purpose_key)
    return _token(_link_key(request.dbsession, create=True), subject.key, purpose_key, object)


def read_link_token(request, token: str) -> tuple[str, str, str] | None:
    """``(subject key, purpose key, object)`` of a genuine token, else ``None``."""
    payload, _dot, signature = (token or "").partition(".")
    if not payload or len(token) > 600:
        return None
    secret = _link_key(request.dbsession, create=False)
    if secret is None or not hmac.compare_digest(_sign(secret, payload).encode(),
                                                 signature.encode()):
        return None
    try:
        version, *named = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    if version != LINK_VERSION or len(named) != 3 or not all(isinstance(v, str) for v in named):
        return None
    return tuple(named)


def withdraw_link(request, subject: Subject, purpose_key: str,
                  object: str = "") -> str:  # noqa: A002
    """The absolute address of the page that withdraws this consent, for e-mails.

    It needs no sign-in and never expires. GET shows a confirmation page, POST withdraws;
    a POST with ``List-Unsubscribe=One-Click`` (RFC 8058) withdraws without a page.
    """
    base = request.registry.settings["hub.base_url"].rstrip("/")
    token = link_token(request, subject, purpose_key, object)
    return base + request.route_path("consent.link", token=token)


def withdraw_link_maker(request, purpose_key: str, dbsession=None):
    """``make(subject_key, object="") -> str``: ``withdraw_link`` for many mails at once.

    The purpose is checked and the signing key read (or stored, on the first call of an
    installation) once, here; each call then only signs, with no query, for sending loops
    of thousands of messages a second. ``subject_key`` is ``Subject.key``. ``dbsession``
    (default ``request.dbsession``) is the session that reads the key; when it stores the
    key, its transaction must commit before the links are used.
    """
    declared = purpose(request.registry, purpose_key)
    secret = _link_key(dbsession if dbsession is not None else request.dbsession, create=True)
    base = request.registry.settings["hub.base_url"].rstrip("/")
    # The route's path with a placeholder, filled in by plain string formatting per call.
    marker = "TOKEN"
    prefix, _marker, suffix = (base + request.route_path("consent.link", token=marker)) \
        .rpartition(marker)

    def make(subject_key: str, object: str = "") -> str:  # noqa: A002
        if bool(object) != declared.scoped:
            raise ConsentError(f"Purpose {purpose_key!r}: a scoped purpose needs an object, "
                               "another none.")
        return prefix + _token(secret, subject_key, purpose_key, object) + suffix

    return make


def unsubscribe_headers(request, subject: Subject, purpose_key: str,
                        object: str = "") -> dict[str, str]:  # noqa: A002
    """``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 2369, RFC 8058) for a mail
    sent on ``purpose_key``: mail programs then offer a one-click withdrawal."""
    url = withdraw_link(request, subject, purpose_key, object)
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def withdraw_by_link(request, subject_key: str, purpose_key: str,
                     object: str = "") -> ConsentRecord | None:  # noqa: A002
    """Withdraw the consent a link names; ``None`` when it was not in force."""
    state = state_by_key(request, subject_key, purpose_key, object)
    if state is None or not state.given:
        return None
    return withdraw(request, subject_of(request, state), purpose_key, "link", object=object)
