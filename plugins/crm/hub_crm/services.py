"""The crm plugin's rules: consent, health-data access and audit, segments, signed links."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets

import sqlalchemy as sa

from hub.dates import language
from hub.db import utcnow
from hub.shell import flatten
from hub.topics.models import UserTopic
from hub_crm import consent
from hub_crm.i18n import _
from hub_crm.models import (
    HEALTH_PURPOSES,
    PURPOSES,
    RELATIONSHIP_KINDS,
    STAKEHOLDER_TYPES,
    AuditEntry,
    Contact,
    CustomField,
    FieldValue,
    HealthAccess,
    Relationship,
    SigningKey,
    Tag,
    Topic,
    contact_tag,
    contact_topic,
)

HEALTH_READ = "crm:health:read"

PURPOSE_LABELS = {
    "newsletter": _("Newsletter"),
    "event_invitations": _("Event invitations"),
    "disease_information": _("Targeted information about a disease area"),
    "research": _("Research"),
}
TYPE_LABELS = {
    "patient": _("Patient"),
    "caregiver": _("Caregiver"),
    "patient_organisation": _("Patient organisation"),
    "ngo": _("NGO"),
    "medical_student": _("Medical student"),
    "doctor": _("Doctor"),
    "academic": _("Academic"),
    "app_developer": _("App developer"),
    "public_body": _("Public body"),
    "other": _("Other"),
}
RELATIONSHIP_LABELS = {
    "member_of": _("member of"),
    "represents": _("represents"),
    "works_for": _("works for"),
}


# -- audit and health data -----------------------------------------------------------------

def questions_url(request) -> str | None:
    """The page of another plugin that takes the public's questions, when one offers it
    (``hub_crm_questions_url``): it replaces "Ask the hub"."""
    return request.hooks.hub_crm_questions_url(request=request)


def current_user(request):
    """The signed-in user, or None outside a web request (jobs, CLI)."""
    try:
        return request.identity
    except (AttributeError, KeyError, TypeError):
        return None


def audit(request, contact_id, action: str, detail: str = "",
          user_id: int | None = None) -> None:
    """Record an action; ``user_id`` names the actor in a job (no signed-in user there)."""
    user = current_user(request)
    request.dbsession.add(AuditEntry(user_id=user.id if user else user_id,
                                     contact_id=contact_id, action=action,
                                     detail=detail[:2000]))


def can_read_health(request) -> bool:
    """Admins, and staff an administrator granted need-to-know access."""
    user = request.identity
    if user is None or not user.is_staff:
        return False
    if request.has_permission(HEALTH_READ):
        return True
    return request.dbsession.get(HealthAccess, user.id) is not None


def custom_fields(request, include_special: bool) -> list[CustomField]:
    stmt = sa.select(CustomField).order_by(CustomField.label)
    if not include_special:
        stmt = stmt.where(CustomField.is_special.is_(False))
    return list(request.dbsession.scalars(stmt))


class FieldValueError(ValueError):
    """A value does not fit its custom field's type (the message names the rule)."""


YES = {"yes", "ano", "y", "a", "1", "true"}
NO = {"no", "ne", "n", "0", "false"}


