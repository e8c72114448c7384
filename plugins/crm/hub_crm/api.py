"""JSON API of the crm plugin (staff only): contacts, organisations, segments, consents.

Responses contain only the fields listed in the schemas below; special-category (health)
fields are never part of them except through the dedicated, audited ``health`` endpoint.
"""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.consent import OutdatedText
from hub.organizations.models import Organisation
from hub.params import MAX_INT, int_param
from hub_crm import consent, services
from hub_crm.hooks import CONTACT_EDIT, CONTACT_READ, SEGMENT_MANAGE
from hub_crm.i18n import _
from hub_crm.models import (
    PURPOSES,
    STAKEHOLDER_TYPES,
    Contact,
    OrganisationProfile,
    Segment,
)

MAX_LIMIT = 200
WRITABLE = ("kind", "first_name", "last_name", "name", "email", "phone", "gender", "language",
            "stakeholder_type", "region")


def includeme(config):
    config.add_api_route("crm.api.contacts", "/crm/contacts")
    config.add_api_route("crm.api.contact", "/crm/contacts/{id:\\d+}")
    config.add_api_route("crm.api.contact_consents", "/crm/contacts/{id:\\d+}/consents")
    config.add_api_route("crm.api.contact_health", "/crm/contacts/{id:\\d+}/health")
    config.add_api_route("crm.api.organisations", "/crm/organisations")
    config.add_api_route("crm.api.segments", "/crm/segments")
    config.add_api_route("crm.api.segment_contacts", "/crm/segments/{id:\\d+}/contacts")


def paging(request) -> tuple[int, int]:
    offset = int_param(request, "offset", 0, minimum=0, maximum=MAX_INT)
    limit = int_param(request, "limit", 50, minimum=1, maximum=MAX_LIMIT)
    return offset, limit


def contact_json(contact: Contact, fields: dict[str, str]) -> dict:
    """A contact as the API gives it; ``fields``: its values of the custom fields that are
    not special-category ones (see :func:`custom_values`)."""
    return {"id": contact.id, "kind": contact.kind, "first_name": contact.first_name,
            "last_name": contact.last_name, "name": contact.name, "email": contact.email,
            "phone": contact.phone, "gender": contact.gender, "language": contact.language,
            "stakeholder_type": contact.stakeholder_type, "region": contact.region,
            "user_id": contact.user_id,
            "organisation_id": contact.organisation_id,
            "tags": [t.name for t in contact.tags],
            "topics": [t.slug for t in contact.topics if t.kind == "theme"],
            "fields": fields, "updated_at": contact.updated_at.isoformat()}


def custom_values(request, contact_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per contact, every custom field that is not special-category: key → value ("" when
    empty). Health fields stay behind the audited health endpoint."""
    fields = services.custom_fields(request, include_special=False)
    values = services.field_values(request, contact_ids, fields, "api")
    return {c: {f.key: values.get((c, f.id), "") for f in fields} for c in contact_ids}


def one_contact_json(request, contact: Contact) -> dict:
    # What the person chose to show in the public directory (their consents, read-only).
    return {**contact_json(contact, custom_values(request, [contact.id])[contact.id]),
            "directory_fields": sorted(consent.directory_fields(request, contact))}


def get_contact(request) -> Contact:
    contact = request.dbsession.get(Contact, int(request.matchdict["id"]))
    if contact is None:
        raise api_error(404, "not_found", request.localizer.translate(_("No such contact")))
    return contact


@view_config(route_name="crm.api.contacts", renderer="json", permission=CONTACT_READ,
             request_method="GET")
def list_contacts(request):
    from sqlalchemy.orm import selectinload

    from hub_crm.views import contact_filters

    offset, limit = paging(request)
    stmt, _filters = contact_filters(request, sa.select(Contact))
    total = request.dbsession.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = list(request.dbsession.scalars(
        stmt.options(selectinload(Contact.tags), selectinload(Contact.topics))
        .order_by(Contact.id).offset(offset).limit(limit)))
    values = custom_values(request, [c.id for c in rows])
    return {"total": total, "offset": offset, "limit": limit,
            "items": [contact_json(c, values[c.id]) for c in rows]}


class ContactInput(NamedTuple):
    """A checked request body: contact columns, custom field → value, theme topics (None:
    not given, the contact's themes stay)."""

    values: dict
    fields: dict
    topics: list | None


def validate_contact(request, data, partial: bool) -> ContactInput:
    """The checked request body, or a 422 naming every wrong field."""
    if not isinstance(data, dict):
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("A JSON object is required")))
    unknown = sorted(set(data) - set(WRITABLE) - {"fields", "topics"})
    if unknown:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("Unknown or read-only fields")),
                        fields=unknown)
    errors = {}
    values = {k: data[k] for k in WRITABLE if k in data}
    for key, value in values.items():
        if key == "gender":
            if value not in (None, "f", "m"):
                errors[key] = "must be f, m or null"
        elif key == "email":
            if value is not None and (not isinstance(value, str) or not
                                      services_email_ok(value)):
                errors[key] = "must be an e-mail address or null"
        elif not isinstance(value, str):
            errors[key] = "must be a string"
    if values.get("kind", "person") not in ("person", "organisation"):
        errors["kind"] = "must be person or organisation"
    if values.get("language", "cs") not in ("cs", "en"):
        errors["language"] = "must be cs or en"
    if values.get("stakeholder_type", "patient") not in STAKEHOLDER_TYPES:
        errors["stakeholder_type"] = f"must be one of {', '.join(STAKEHOLDER_TYPES)}"
    if not partial and not (values.get("name") or values.get("first_name")
                            or values.get("last_name")):
        errors["name"] = "a name is required"
    for key, limit in (("first_name", 100), ("last_name", 100), ("name", 200), ("phone", 50),
                       ("region", 100)):
        if isinstance(values.get(key), str) and len(values[key]) > limit:
            errors[key] = f"at most {limit} characters"
    custom = validate_custom_values(request, data.get("fields", {}), errors)
    topics = validate_topics(request, data["topics"], errors) if "topics" in data else None
    if errors:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("Invalid contact")), fields=errors)
    if isinstance(values.get("email"), str):
        values["email"] = values["email"].strip().lower()
    return ContactInput(values, custom, topics)


