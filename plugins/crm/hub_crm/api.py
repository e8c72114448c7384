"""JSON API of the crm plugin (staff only): contacts, organisations, segments, consents.

Responses contain only the fields listed in the schemas below; special-category (health)
fields are never part of them except through the dedicated, audited ``health`` endpoint.
"""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.api.collections import (
    collection,
    collection_of,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response, json_content, ref
from hub.consent import OutdatedText
from hub.organizations.models import Organisation
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

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
WRITABLE = ("kind", "first_name", "last_name", "name", "email", "phone", "gender", "language",
            "stakeholder_type", "region")
KINDS = ("person", "organisation")
GENDERS = ("f", "m")
LANGUAGES = ("cs", "en")
LENGTHS = (("first_name", 100), ("last_name", 100), ("name", 200), ("phone", 50),
           ("region", 100))
SOURCE_MAX = 500


def includeme(config):
    config.add_api_route("crm.api.contacts", "/crm/contacts")
    config.add_api_route("crm.api.contact", "/crm/contacts/{id:\\d+}")
    config.add_api_route("crm.api.contact_consents", "/crm/contacts/{id:\\d+}/consents")
    config.add_api_route("crm.api.contact_health", "/crm/contacts/{id:\\d+}/health")
    config.add_api_route("crm.api.organisations", "/crm/organisations")
    config.add_api_route("crm.api.segments", "/crm/segments")
    config.add_api_route("crm.api.segment_contacts", "/crm/segments/{id:\\d+}/contacts")


def paging(request):
    return read_paging(request, DEFAULT_LIMIT, MAX_LIMIT)


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

    page = paging(request)
    stmt, _filters = contact_filters(request, sa.select(Contact))
    rows, total = page_of(request.dbsession, stmt.options(
        selectinload(Contact.tags), selectinload(Contact.topics)).order_by(Contact.id), page)
    values = custom_values(request, [c.id for c in rows])
    return collection([contact_json(c, values[c.id]) for c in rows], total, page)


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
            if value not in (None, *GENDERS):
                errors[key] = "must be f, m or null"
        elif key == "email":
            if value is not None and (not isinstance(value, str) or not
                                      services_email_ok(value)):
                errors[key] = "must be an e-mail address or null"
        elif not isinstance(value, str):
            errors[key] = "must be a string"
    if values.get("kind", "person") not in KINDS:
        errors["kind"] = "must be person or organisation"
    if values.get("language", "cs") not in LANGUAGES:
        errors["language"] = "must be cs or en"
    if values.get("stakeholder_type", "patient") not in STAKEHOLDER_TYPES:
        errors["stakeholder_type"] = f"must be one of {', '.join(STAKEHOLDER_TYPES)}"
    # The same rule as the contact form: a person by first or last name, an organisation
    # by its name.
    if not partial and values.get("kind") == "organisation" and not values.get("name"):
        errors["name"] = "a name is required"
    elif not partial and values.get("kind") != "organisation" and not (
            values.get("first_name") or values.get("last_name")):
        errors["last_name"] = "a first or last name is required"
    for key, limit in LENGTHS:
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
    return collection_of([{"purpose": p, "key": consent.ledger_key(p),
                       "granted": bool(states.get(p) and states[p].given),
                       "changed_at": states[p].at.isoformat() if p in states else None,
                       "source": states[p].source if p in states else None,
                       "text_version": states[p].text_version if p in states else None,
                       "current_text_version": consent.PURPOSES[p].text_version}
                          for p in PURPOSES], read_paging(request, len(PURPOSES), MAX_LIMIT))


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
    if len(data["source"].strip()) > SOURCE_MAX:
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
    db = request.dbsession
    stmt = sa.select(Organisation, OrganisationProfile).outerjoin(
        OrganisationProfile, OrganisationProfile.organisation_id == Organisation.id)
    if request.GET.get("region"):
        stmt = stmt.where(Organisation.region == request.GET["region"])
    if request.GET.get("kind"):
        stmt = stmt.where(Organisation.kind == request.GET["kind"])
    page = paging(request)
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = db.execute(stmt.order_by(Organisation.name, Organisation.id)
                      .offset(page.offset).limit(page.limit)).all()
    ids = [o.id for o, _p in rows]
    from hub_crm.models import Topic, organisation_topic

    topics: dict[int, list[str]] = {}
    if ids:
        for org_id, name in db.execute(
                sa.select(organisation_topic.c.organisation_id, Topic.slug)
                .join(Topic, Topic.id == organisation_topic.c.topic_id)
                .where(organisation_topic.c.organisation_id.in_(ids))):
            topics.setdefault(org_id, []).append(name)
    return collection([
        {"id": o.id, "name": o.name, "slug": o.slug, "kind": o.kind, "region": o.region,
         "website": o.website, "email": o.email, "description": o.description,
         "listed": p.listed if p else True, "phone": p.phone if p else "",
         "address": p.address if p else "", "topics": sorted(topics.get(o.id, []))}
        for o, p in rows], total, page)


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
    page = paging(request)
    rows, total = page_of(request.dbsession, sa.select(Segment).order_by(Segment.name,
                                                                         Segment.id), page)
    return collection([segment_json(request, s) for s in rows], total, page)


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
    page = paging(request)
    try:
        from sqlalchemy.orm import selectinload

        total, rows = services.segment_page(
            request, segment, page.offset, page.limit,
            options=(selectinload(Contact.tags), selectinload(Contact.topics)))
    except services.SegmentError as exc:
        raise api_error(409, "segment_unusable",
                        request.shell.translate(exc.args[0])) from None
    if health:
        services.audit_segment_read(request, segment, "api", [c.id for c in rows], count=total)
    values = custom_values(request, [c.id for c in rows])
    return collection([contact_json(c, values[c.id]) for c in rows], total, page)


# -- OpenAPI ---------------------------------------------------------------------------------

def _ok(schema, description="OK"):
    return {"description": description, "content": json_content(schema)}


def _contact_input(create: bool) -> dict:
    """The body of POST (``create``) or PATCH: the same properties, names required only
    when creating (a person by first or last name, an organisation by its name)."""
    limits = dict(LENGTHS)
    properties = {
        "kind": {"type": "string", "enum": list(KINDS), "default": "person"},
        **{key: {"type": "string", "maxLength": limits[key]}
           for key in ("first_name", "last_name", "name")},
        "email": {"type": ["string", "null"], "format": "email"},
        "phone": {"type": "string", "maxLength": limits["phone"]},
        "gender": {"type": ["string", "null"], "enum": [*GENDERS, None]},
        "language": {"type": "string", "enum": list(LANGUAGES), "default": "cs"},
        "stakeholder_type": {"type": "string", "enum": list(STAKEHOLDER_TYPES),
                             "default": "patient"},
        "region": {"type": "string", "maxLength": limits["region"]},
        "topics": {"type": "array", "items": {"type": "string", "examples": ["education"]},
                   "description": "slugs of themes of the shared topics (/api/v1/topics); "
                                  "replaces the contact's themes"},
        "fields": {"type": "object", "additionalProperties": {"type": ["string", "null"]},
                   "examples": [{"membership": "guest"}],
                   "description": "custom field key → value (not special-category "
                                  "fields); an empty string or null clears a value"}}
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if create:
        schema["allOf"] = [
            {"if": {"required": ["kind"], "properties": {"kind": {"const": "organisation"}}},
             "then": {"required": ["name"], "properties": {"name": {"minLength": 1}}}},
            {"if": {"properties": {"kind": {"const": "person"}},
                    "not": {"required": ["first_name"],
                            "properties": {"first_name": {"minLength": 1}}}},
             "then": {"required": ["last_name"], "properties": {"last_name": {"minLength": 1}}}},
        ]
        schema["description"] = ("A person needs first_name or last_name, an organisation "
                                 "(kind organisation) its name.")
    return schema


def openapi() -> dict:
    paging_params = paging_parameters(DEFAULT_LIMIT, MAX_LIMIT)
    id_param = [{"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}]
    errors = {"404": error_response("Not found"), "422": error_response("Invalid input")}
    contact_input = _contact_input(create=True)
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
    organisation = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "slug": {"type": "string"},
        "kind": {"type": "string"}, "region": {"type": ["string", "null"]},
        "website": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]}, "listed": {"type": "boolean"},
        "phone": {"type": "string"}, "address": {"type": "string"},
        "topics": {"type": "array", "items": {"type": "string"}}}}
    segment = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "purpose": {"type": "string", "enum": list(PURPOSES)},
        "match": {"type": "string"},
        "conditions": {"type": "array", "items": {"type": "object"}},
        "count": {"type": ["integer", "null"], "description": "null for a segment defined "
                                                              "by health data"},
        "used_at": {"type": ["string", "null"], "format": "date-time"},
        "health_data": {"type": "boolean"}}}
    consents = _ok(collection_schema(ref("CrmConsent")))
    tags = ["crm"]
    return {
        "paths": {
            "/crm/contacts": {
                "get": {"tags": tags, "operationId": "listCrmContacts",
                        "summary": "List contacts",
                        "parameters": paging_params + [
                            {"name": n, "in": "query", "schema": {"type": "string"}}
                            for n in ("q", "tag", "region")] + [
                            {"name": "type", "in": "query", "description": "stakeholder type",
                             "schema": {"type": "string", "enum": list(STAKEHOLDER_TYPES)}}],
                        "responses": {"200": _ok(collection_schema(ref("CrmContact")))}},
                "post": {"tags": tags, "operationId": "createCrmContact",
                         "summary": "Create a contact",
                         "requestBody": {"required": True,
                                         "content": json_content(ref("CrmContactInput"))},
                         "responses": {"201": _ok(ref("CrmContact"), "Created"),
                                       "409": error_response("E-mail already used"),
                                       **errors}}},
            "/crm/contacts/{id}": {
                "get": {"tags": tags, "operationId": "getCrmContact",
                        "summary": "One contact (no health data)", "parameters": id_param,
                        "responses": {"200": _ok(ref("CrmContact")), **errors}},
                "patch": {"tags": tags, "operationId": "updateCrmContact",
                          "summary": "Change a contact (only the properties given)",
                          "parameters": id_param,
                          "requestBody": {"required": True,
                                          "content": json_content(ref("CrmContactPatch"))},
                          "responses": {"200": _ok(ref("CrmContact")),
                                        "409": error_response("E-mail already used"),
                                        **errors}}},
            "/crm/contacts/{id}/consents": {
                "get": {"tags": tags, "operationId": "listCrmContactConsents",
                        "summary": "Current consent per purpose",
                        "parameters": id_param + paging_parameters(len(PURPOSES), MAX_LIMIT),
                        "responses": {"200": consents, **errors}},
                "post": {"tags": tags, "operationId": "recordCrmContactConsent",
                         "summary": "Record a consent decision",
                         "parameters": id_param,
                         "requestBody": {"required": True, "content": json_content({
                             "type": "object", "required": ["purpose", "granted", "source"],
                             "properties": {
                                 "purpose": {"type": "string", "enum": list(PURPOSES)},
                                 "granted": {"type": "boolean"},
                                 "source": {
                                     "type": "string", "minLength": 1,
                                     "maxLength": SOURCE_MAX,
                                     "pattern": r"\S", "examples": ["Signed form, 2026-03-01"],
                                     "description": "the evidence (a signed form, a call), "
                                                    "kept as the ledger record's note"},
                                 "text_version": {
                                     "type": "string", "description": "the version of the "
                                     "wording agreed to (default: the current one; "
                                     "current_text_version of GET)"}}})},
                         "responses": {"200": _ok({"allOf": [
                             collection_schema(ref("CrmConsent")),
                             {"type": "object", "properties": {
                                 "changed": {"type": "boolean"}}}]}, "Recorded"),
                             "409": error_response("outdated_text: the wording changed"),
                             **errors}}},
            "/crm/contacts/{id}/health": {
                "post": {"tags": tags, "operationId": "readCrmContactHealth",
                         "summary": "Read health data (recorded in the audit log; needs "
                                    "access to health data)",
                         "parameters": id_param,
                         "responses": {"200": _ok({"type": "object", "properties": {
                             "fields": {"type": "object",
                                        "additionalProperties": {"type": "string"}},
                             "disease_areas": {"type": "array",
                                               "items": {"type": "string"}}}},
                             "Health fields and disease areas"), **errors}}},
            "/crm/organisations": {
                "get": {"tags": tags, "operationId": "listCrmOrganisations",
                        "summary": "Organisations with directory profiles",
                        "parameters": paging_params + [
                            {"name": n, "in": "query", "schema": {"type": "string"}}
                            for n in ("region", "kind")],
                        "responses": {"200": _ok(collection_schema(
                            ref("CrmOrganisation")), "A page of organisations")}}},
            "/crm/segments": {
                "get": {"tags": tags, "operationId": "listCrmSegments",
                        "summary": "Segments with their live counts (no count, and "
                                   "health_data true, for a segment defined by health data)",
                        "parameters": paging_params,
                        "responses": {"200": _ok(collection_schema(ref("CrmSegment")),
                                                 "Segments")}}},
            "/crm/segments/{id}/contacts": {
                "get": {"tags": tags, "operationId": "listCrmSegmentContacts",
                        "summary": "Contacts of a segment who have the consent its purpose "
                                   "needs (paged); 403 for a segment defined by health data",
                        "parameters": id_param + paging_params,
                        "responses": {"200": _ok(collection_schema(ref("CrmContact"))),
                                      "403": error_response("Defined by health data"),
                                      "409": error_response("A condition cannot be used"),
                                      **errors}},
                "post": {"tags": tags, "operationId": "readCrmSegmentContacts",
                         "summary": "The same, also for a segment defined by health data "
                                    "(recorded in the audit log; needs access to health "
                                    "data); no body",
                         "parameters": id_param + paging_params,
                         "responses": {"200": _ok(collection_schema(ref("CrmContact"))),
                                       "403": error_response("No access to health data"),
                                       "409": error_response("A condition cannot be used"),
                                       **errors}}},
        },
        "components": {"schemas": {"CrmContact": contact, "CrmContactInput": contact_input,
                                   "CrmContactPatch": _contact_input(create=False),
                                   "CrmConsent": consent_schema,
                                   "CrmOrganisation": organisation, "CrmSegment": segment}},
    }
