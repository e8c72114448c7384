"""JSON API of the newsletter plugin (``/api/v1/newsletter/...``)."""
from __future__ import annotations

import hmac

import sqlalchemy as sa
import sqlalchemy.orm
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
from hub.dates import language
from hub.params import MAX_ID
from hub.security import PUBLIC
from hub.translations import (
    api_field,
    read_translations,
    translations_json,
    translations_schema,
)
from hub_newsletter import services
from hub_newsletter.bounces import record_bounce
from hub_newsletter.i18n import _
from hub_newsletter.mail_templates import default_template
from hub_newsletter.manage import EDITABLE, TEXT_FIELDS, TEXT_LIMITS, text_errors
from hub_newsletter.models import (
    CAMPAIGN_KINDS,
    SALUTATION_STYLES,
    Campaign,
    NewsletterList,
    NewsletterTemplate,
)
from hub_newsletter.purposes import LIST_PURPOSE

EDIT = "newsletter:campaign:edit"
LANGUAGES = ("cs", "en")
BOUNCE_TYPES = ("hard", "soft")
LISTS_PAGE = 100
CAMPAIGNS_PAGE = 200
# The campaign's texts (manage.TEXT_LIMITS: those with an English version) and the rest.
INPUT_FIELDS = {*TEXT_LIMITS, "translations", "kind", "salutation", "template_id",
                "lists"}


def _list_json(nl) -> dict:
    return {"id": nl.id, "slug": nl.slug, "name": nl.name, "description": nl.description}


def _consent_json() -> dict:
    """The consent a subscription gives (the same wording for every list)."""
    return {"purpose": LIST_PURPOSE.key, "title": dict(LIST_PURPOSE.title),
            "text": dict(LIST_PURPOSE.text), "text_version": LIST_PURPOSE.text_version}


def _campaign_json(request, campaign, stats=None) -> dict:
    """A campaign in the request's language (``Accept-Language``): the English texts where
    they exist, else the Czech ones; ``translations`` has the English texts as written."""
    lang = language(request)
    data = {"id": campaign.id, "kind": campaign.kind, "status": campaign.status,
            "subject": campaign.translated("subject", lang),
            "preheader": campaign.translated("preheader", lang),
            "body": campaign.translated("body", lang),
            "language": campaign.language_of("body", lang),
            "translations": translations_json(campaign),
            "missing_translations": campaign.missing_translations(),
            "salutation": campaign.salutation, "template_id": campaign.template_id,
            "lists": [nl.id for nl in campaign.lists], "audiences": campaign.audiences or [],
            "event_id": campaign.event_id,
            "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
            "started_at": campaign.started_at.isoformat() if campaign.started_at else None,
            "finished_at": campaign.finished_at.isoformat() if campaign.finished_at else None,
            "error": campaign.error or None,
            # What the send relied on (hub_newsletter.snapshots); null before it started.
            "snapshot": campaign.snapshot}
    if stats is not None:
        data["stats"] = stats
    return data


@view_config(route_name="newsletter.api.lists", renderer="json", permission=PUBLIC,
             request_method="GET")
def lists(request):
    return collection_of([_list_json(nl) for nl in services.public_lists(request.dbsession)],
                         read_paging(request, LISTS_PAGE), consent=_consent_json())


@view_config(route_name="newsletter.api.subscriptions", renderer="json", permission=PUBLIC,
             request_method="POST")
def subscribe(request):
    """Subscribe an address (double opt-in: a confirmation e-mail is sent)."""
    translate = request.localizer.translate
    try:
        body = request.json_body
    except ValueError:
        return api_error(400, "invalid_json", translate(_("The request body is not valid JSON.")))
    if not isinstance(body, dict):
        return api_error(400, "invalid_json",
                         translate(_("The request body must be a JSON object.")))
    email = services.normalise_email(str(body.get("email") or ""))
    wanted = body.get("lists") or []
    details = {}
    if not services.valid_email(email):
        details["email"] = translate(_("Enter a valid e-mail address."))
    if not isinstance(wanted, list) or not wanted or not all(
            isinstance(item, (int, str)) and not isinstance(item, bool) for item in wanted):
        details["lists"] = translate(_("Give a non-empty list of list ids or slugs."))
    if body.get("consent") is not True:
        details["consent"] = translate(_("Consent must be given (true) to subscribe."))
    if details:
        return api_error(422, "validation_failed", translate(_("The subscription is not valid.")),
                         **details)
    available = services.public_lists(request.dbsession)
    chosen = [nl for nl in available if nl.id in wanted or nl.slug in wanted]
    if len(chosen) != len(set(wanted)):
        return api_error(422, "validation_failed", translate(_("Unknown list.")),
                         lists=translate(_("Some lists do not exist or are not public.")))
    language = body.get("language") if body.get("language") in LANGUAGES else "cs"
    version = body.get("text_version") or LIST_PURPOSE.text_version
    try:
        services.subscribe(request, email, str(body.get("name") or "")[:200], chosen, language,
                           str(version))
    except OutdatedText as exc:
        return api_error(409, exc.code,
                         translate(_("The consent text changed; show the current one.")),
                         text_version=exc.current)
    request.response.status = 202
    # The same answer whether the address was known or not (no enumeration).
    return {"status": "accepted",
            "message": translate(
                _("If the address is valid, a confirmation e-mail is on its way."))}