def validate_custom_values(request, data, errors: dict) -> dict:
    """Custom field → cleaned value ("" clears it), for the fields named in ``data``."""
    if not isinstance(data, dict):
        errors["fields"] = "must be an object of custom field keys and values"
        return {}
    fields = {f.key: f for f in services.custom_fields(request, include_special=True)}
    cleaned = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            errors[f"fields.{key}"] = "no such custom field"
        elif field.is_special:
            errors[f"fields.{key}"] = "special-category (health) data: not writable here"
        elif value is not None and not isinstance(value, str):
            errors[f"fields.{key}"] = "must be a string or null"
        else:
            try:
                cleaned[field] = services.clean_field_value(field, value or "")
            except services.FieldValueError as exc:
                errors[f"fields.{key}"] = exc.args[0].interpolate()
    return cleaned


def validate_topics(request, data, errors: dict) -> list:
    """The theme topics named by ``data`` (slugs; disease areas are health data and are
    not written through this endpoint)."""
    themes = {t.slug: t for t in services.topics(request, "theme")}
    if not isinstance(data, list) or not all(isinstance(slug, str) for slug in data):
        errors["topics"] = "must be a list of topic slugs"
        return []
    unknown = sorted(set(data) - set(themes))
    if unknown:
        errors["topics"] = f"unknown or inactive themes: {', '.join(unknown)}"
    return [themes[slug] for slug in dict.fromkeys(data) if slug in themes]


def services_email_ok(value: str) -> bool:
    from hub_crm.view_helpers import EMAIL_RE

    return bool(EMAIL_RE.match(value.strip()))


def save_contact(request, contact: Contact, body: ContactInput, is_new: bool):
    db = request.dbsession
    for key, value in body.values.items():
        setattr(contact, key, value)
    if body.topics is not None:
        contact.topics = [t for t in contact.topics if t.kind != "theme"] + body.topics
    if contact.kind == "person" and ("first_name" in body.values or "last_name" in body.values):
        contact.name = services.display_name(contact.first_name or "", contact.last_name or "")
    if not contact.name:
        contact.name = services.display_name(contact.first_name or "", contact.last_name or "")
    services.touch(contact)
    try:
        with db.begin_nested():
            if is_new:
                db.add(contact)
            db.flush()
    except sa.exc.IntegrityError:
        raise api_error(409, "conflict", request.localizer.translate(
            _("Another contact has this e-mail address"))) from None
    for field, value in body.fields.items():
        services.store_field_value(db, contact.id, field, value)
    db.flush()
    services.audit(request, contact.id, "contact.created" if is_new else "contact.updated",
                   "api")
    return one_contact_json(request, contact)


@view_config(route_name="crm.api.contacts", renderer="json", permission=CONTACT_EDIT,
             request_method="POST")
