"""JSON API of the e-mail templates (``/api/v1/newsletter/templates``, staff)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.api.collections import (
    collection,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response, json_content, ref
from hub.dates import language
from hub.translations import (
    api_field,
    read_translations,
    translations_json,
    translations_schema,
)
from hub_newsletter import mail_templates
from hub_newsletter.i18n import _
from hub_newsletter.models import LAYOUTS, NewsletterTemplate

EDIT = "newsletter:campaign:edit"
PAGE = 100
FIELDS = ("name", "description", "layout", "header_html", "footer_html", "accent",
          "logo_media_id", "is_default")


def template_json(request, template: NewsletterTemplate, used: int | None = None) -> dict:
    """A template, header and footer in the request's language (Czech where no English);
    ``used``: how many campaigns use it, when already counted (a list page)."""
    lang = language(request)
    return {"id": template.id, "name": template.name, "description": template.description,
            "layout": template.layout, "accent": template.accent,
            "header_html": template.translated("header_html", lang),
            "footer_html": template.translated("footer_html", lang),
            "translations": translations_json(template),
            "logo_media_id": template.logo_media_id, "is_default": template.is_default,
            "campaigns": mail_templates.template_in_use(request.dbsession, template.id)
            if used is None else used}


def _template(request) -> NewsletterTemplate:
    # The core answers 404 before any view for an {id} that is not an id.
    found = request.dbsession.get(NewsletterTemplate, int(request.matchdict["id"]))
    if found is None:
        raise api_error(404, "not_found", request.localizer.translate(_("No such template.")))
    return found


def _write(request, template: NewsletterTemplate | None) -> NewsletterTemplate:
    """Create or change a template from a JSON body (422 by field, 409 for a taken name)."""
    translate = request.localizer.translate
    body = json_body(request)
    english, errors = read_translations(body, mail_templates.TRANSLATED_FIELDS)
    current = {k: getattr(template, k) for k in FIELDS} if template else {}
    data = {**current, **{k: v for k, v in body.items() if k in FIELDS}}
    unknown = sorted(set(body) - set(FIELDS) - {"translations"})
    for key in unknown:
        errors[key] = "unknown field"
    values, problems = mail_templates.read_template(
        {**data, **{k: getattr(template, k) for k in ("header_html_en", "footer_html_en")
                    if template}, **english}, request.registry, request.dbsession)
    errors.update({api_field(key): translate(message)
                   for key, message in problems.items()})
    db = request.dbsession
    if "name" not in errors and mail_templates.name_taken(db, values.get("name"), template):
        raise api_error(409, "conflict", translate(mail_templates.NAME_TAKEN))
    if errors:
        raise api_error(422, "validation_failed", translate(_("The template is not valid.")),
                        fields=errors)
    if template is None:
        template = NewsletterTemplate()
        db.add(template)
    mail_templates.save_template(db, template, values)
    try:
        with db.begin_nested():
            db.flush()
    except sa.exc.IntegrityError:
        # A template of the same name saved meanwhile (as the page answers it).
        raise api_error(409, "conflict", translate(mail_templates.NAME_TAKEN)) from None
    return template


@view_config(route_name="newsletter.api.templates", renderer="json", permission=EDIT,
             request_method="GET")
def templates(request):
    paging = read_paging(request, PAGE, PAGE)
    found, total = page_of(request.dbsession, sa.select(NewsletterTemplate).order_by(
        NewsletterTemplate.is_default.desc(), NewsletterTemplate.name), paging)
    counts = mail_templates.usage_counts(request.dbsession, [t.id for t in found])
    return collection([template_json(request, t, counts.get(t.id, 0)) for t in found], total,
                      paging)


@view_config(route_name="newsletter.api.templates", renderer="json", permission=EDIT,
             request_method="POST")
def create_template(request):
    template = _write(request, None)
    request.response.status = 201
    return template_json(request, template)


@view_config(route_name="newsletter.api.template", renderer="json", permission=EDIT,
             request_method="GET")
def get_template(request):
    return template_json(request, _template(request))


@view_config(route_name="newsletter.api.template", renderer="json", permission=EDIT,
             request_method="PATCH")
def change_template(request):
    return template_json(request, _write(request, _template(request)))


@view_config(route_name="newsletter.api.template", renderer="json", permission=EDIT,
             request_method="DELETE")
def delete_template(request):
    template = _template(request)
    used = mail_templates.template_in_use(request.dbsession, template.id)
    if used:
        raise api_error(409, "conflict", request.localizer.translate(
            _("Campaigns use this template (${count}); it cannot be deleted. Choose another "
              "template in them first.", mapping={"count": used})), campaigns=used)
    answer = {"id": template.id, "deleted": True}
    request.dbsession.delete(template)
    request.dbsession.flush()
    return answer


def _input(required: list[str]) -> dict:
    html = {"type": "string", "maxLength": 20000,
            "description": "HTML, sanitised when saved; relative addresses become absolute "
                           "in the mail"}
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": {"type": "string", "maxLength": 2000},
                "layout": {"type": "string", "enum": list(LAYOUTS)},
                "header_html": html, "footer_html": html,
                "translations": translations_schema(mail_templates.TRANSLATED_FIELDS),
                "accent": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$",
                           "description": "Default: the theme's primary colour"},
                "logo_media_id": {"type": ["integer", "null"], "minimum": 1,
                                  "maximum": 2**31 - 1,
                                  "description": "An image of the media library"},
                "is_default": {"type": "boolean",
                               "description": "true moves the default mark here"}}}


def openapi() -> dict:
    tags = ["newsletter"]
    template_id = {"name": "id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1}}
    one = json_content(ref("NewsletterTemplate"))
    return {
        "paths": {
            "/newsletter/templates": {
                "get": {"summary": "E-mail templates, the default first (staff)",
                        "tags": tags, "operationId": "listNewsletterTemplates",
                        "parameters": paging_parameters(PAGE, PAGE),
                        "responses": {"200": {"description": "Templates", "content":
                                              json_content(collection_schema(
                                                  ref("NewsletterTemplate")))}}},
                "post": {"summary": "Write an e-mail template (staff)", "tags": tags,
                         "operationId": "createNewsletterTemplate",
                         "requestBody": {"required": True,
                                         "content": json_content(_input(["name"]))},
                         "responses": {"201": {"description": "The template", "content": one},
                                       "409": error_response("The name is taken"),
                                       "422": error_response("Validation failed")}}},
            "/newsletter/templates/{id}": {
                "get": {"summary": "One e-mail template (staff)", "tags": tags,
                        "operationId": "getNewsletterTemplate", "parameters": [template_id],
                        "responses": {"200": {"description": "The template", "content": one},
                                      "404": error_response("No such template")}},
                "patch": {"summary": "Change an e-mail template (staff)", "tags": tags,
                          "operationId": "changeNewsletterTemplate",
                          "parameters": [template_id],
                          "requestBody": {"required": True,
                                          "content": json_content(_input([]))},
                          "responses": {"200": {"description": "The template",
                                                "content": one},
                                        "404": error_response("No such template"),
                                        "409": error_response("The name is taken"),
                                        "422": error_response("Validation failed")}},
                "delete": {"summary": "Delete an e-mail template no campaign uses (staff)",
                           "tags": tags, "operationId": "deleteNewsletterTemplate",
                           "parameters": [template_id],
                           "responses": {"200": {"description": "Deleted", "content":
                                                 json_content({"type": "object", "properties": {
                                                     "id": {"type": "integer"},
                                                     "deleted": {"type": "boolean"}}})},
                                         "404": error_response("No such template"),
                                         "409": error_response("Campaigns use it")}}},
        },
        "components": {"schemas": {"NewsletterTemplate": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "description": {"type": "string"},
            "layout": {"type": "string", "enum": list(LAYOUTS)},
            "accent": {"type": "string"},
            "header_html": {"type": "string", "description": "In the Accept-Language "
                            "language where written, else Czech"},
            "footer_html": {"type": "string"},
            "translations": translations_schema(mail_templates.TRANSLATED_FIELDS),
            "logo_media_id": {"type": ["integer", "null"]},
            "is_default": {"type": "boolean"},
            "campaigns": {"type": "integer", "description": "Campaigns using it"}}}}},
    }