@view_config(route_name="newsletter.api.campaigns", renderer="json", permission=EDIT,
             request_method="GET")
def campaigns(request):
    db = request.dbsession
    paging = read_paging(request, CAMPAIGNS_PAGE, CAMPAIGNS_PAGE)
    found, total = page_of(db, sa.select(Campaign).options(
        sa.orm.selectinload(Campaign.lists)).order_by(Campaign.id.desc()), paging)
    counts = services.delivery_counts(db, [c.id for c in found])
    return collection([_campaign_json(request, c, {"total": sum(counts[c.id].values()),
                                          **counts[c.id]}) for c in found], total, paging)


@view_config(route_name="newsletter.api.campaign", renderer="json", permission=EDIT,
             request_method="GET")
def campaign(request):
    found = _campaign_or_404(request)
    return _campaign_json(request, found, services.campaign_stats(request.dbsession, found))


def _campaign_or_404(request, lock: bool = False) -> Campaign:
    # The core answers 404 before any view for an {id} that is not an id.
    found = request.dbsession.get(Campaign, int(request.matchdict["id"]),
                                  with_for_update=lock or None)
    if found is None:
        raise api_error(404, "not_found", request.localizer.translate(_("No such campaign.")))
    return found


def _write_campaign(request, campaign: Campaign | None) -> Campaign:
    """Create (``campaign`` None) or change a campaign from a JSON body: 422 with field
    paths for bad input, 409 for a campaign that is being or was sent. Any change makes it
    a draft again (it needs a new approval)."""
    translate = request.localizer.translate
    body = json_body(request)
    if campaign is not None and campaign.status not in EDITABLE:
        raise api_error(409, "conflict", translate(
            _("The campaign is being sent or was sent; it cannot be changed.")))
    english, errors = read_translations(body, TEXT_LIMITS)
    for key in sorted(set(body) - INPUT_FIELDS):
        # English texts come only as "translations", never as fields of their own.
        errors[key] = "unknown field"
    texts = {f: (getattr(campaign, f) if campaign else "") for f in TEXT_FIELDS}
    for name in TEXT_LIMITS:
        if name in body:
            if not isinstance(body[name], str):
                errors[name] = "must be a string"
            else:
                texts[name] = body[name].strip()
    texts.update(english)
    for field, message in text_errors(texts).items():
        errors.setdefault(api_field(field), translate(message))
    changes = {}
    for name, allowed in (("kind", CAMPAIGN_KINDS), ("salutation", SALUTATION_STYLES)):
        if name in body:
            if body[name] not in allowed:
                errors[name] = translate(_("Choose one of the offered values."))
            else:
                changes[name] = body[name]
    db = request.dbsession
    if "template_id" in body:
        value = body["template_id"]
        if value is None:
            changes["template_id"] = None
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1 \
                or value > MAX_ID or db.get(NewsletterTemplate, value) is None:
            errors["template_id"] = translate(_("Choose one of the offered values."))
        else:
            changes["template_id"] = value
    lists = None
    if "lists" in body:
        wanted = body["lists"]
        if not isinstance(wanted, list) or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID
                for i in wanted):
            errors["lists"] = translate(_("Give a list of list ids."))
        else:
            lists = db.scalars(sa.select(NewsletterList).where(
                NewsletterList.id.in_(wanted))).all() if wanted else []
            if len(lists) != len(set(wanted)):
                errors["lists"] = translate(_("Some lists do not exist."))
    if errors:
        raise api_error(422, "validation_failed",
                        translate(_("The campaign is not valid.")), fields=errors)
    if campaign is None:
        campaign = Campaign(created_by_id=request.identity.id, audiences=[])
        if "template_id" not in changes:
            default = default_template(db)
            changes["template_id"] = default.id if default else None
        db.add(campaign)
    for field, value in {**texts, **changes}.items():
        setattr(campaign, field, value)
    if lists is not None:
        campaign.lists = list(lists)
    campaign.status, campaign.approved_by_id, campaign.error = "draft", None, ""
    db.flush()
    db.expire(campaign, ["template"])
    return campaign



@view_config(route_name="newsletter.api.campaigns", renderer="json", permission=EDIT,
             request_method="POST")