def create_contact(request):
    body = validate_contact(request, json_body(request), partial=False)
    body.values.setdefault("first_name", "")
    body.values.setdefault("last_name", "")
    request.response.status = 201
    return save_contact(request, Contact(), body, is_new=True)


@view_config(route_name="crm.api.contact", renderer="json", permission=CONTACT_READ,
             request_method="GET")
def get_contact_view(request):
    return one_contact_json(request, get_contact(request))


@view_config(route_name="crm.api.contact", renderer="json", permission=CONTACT_EDIT,
             request_method=("PATCH", "PUT"))
def update_contact(request):
    contact = get_contact(request)
    body = validate_contact(request, json_body(request), partial=True)
    return save_contact(request, contact, body, is_new=False)


@view_config(route_name="crm.api.contact_consents", renderer="json", permission=CONTACT_READ,
             request_method="GET")
def contact_consents(request):
    contact = get_contact(request)
    states = consent.consents_of(request, contact)
    return {"items": [{"purpose": p, "key": consent.ledger_key(p),
                       "granted": bool(states.get(p) and states[p].given),
                       "changed_at": states[p].at.isoformat() if p in states else None,
                       "source": states[p].source if p in states else None,
                       "text_version": states[p].text_version if p in states else None,
                       "current_text_version": consent.PURPOSES[p].text_version}
                      for p in PURPOSES]}


@view_config(route_name="crm.api.contact_consents", renderer="json", permission=CONTACT_EDIT,
             request_method="POST")
def record_consent(request):
    contact = get_contact(request)
    data = json_body(request)
    if not isinstance(data, dict) or data.get("purpose") not in PURPOSES \
            or not isinstance(data.get("granted"), bool) \
            or not isinstance(data.get("source"), str) or not data["source"].strip():
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_(
                            "purpose (one of ${purposes}), granted (boolean) and source (where "
                            "the decision came from) are required",
                            mapping={"purposes": ", ".join(PURPOSES)})))
    if len(data["source"].strip()) > 500:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("source: at most 500 characters")),
                        fields={"source": "at most 500 characters"})
    version = data.get("text_version")
    if version is not None and not isinstance(version, str):
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("text_version: a string")),
                        fields={"text_version": "a string"})
    try:
        # Entered by staff: the ledger keeps the evidence as the record's note.
        changed = consent.set_consent(request, contact, data["purpose"], data["granted"],
                                      "staff", text_version=version,
                                      note="API: " + data["source"].strip())
    except OutdatedText as exc:
        raise api_error(409, exc.code, request.localizer.translate(
            _("The consent text changed; record the current one.")),
                        current_text_version=exc.current) from None
    if changed:
        services.touch(contact)
    return {"changed": changed, **contact_consents(request)}


@view_config(route_name="crm.api.contact_health", renderer="json", permission=CONTACT_READ,
             request_method="POST")
def contact_health(request):
    """Health data of one contact: POST because every read is recorded."""
    contact = get_contact(request)
    if not services.can_read_health(request):
        raise api_error(404, "not_found", request.localizer.translate(_("No such resource")))
    fields = [f for f in services.custom_fields(request, include_special=True) if f.is_special]
    values = services.field_values(request, [contact.id], fields, "api")
    if not fields:
        services.audit(request, contact.id, "health.read", "api: disease areas")
    return {"fields": {f.key: values.get((contact.id, f.id), "") for f in fields},
            "disease_areas": [t.slug for t in contact.topics if t.kind == "disease"]}


@view_config(route_name="crm.api.organisations", renderer="json", permission=CONTACT_READ,
             request_method="GET")
def organisations(request):
    offset, limit = paging(request)
    db = request.dbsession
    stmt = sa.select(Organisation, OrganisationProfile).outerjoin(
        OrganisationProfile, OrganisationProfile.organisation_id == Organisation.id)
    if request.GET.get("region"):
        stmt = stmt.where(Organisation.region == request.GET["region"])
    if request.GET.get("kind"):
        stmt = stmt.where(Organisation.kind == request.GET["kind"])
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.execute(stmt.order_by(Organisation.name).offset(offset).limit(limit)).all()
    ids = [o.id for o, _p in rows]
    from hub_crm.models import Topic, organisation_topic

    topics: dict[int, list[str]] = {}
    if ids:
        for org_id, name in db.execute(
                sa.select(organisation_topic.c.organisation_id, Topic.slug)
                .join(Topic, Topic.id == organisation_topic.c.topic_id)
                .where(organisation_topic.c.organisation_id.in_(ids))):
            topics.setdefault(org_id, []).append(name)
    return {"total": total, "offset": offset, "limit": limit, "items": [
        {"id": o.id, "name": o.name, "slug": o.slug, "kind": o.kind, "region": o.region,
         "website": o.website, "email": o.email, "description": o.description,
         "listed": p.listed if p else True, "phone": p.phone if p else "",
         "address": p.address if p else "", "topics": sorted(topics.get(o.id, []))}
        for o, p in rows]}