def clean_field_value(field: CustomField, raw: str) -> str:
    """The canonical text of a value of ``field`` ("" when empty).

    Numbers are stored with a dot and no exponent (a decimal comma is accepted), dates as
    YYYY-MM-DD (D. M. YYYY is accepted), yes/no as "yes" or "no", choices as listed.
    """
    import datetime as dt
    from decimal import Decimal, InvalidOperation

    value = (raw or "").strip()
    if not value:
        return ""
    kind = field.type or "text"
    if kind == "number":
        try:
            number = Decimal(value.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 15:
            raise FieldValueError(_("${field}: enter a number, e.g. 12 or 3,5.",
                                    mapping={"field": field.label}))
        text = format(number.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if kind == "date":
        match = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", value)
        try:
            day = (dt.date(int(match[3]), int(match[2]), int(match[1])) if match
                   else dt.date.fromisoformat(value))
        except ValueError:
            day = None
        if day is None:
            raise FieldValueError(_("${field}: enter a date as YYYY-MM-DD or D. M. YYYY.",
                                    mapping={"field": field.label}))
        return day.isoformat()
    if kind == "yes_no":
        if value.lower() in YES:
            return "yes"
        if value.lower() in NO:
            return "no"
        raise FieldValueError(_("${field}: answer yes or no.", mapping={"field": field.label}))
    if kind == "choice":
        for choice in field.choices or ():
            if choice.lower() == value.lower():
                return choice
        raise FieldValueError(_("${field}: choose one of ${choices}.", mapping={
            "field": field.label, "choices": ", ".join(field.choices or ())}))
    if len(value) > 2000:
        raise FieldValueError(_("${field}: at most 2,000 characters.",
                                mapping={"field": field.label}))
    return value


def store_field_value(db, contact_id: int, field: CustomField, value: str) -> None:
    """Set a contact's value of ``field`` (already cleaned); "" removes it."""
    current = db.get(FieldValue, (contact_id, field.id))
    if value and current is None:
        db.add(FieldValue(contact_id=contact_id, field_id=field.id, value=value))
    elif value:
        current.value = value
    elif current is not None:
        db.delete(current)


def field_values(request, contact_ids: list[int], fields: list[CustomField],
                 channel: str) -> dict[tuple[int, int], str]:
    """Values of ``fields`` for contacts; reads of special-category fields are audited."""
    if not contact_ids or not fields:
        return {}
    rows = request.dbsession.execute(
        sa.select(FieldValue.contact_id, FieldValue.field_id, FieldValue.value).where(
            FieldValue.contact_id.in_(contact_ids),
            FieldValue.field_id.in_([f.id for f in fields])))
    values = {(c, f): v for c, f, v in rows}
    special = [f.key for f in fields if f.is_special]
    if special:
        for contact_id in contact_ids:
            audit(request, contact_id, "health.read", f"{channel}: {', '.join(special)}")
    return values


def disease_interests_visible(request) -> bool:
    # A person's disease areas reveal health: treated like a special-category field.
    return can_read_health(request)


# -- topics (the core's shared taxonomy) -------------------------------------------------------

def topics(request, kind: str | None = None, include: set[int] | None = None) -> list[Topic]:
    """Active topics (``kind`` "disease" or "theme"), plus inactive ones in ``include``
    (a contact keeps a topic staff deactivated later)."""
    active = Topic.is_active.is_(True)
    stmt = sa.select(Topic).where(sa.or_(active, Topic.id.in_(include)) if include else active)
    if kind:
        stmt = stmt.where(Topic.kind == kind)
    return list(request.dbsession.scalars(stmt.order_by(Topic.position, Topic.id)))


def topic_names(request, items) -> str:
    lang = language(request)
    return ", ".join(t.name(lang) for t in items)


# -- consent: in the core's ledger (hub_crm.consent) ---------------------------------------

consents_of = consent.consents_of
has_consent = consent.has_consent
set_consent = consent.set_consent


# -- segments --------------------------------------------------------------------------------

class SegmentError(ValueError):
    """A condition cannot be used (unknown kind, value, or health data without consent)."""


def segment_criteria(request) -> dict:
    # Through the registry: background requests (jobs) have no ``request.hooks``.
    found = flatten(request.registry["hub.pm"].hook.hub_segment_criteria())
    return {c.name: c for c in found}


def condition_kinds(request) -> list[tuple[str, str]]:
    """(kind, label) of every condition a segment can use, for the editor."""
    tr = request.shell.translate if hasattr(request, "shell") else str
    kinds = [("type", tr(_("Stakeholder type"))), ("tag", tr(_("Tag"))),
             ("topic", tr(_("Topic"))), ("region", tr(_("Region"))),
             ("language", tr(_("Language"))), ("relationship", tr(_("Relationship")))]
    for field in request.dbsession.scalars(sa.select(CustomField).order_by(CustomField.label)):
        kinds.append((f"field:{field.key}", field.label))
    for name, crit in sorted(segment_criteria(request).items()):
        kinds.append((f"criterion:{name}", tr(crit.label)))
    return kinds


# The distinct regions by skipping through the region index (a few seeks, not a scan of
# every contact as DISTINCT would).
REGIONS_SQL = sa.text(
    "WITH RECURSIVE r(region) AS (SELECT min(region) FROM crm_contact WHERE region > '' "
    "UNION ALL SELECT (SELECT min(region) FROM crm_contact WHERE region > r.region) "
    "FROM r WHERE r.region IS NOT NULL) SELECT region FROM r WHERE region IS NOT NULL "
    "LIMIT 500")


def condition_options(request) -> list[tuple[str, list[tuple[str, str]]]]:
    """For the editor: ``(group label, [("kind=value", label)])`` of every condition whose
    values are known (types, tags, topics, regions, languages, choice and yes/no fields,
    criteria of other plugins), so staff pick them from a list instead of typing."""
    tr = request.shell.translate
    db = request.dbsession
    lang = language(request)
    regions = db.scalars(REGIONS_SQL)
    found = [
        (tr(_("Stakeholder type")), [(f"type={k}", tr(v)) for k, v in TYPE_LABELS.items()]),
        (tr(_("Topic")), [(f"topic={t.slug}", t.name(lang) + (
            " *" if t.kind == "disease" else "")) for t in topics(request)]),
        (tr(_("Tag")), [(f"tag={n}", n)
                        for n in db.scalars(sa.select(Tag.name).order_by(Tag.name))]),
        (tr(_("Region")), [(f"region={r}", r) for r in regions]),
        (tr(_("Language")), [("language=cs", "čeština"), ("language=en", "English")]),
    ]
    for field in db.scalars(sa.select(CustomField).where(
            CustomField.type.in_(("choice", "yes_no"))).order_by(CustomField.label)):
        values = field.choices if field.type == "choice" else ["yes", "no"]
        labels = {"yes": tr(_("yes")), "no": tr(_("no"))}
        found.append((field.label + (" *" if field.is_special else ""),
                      [(f"field:{field.key}={v}", labels.get(v, v) if field.type == "yes_no"
                        else v) for v in values]))
    for name, crit in sorted(segment_criteria(request).items()):
        options = [(f"criterion:{name}={v}", tr(label)) for v, label in crit.options(request)]
        if options:
            found.append((tr(crit.label), options))
    return [f for f in found if f[1]]


def condition_clause(request, kind: str, value: str, purpose: str):
    """One segment condition as an SQL expression over ``crm_contact``."""
    db = request.dbsession
    value = (value or "").strip()
    if not value:
        raise SegmentError(_("Every condition needs a value."))
    if kind == "type":
        if value not in STAKEHOLDER_TYPES:
            raise SegmentError(_("Unknown stakeholder type."))
        return Contact.stakeholder_type == value
    if kind == "region":
        return Contact.region == value
    if kind == "language":
        return Contact.language == value
    if kind == "tag":
        tag_id = db.scalar(sa.select(Tag.id).where(Tag.name == value))
        if tag_id is None:
            raise SegmentError(_("There is no such tag."))
        return sa.exists().where(contact_tag.c.contact_id == Contact.id,
                                 contact_tag.c.tag_id == tag_id)
    if kind == "topic":
        topic = db.scalar(sa.select(Topic).where(Topic.slug == value))
        if topic is None:
            raise SegmentError(_("There is no such topic."))
        if topic.kind == "disease" and purpose not in HEALTH_PURPOSES:
            raise SegmentError(_("Disease areas are health data: they may only be used by "
                                 "segments for disease information or research."))
        # Recorded by staff on the contact, or declared by the person on the portal
        # ("My interests") when the contact is linked to their account.
        return sa.or_(sa.exists().where(contact_topic.c.contact_id == Contact.id,
                                        contact_topic.c.topic_id == topic.id),
                      sa.exists().where(UserTopic.user_id == Contact.user_id,
                                        UserTopic.topic_id == topic.id))
    if kind == "relationship":
        # "member_of:<contact id>"
        rel_kind, _sep, related = value.partition(":")
        if rel_kind not in RELATIONSHIP_KINDS or not related.isdigit():
            raise SegmentError(_("Write a relationship as kind:contact number, "
                                 "e.g. member_of:12."))
        return sa.exists().where(Relationship.contact_id == Contact.id,
                                 Relationship.kind == rel_kind,
                                 Relationship.related_id == int(related))
    if kind.startswith("field:"):
        field = db.scalar(sa.select(CustomField).where(CustomField.key == kind[6:]))
        if field is None:
            raise SegmentError(_("There is no such field."))
        if field.is_special and purpose not in HEALTH_PURPOSES:
            raise SegmentError(_("Special-category fields may only be used by segments for "
                                 "disease information or research."))
        try:
            value = clean_field_value(field, value)
        except FieldValueError as exc:
            raise SegmentError(exc.args[0]) from None
        return sa.exists().where(FieldValue.contact_id == Contact.id,
                                 FieldValue.field_id == field.id, FieldValue.value == value)
    if kind.startswith("criterion:"):
        crit = segment_criteria(request).get(kind[10:])
        if crit is None:
            raise SegmentError(_("This condition's plugin is not enabled."))
        return Contact.user_id.in_(crit.user_ids(request, value))
    raise SegmentError(_("Unknown condition."))


def segment_where(request, purpose: str, match: str, conditions: list[dict]) -> list:
    """The WHERE clauses over ``crm_contact`` of a segment: conditions AND the consent."""
    if purpose not in PURPOSES:
        raise SegmentError(_("Unknown purpose."))
    clauses = [condition_clause(request, c.get("kind", ""), c.get("value", ""), purpose)
               for c in conditions]
    where = [has_consent(purpose), Contact.restricted.is_(False), Contact.email.is_not(None)]
    if clauses:
        where.append(sa.and_(*clauses) if match == "all" else sa.or_(*clauses))
    return where


def segment_query(request, purpose: str, match: str, conditions: list[dict]) -> sa.Select:
    """``SELECT crm_contact.id`` of the segment: conditions AND the consent, one query."""
    return sa.select(Contact.id).where(*segment_where(request, purpose, match, conditions))


def segment_count(request, segment) -> int:
    stmt = segment_query(request, segment.purpose, segment.match, segment.conditions)
    return request.dbsession.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


def segment_contacts(request, segment, offset: int = 0, limit: int = 50) -> list[Contact]:
    return segment_page(request, segment, offset, limit)[1]


def segment_page(request, segment, offset: int = 0, limit: int = 50,
                 options=()) -> tuple[int, list[Contact]]:
    """``(count, contacts of one page)`` in one query: the count is a window over the same
    filter, so the segment is evaluated once (a second query only past the last page)."""
    where = segment_where(request, segment.purpose, segment.match, segment.conditions)
    total = sa.func.count().over().label("total")
    rows = request.dbsession.execute(
        sa.select(Contact, total).where(*where).options(*options)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
        .offset(offset).limit(limit)).all()
    if rows:
        return rows[0].total, [r[0] for r in rows]
    return segment_count(request, segment), []


def segment_uses_health_data(request, segment) -> bool:
    """Whether who is in ``segment`` is health data: one of its conditions, whether AND or
    OR combines them, names a disease area or a special-category field (as they are now).

    Its members and their number are then shown only to staff who may read health data,
    only on request (POST), and every read is recorded (:func:`audit_segment_read`).
    """
    slugs, keys = set(), set()
    for condition in segment.conditions or ():
        kind = str(condition.get("kind") or "")
        if kind == "topic":
            slugs.add(str(condition.get("value") or "").strip())
        elif kind.startswith("field:"):
            keys.add(kind[6:])
    db = request.dbsession
    if slugs and db.scalar(sa.select(Topic.id).where(
            Topic.slug.in_(slugs), Topic.kind == "disease").limit(1)) is not None:
        return True
    return bool(keys) and db.scalar(sa.select(CustomField.id).where(
        CustomField.key.in_(keys), CustomField.is_special.is_(True)).limit(1)) is not None


def audit_segment_read(request, segment, channel: str, contact_ids=(),
                       count: int | None = None) -> None:
    """Record a read of a health-defined segment: one entry naming the segment and, like
    every other read of health data, one ``health.read`` per contact shown, so each
    person's trail says who saw them in it."""
    ids = list(contact_ids)
    name = f"segment {segment.id or '(not saved)'} «{segment.name or ''}»"
    audit(request, None, "segment.read",
          f"{channel}: {name}, {len(ids) if count is None else count} contacts")
    if ids:
        user = current_user(request)
        request.dbsession.execute(sa.insert(AuditEntry), [
            {"user_id": user.id if user else None, "contact_id": contact_id,
             "action": "health.read", "detail": f"{channel}: {name}"[:2000]}
            for contact_id in ids])


# -- signed links to the preferences page --------------------------------------------------

def _secret(request, create: bool = True) -> bytes | None:
    secret = request.registry.settings.get("crm.secret") or ""
    if secret:
        return secret.encode()
    db = request.dbsession
    row = db.get(SigningKey, 1)
    if row is None:
        if not create:
            return None  # no link was ever signed; reading one must not write (GET)
        # Two first signers may race to create it: the loser reads the winner's key.
        try:
            with db.begin_nested():
                db.add(SigningKey(id=1, key=secrets.token_urlsafe(48)))
        except sa.exc.IntegrityError:
            pass
        row = db.get(SigningKey, 1)
    return row.key.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_token(request, contact_id: int) -> str:
    payload = _b64(json.dumps({"c": contact_id}).encode())
    sig = hmac.new(_secret(request), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(sig)}"


def read_token(request, token: str) -> int | None:
    """The contact id of a valid token, or None."""
    payload, _sep, sig = (token or "").partition(".")
    key = _secret(request, create=False) if payload and sig else None
    if key is None:
        return None
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, sig):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return int(data["c"])
    except (ValueError, KeyError, TypeError):
        return None


def preferences_url(request, contact_id: int) -> str:
    # Built from the setting, never from the Host header, and without request.route_path so
    # that background jobs (a newsletter send) can call it.
    base = request.registry.settings["hub.base_url"].rstrip("/")
    prefix = request.registry.settings.get("crm.route_prefix", "/crm").rstrip("/")
    return f"{base}{prefix}/preferences/{make_token(request, contact_id)}"


# -- contacts --------------------------------------------------------------------------------

def display_name(first_name: str, last_name: str) -> str:
    return " ".join(p for p in (first_name.strip(), last_name.strip()) if p)


def contact_for_user(request, user, create: bool = False) -> Contact | None:
    db = request.dbsession
    contact = db.scalar(sa.select(Contact).where(Contact.user_id == user.id))
    if contact is None:
        contact = db.scalar(sa.select(Contact).where(Contact.email == user.email.lower(),
                                                     Contact.user_id.is_(None)))
        if contact is not None and create:
            contact.user_id = user.id  # linked when the person acts (POST), never on GET
            consent.carry_to_account(request, contact)
    if contact is None and create:
        first, _sep, last = user.name.partition(" ")
        email = user.email.lower()
        if db.scalar(sa.select(Contact.id).where(Contact.email == email)) is not None:
            email = None  # that address belongs to a contact linked to another account
        contact = Contact(kind="person", first_name=first, last_name=last, name=user.name,
                          email=email, language=user.language, user_id=user.id)
        db.add(contact)
        db.flush()
    return contact


def get_or_create_tag(request, name: str) -> Tag:
    db = request.dbsession
    tag = db.scalar(sa.select(Tag).where(Tag.name == name))
    if tag is None:
        try:
            with db.begin_nested():
                tag = Tag(name=name)
                db.add(tag)
        except sa.exc.IntegrityError:  # created by a concurrent request meanwhile
            tag = db.scalar(sa.select(Tag).where(Tag.name == name))
    return tag


def touch(contact: Contact) -> None:
    contact.updated_at = contact.last_activity_at = utcnow()
    contact.retention_notified_at = None