def create_campaign(request):
    campaign = _write_campaign(request, None)
    request.response.status = 201
    return _campaign_json(request, campaign)


@view_config(route_name="newsletter.api.campaign", renderer="json", permission=EDIT,
             request_method="PATCH")
def change_campaign(request):
    campaign = _write_campaign(request, _campaign_or_404(request, lock=True))
    return _campaign_json(request, campaign)


# Called by a mail service, not a browser: authenticated by a shared secret in a header,
# so the cookie CSRF check does not apply.
@view_config(route_name="newsletter.api.bounces", renderer="json", permission=PUBLIC,
             request_method="POST", require_csrf=False)
def bounce_webhook(request):
    secret = str(request.registry.settings.get("newsletter.webhook_secret") or "")
    given = request.headers.get("X-Webhook-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        return api_error(403, "forbidden", request.localizer.translate(
            _("A valid X-Webhook-Secret header is required.")))
    try:
        body = request.json_body
    except ValueError:
        return api_error(400, "invalid_json", request.localizer.translate(
            _("The request body is not valid JSON.")))
    items = body if isinstance(body, list) else [body]
    handled = 0
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in BOUNCE_TYPES:
            return api_error(422, "validation_failed",
                             request.localizer.translate(_(
                                 "Each bounce needs 'recipient' (the VERP address) and "
                                 "'type' ('hard' or 'soft').")))
        handled += record_bounce(request, str(item.get("recipient") or ""),
                                 item["type"] == "hard")
    return {"handled": handled}


def _campaign_input(required: list[str]) -> dict:
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": {
                "kind": {"type": "string", "enum": list(CAMPAIGN_KINDS)},
                "subject": {"type": "string", "minLength": 1, "maxLength": 200,
                            "description": "In Czech; may hold placeholders such as "
                                           "${first_name}"},
                "preheader": {"type": "string", "maxLength": 200},
                "body": {"type": "string", "maxLength": 200_000,
                         "description": "HTML of the rich-text editor (sanitised when sent) "
                                        "or the plain-text markup"},
                "translations": translations_schema(TEXT_LIMITS),
                "salutation": {"type": "string", "enum": list(SALUTATION_STYLES)},
                "template_id": {"type": ["integer", "null"], "minimum": 1,
                                "description": "GET /newsletter/templates; null: the "
                                               "default template"},
                "lists": {"type": "array", "items": {"type": "integer", "minimum": 1},
                          "description": "Ids of mailing lists"}}}