def segment_json(request, segment: Segment) -> dict:
    # The number of members of a health-defined segment is health data: it comes only with
    # the members, from the audited POST.
    health = services.segment_uses_health_data(request, segment)
    count = None
    if not health:
        try:
            count = services.segment_count(request, segment)
        except services.SegmentError:
            pass
    return {"id": segment.id, "name": segment.name, "purpose": segment.purpose,
            "match": segment.match, "conditions": segment.conditions, "count": count,
            "used_at": segment.used_at.isoformat() if segment.used_at else None,
            "health_data": health}


@view_config(route_name="crm.api.segments", renderer="json", permission=SEGMENT_MANAGE,
             request_method="GET")
def segments(request):
    rows = request.dbsession.scalars(sa.select(Segment).order_by(Segment.name))
    return {"items": [segment_json(request, s) for s in rows]}


@view_config(route_name="crm.api.segment_contacts", renderer="json",
             permission=SEGMENT_MANAGE, request_method=("GET", "POST"))
def segment_contacts(request):
    """A page of a segment's members. Those of a health-defined segment are read with POST,
    by staff who may read health data, and every read is recorded."""
    segment = request.dbsession.get(Segment, int(request.matchdict["id"]))
    if segment is None:
        raise api_error(404, "not_found", request.localizer.translate(_("No such segment")))
    health = services.segment_uses_health_data(request, segment)
    # Returned, not raised: the core's handler of a raised 403 answers with a generic one.
    if health and not services.can_read_health(request):
        return api_error(403, "health_data", request.localizer.translate(_(
            "This segment is defined by health data (a disease area or a special-category "
            "field): only staff with access to health data may read its members")))
    if health and request.method != "POST":
        return api_error(403, "health_data", request.localizer.translate(_(
            "This segment is defined by health data: read its members with POST to this "
            "address (every read is recorded in the audit log)")), read_with="POST")
    offset, limit = paging(request)
    try:
        from sqlalchemy.orm import selectinload

        total, rows = services.segment_page(
            request, segment, offset, limit,
            options=(selectinload(Contact.tags), selectinload(Contact.topics)))
    except services.SegmentError as exc:
        raise api_error(409, "segment_unusable",
                        request.shell.translate(exc.args[0])) from None
    if health:
        services.audit_segment_read(request, segment, "api", [c.id for c in rows], count=total)
    values = custom_values(request, [c.id for c in rows])
    return {"total": total, "offset": offset, "limit": limit,
            "items": [contact_json(c, values[c.id]) for c in rows]}


# -- OpenAPI ---------------------------------------------------------------------------------

def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name):
    return {"type": "object", "properties": {
        "total": {"type": "integer"}, "offset": {"type": "integer"},
        "limit": {"type": "integer"}, "items": {"type": "array", "items": _ref(name)}}}