def _openapi() -> dict:
    tags = ["newsletter"]
    campaign_id = {"name": "id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1}}
    bounce = ref("NewsletterBounce")
    return {
        "paths": {
            "/newsletter/lists": {"get": {
                "summary": "Public mailing lists and the consent a subscription gives",
                "tags": tags, "operationId": "listNewsletterLists",
                "parameters": paging_parameters(LISTS_PAGE),
                "responses": {"200": {"description": "Lists", "content": json_content(
                    collection_schema(ref("NewsletterList"), {"consent": {
                        "type": "object", "description": "The consent a subscription "
                        "gives: purpose, title, text (cs, en), text_version"}}))}}}},
            "/newsletter/subscriptions": {"post": {
                "summary": "Subscribe an address (double opt-in)", "tags": tags,
                "operationId": "subscribeToNewsletter",
                "requestBody": {"required": True, "content": json_content(
                    ref("NewsletterSubscribe"))},
                "responses": {"202": {"description": "Confirmation e-mail sent (the same "
                                                     "answer for a known address)",
                                      "content": json_content({
                                          "type": "object", "properties": {
                                              "status": {"type": "string",
                                                         "const": "accepted"},
                                              "message": {"type": "string"}}})},
                              "409": error_response("outdated_text: the consent text "
                                                    "changed"),
                              "422": error_response("Validation failed")}}},
            "/newsletter/campaigns": {"get": {
                "summary": "Campaigns with delivery counts, newest first (staff); texts in "
                           "the Accept-Language language where written, else Czech",
                "tags": tags, "operationId": "listNewsletterCampaigns",
                "parameters": paging_parameters(CAMPAIGNS_PAGE, CAMPAIGNS_PAGE),
                "responses": {"200": {"description": "Campaigns", "content": json_content(
                    collection_schema(ref("NewsletterCampaign")))}}}, "post": {
                "summary": "Write a draft campaign (staff); English texts as translations",
                "tags": tags, "operationId": "createNewsletterCampaign",
                "requestBody": {"required": True, "content": json_content(_campaign_input(
                    required=["subject"]))},
                "responses": {"201": {"description": "The draft", "content": json_content(
                    ref("NewsletterCampaign"))},
                    "422": error_response("Validation failed (details.fields by path)")}}},
            "/newsletter/campaigns/{id}": {"get": {
                "summary": "One campaign with statistics (staff)", "tags": tags,
                "operationId": "getNewsletterCampaign",
                "parameters": [campaign_id],
                "responses": {"200": {"description": "Campaign", "content": json_content(
                    ref("NewsletterCampaign"))},
                    "404": error_response("No such campaign")}}, "patch": {
                "summary": "Change a campaign not yet sending (staff); it becomes a draft "
                           "again and needs a new approval", "tags": tags,
                "operationId": "changeNewsletterCampaign", "parameters": [campaign_id],
                "requestBody": {"required": True, "content": json_content(
                    _campaign_input(required=[]))},
                "responses": {"200": {"description": "Campaign", "content": json_content(
                    ref("NewsletterCampaign"))},
                    "404": error_response("No such campaign"),
                    "409": error_response("The campaign is being sent or was sent"),
                    "422": error_response("Validation failed (details.fields by path)")}}},
            "/newsletter/bounces": {"post": {
                "summary": "Report bounces (mail service webhook; X-Webhook-Secret header): "
                           "one bounce or a list of them",
                "tags": tags, "operationId": "reportNewsletterBounces",
                "parameters": [{"name": "X-Webhook-Secret", "in": "header", "required": True,
                                "description": "The shared secret of the setting "
                                               "newsletter.webhook_secret",
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": json_content({"oneOf": [
                    bounce, {"type": "array", "items": bounce}]})},
                "responses": {"200": {"description": "Number of bounces recorded",
                                      "content": json_content({
                                          "type": "object", "properties": {
                                              "handled": {"type": "integer"}}})},
                              "403": error_response("Missing or wrong secret"),
                              "422": error_response("A bounce without type")}}},
        },
        "components": {"schemas": {
            "NewsletterList": {"type": "object", "properties": {
                "id": {"type": "integer"}, "slug": {"type": "string"},
                "name": {"type": "string"}, "description": {"type": "string"}}},
            "NewsletterSubscribe": {
                "type": "object", "required": ["email", "lists", "consent"], "properties": {
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "name": {"type": "string", "maxLength": 200,
                             "description": "Longer names are cut to 200 characters"},
                    "lists": {"type": "array", "minItems": 1, "examples": [["novinky"]],
                              "description": "Ids or slugs of public lists "
                                             "(GET /newsletter/lists)",
                              "items": {"oneOf": [{"type": "integer"},
                                                  {"type": "string"}]}},
                    "consent": {"type": "boolean", "const": True},
                    "text_version": {"type": "string", "description": "The version of the "
                                     "consent text shown (from GET /newsletter/lists); a "
                                     "changed text is 409",
                                     "examples": [LIST_PURPOSE.text_version]},
                    "language": {"type": "string", "enum": list(LANGUAGES),
                                 "default": "cs"}}},
            "NewsletterCampaign": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"},
                "status": {"type": "string"},
                "subject": {"type": "string", "description": "In the request's language "
                            "(Accept-Language) where written, else Czech"},
                "preheader": {"type": "string"}, "body": {"type": "string"},
                "language": {"type": "string", "enum": ["cs", "en"],
                             "description": "The language of subject, preheader and body"},
                "translations": translations_schema(TEXT_LIMITS),
                "missing_translations": {"type": "array", "items": {"type": "string"}},
                "salutation": {"type": "string", "enum": list(SALUTATION_STYLES)},
                "template_id": {"type": ["integer", "null"]},
                "lists": {"type": "array", "items": {"type": "integer"}},
                "audiences": {"type": "array", "items": {"type": "string"}},
                "event_id": {"type": ["integer", "null"]},
                "scheduled_at": {"type": ["string", "null"], "format": "date-time"},
                "started_at": {"type": ["string", "null"], "format": "date-time"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "error": {"type": ["string", "null"]},
                "stats": {"type": "object", "additionalProperties": {"type": "integer"}},
                "snapshot": {"type": ["object", "null"], "description": (
                    "What the send relied on, taken when it started: taken_at, recipients, "
                    "sources (kind list|audience, label, purpose, object, "
                    "current_text_version, recipients, consents, text_versions {version: "
                    "count}, definition of an audience then), consent_records (count, "
                    "sha256 of the sorted record ids, ledger_max_id, where: the delivery "
                    "column holding each id), versions {cs, en: subject, preheader, body, "
                    "sha256; en null without an English version}, languages {cs, en: "
                    "recipients, version}, template (its look then); additions: the same "
                    "for each later start")}}},
            "NewsletterBounce": {"type": "object", "required": ["recipient", "type"],
                                 "properties": {
                "recipient": {"type": "string", "description": "The VERP return path",
                              "examples": ["bounce+1-token@example.org"]},
                "type": {"type": "string", "enum": list(BOUNCE_TYPES)}}},
        }},
    }


OPENAPI = _openapi()