def _ok(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi() -> dict:
    paging_params = [
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": MAX_LIMIT}}]
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    errors = {"404": {"description": "Not found"}, "422": {"description": "Invalid input"}}
    contact_input = {"type": "object", "additionalProperties": False, "properties": {
        "kind": {"type": "string", "enum": ["person", "organisation"]},
        "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "name": {"type": "string"}, "email": {"type": ["string", "null"], "format": "email"},
        "phone": {"type": "string"}, "gender": {"type": ["string", "null"],
                                                "enum": ["f", "m", None]},
        "language": {"type": "string", "enum": ["cs", "en"]},
        "stakeholder_type": {"type": "string", "enum": list(STAKEHOLDER_TYPES)},
        "region": {"type": "string"},
        "topics": {"type": "array", "items": {"type": "string"},
                   "description": "slugs of themes of the shared topics (/api/v1/topics); "
                                  "replaces the contact's themes"},
        "fields": {"type": "object", "additionalProperties": {"type": ["string", "null"]},
                   "description": "custom field key → value (not special-category "
                                  "fields); an empty string or null clears a value"}}}
    contact = {"type": "object", "properties": {
        **contact_input["properties"], "id": {"type": "integer"},
        "user_id": {"type": ["integer", "null"]},
        "organisation_id": {"type": ["integer", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "every custom field that is not special-category: key "
                                  "→ value, \"\" when empty"},
        "updated_at": {"type": "string", "format": "date-time"},
        "directory_fields": {"type": "array", "items": {"type": "string"}, "description": (
            "one contact only: the fields the person agreed to show in the public "
            "directory (name, organisation, stakeholder_type, region, contact); they "
            "choose them on their preferences page")}}}
    consent_schema = {"type": "object", "properties": {
        "purpose": {"type": "string", "enum": list(PURPOSES)},
        "key": {"type": "string", "description": "the purpose's key in the consent ledger"},
        "granted": {"type": "boolean"},
        "changed_at": {"type": ["string", "null"], "format": "date-time"},
        "source": {"type": ["string", "null"]}, "text_version": {"type": ["string", "null"]},
        "current_text_version": {"type": "string"}}}
    body = {"required": True, "content": {"application/json": {"schema": _ref(
        "CrmContactInput")}}}
    tags = ["crm"]
    return {
        "paths": {
            "/crm/contacts": {
                "get": {"tags": tags, "summary": "List contacts",
                        "parameters": paging_params + [
                            {"name": n, "in": "query", "schema": {"type": "string"}}
                            for n in ("q", "type", "tag", "region")],
                        "responses": {"200": _ok(_page_of("CrmContact"))}},
                "post": {"tags": tags, "summary": "Create a contact", "requestBody": body,
                         "responses": {"201": _ok(_ref("CrmContact"), "Created"),
                                       "409": {"description": "E-mail already used"},
                                       **errors}}},
            "/crm/contacts/{id}": {
                "get": {"tags": tags, "summary": "One contact (no health data)",
                        "parameters": id_param,
                        "responses": {"200": _ok(_ref("CrmContact")), **errors}},
                "patch": {"tags": tags, "summary": "Change a contact", "parameters": id_param,
                          "requestBody": body,
                          "responses": {"200": _ok(_ref("CrmContact")),
                                        "409": {"description": "E-mail already used"},
                                        **errors}}},
            "/crm/contacts/{id}/consents": {
                "get": {"tags": tags, "summary": "Current consent per purpose",
                        "parameters": id_param,
                        "responses": {"200": _ok({"type": "object", "properties": {
                            "items": {"type": "array", "items": _ref("CrmConsent")}}})}},
                "post": {"tags": tags, "summary": "Record a consent decision",
                         "parameters": id_param,
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"type": "object", "required": ["purpose", "granted",
                                                                       "source"],
                                        "properties": {
                                            "purpose": {"type": "string",
                                                        "enum": list(PURPOSES)},
                                            "granted": {"type": "boolean"},
                                            "source": {
                                                "type": "string", "description": "the "
                                                "evidence (a signed form, a call), kept as "
                                                "the ledger record's note"},
                                            "text_version": {
                                                "type": "string", "description": "the "
                                                "version of the wording agreed to "
                                                "(default: the current one)"}}}}}},
                         "responses": {"200": {"description": "Recorded"},
                                       "409": {"description": "outdated_text: the wording "
                                                              "changed"}, **errors}}},
            "/crm/contacts/{id}/health": {
                "post": {"tags": tags, "summary": "Read health data (recorded in the audit "
                                                  "log; needs access to health data)",
                         "parameters": id_param,
                         "responses": {"200": {"description": "Health fields"}, **errors}}},
            "/crm/organisations": {
                "get": {"tags": tags, "summary": "Organisations with directory profiles",
                        "parameters": paging_params,
                        "responses": {"200": {"description": "A page of organisations"}}}},
            "/crm/segments": {
                "get": {"tags": tags, "summary": "Segments with their live counts (no count, "
                                                 "and health_data true, for a segment "
                                                 "defined by health data)",
                        "responses": {"200": {"description": "Segments"}}}},
            "/crm/segments/{id}/contacts": {
                "get": {"tags": tags, "summary": "Contacts of a segment who have the consent "
                                                 "its purpose needs (paged); 403 for a "
                                                 "segment defined by health data",
                        "parameters": id_param + paging_params,
                        "responses": {"200": _ok(_page_of("CrmContact")),
                                      "403": {"description": "Defined by health data"},
                                      **errors}},
                "post": {"tags": tags, "summary": "The same, also for a segment defined by "
                                                  "health data (recorded in the audit log; "
                                                  "needs access to health data)",
                         "parameters": id_param + paging_params,
                         "responses": {"200": _ok(_page_of("CrmContact")),
                                       "403": {"description": "No access to health data"},
                                       "409": {"description": "A condition cannot be used"},
                                       **errors}}},
        },
        "components": {"schemas": {"CrmContact": contact, "CrmContactInput": contact_input,
                                   "CrmConsent": consent_schema}},
    }

