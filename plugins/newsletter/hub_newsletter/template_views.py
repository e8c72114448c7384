"""Staff pages of the e-mail templates: list, write, change, duplicate, delete."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub_newsletter import mail_templates
from hub_newsletter.i18n import _
from hub_newsletter.models import NewsletterTemplate
from hub_newsletter.views import int_or_404

EDIT = "newsletter:campaign:edit"
FORM = "hub_newsletter:templates/template_form.pt"


def _crumbs(request, *more):
    return [(_("Newsletter administration"), request.route_path("newsletter.admin")),
            (_("E-mail templates"), request.route_path("newsletter.templates")), *more]


def _get(request) -> NewsletterTemplate:
    template = request.dbsession.get(NewsletterTemplate,
                                     int_or_404(request.matchdict["id"]))
    if template is None:
        raise HTTPNotFound()
    return template


@view_config(route_name="newsletter.templates", permission=EDIT, request_method="GET",
             renderer="hub_newsletter:templates/templates.pt")
def template_list(request):
    db = request.dbsession
    templates = db.scalars(sa.select(NewsletterTemplate)
                           .order_by(NewsletterTemplate.is_default.desc(),
                                     NewsletterTemplate.name)).all()
    counts = mail_templates.usage_counts(db, [t.id for t in templates])
    return {"templates": templates, "layout_labels": mail_templates.LAYOUT_LABELS,
            "in_use": {t.id: counts.get(t.id, 0) for t in templates},
            "breadcrumbs": _crumbs(request)[:-1] + [(_("E-mail templates"), None)]}


def _form_page(request, template, form, errors):
    from hub_newsletter.models import LAYOUTS

    return {"template": template, "form": form, "errors": errors,
            "layouts": [(key, mail_templates.LAYOUT_LABELS[key]) for key in LAYOUTS],
            "breadcrumbs": _crumbs(request, (template.name if template and template.id
                                             else _("New template"), None))}


def _form_of(template: NewsletterTemplate) -> dict:
    return {key: getattr(template, key) or "" for key in (
        "name", "description", "layout", "header_html", "header_html_en", "footer_html",
        "footer_html_en", "accent", "logo_media_id", "is_default")}


@view_config(route_name="newsletter.template_new", permission=EDIT, request_method="GET",
             renderer=FORM)
@view_config(route_name="newsletter.template_edit", permission=EDIT, request_method="GET",
             renderer=FORM)
def template_form(request):
    if "id" in request.matchdict:
        template = _get(request)
        return _form_page(request, template, _form_of(template), {})
    return _form_page(request, None, {
        "layout": "gov", "accent": mail_templates.theme_accent(request.registry)}, {})


@view_config(route_name="newsletter.template_new", permission=EDIT, request_method="POST",
             renderer=FORM)
@view_config(route_name="newsletter.template_edit", permission=EDIT, request_method="POST",
             renderer=FORM)
def template_save(request):
    db = request.dbsession
    template = _get(request) if "id" in request.matchdict else None
    form = {key: request.POST.get(key, "") for key in (
        "name", "description", "layout", "header_html", "header_html_en", "footer_html",
        "footer_html_en", "accent", "logo_media_id")}
    form["is_default"] = request.POST.get("is_default") == "on"
    values, errors = mail_templates.read_template(form, request.registry, db)
    if not errors and mail_templates.name_taken(db, values["name"], template):
        errors["name"] = mail_templates.NAME_TAKEN
    if errors:
        request.response.status = 422
        return _form_page(request, template, form, errors)
    if template is None:
        template = NewsletterTemplate()
        db.add(template)
    mail_templates.save_template(db, template, values)
    try:
        with db.begin_nested():
            db.flush()
    except sa.exc.IntegrityError:
        # A template of the same name saved meanwhile.
        request.response.status = 409
        return _form_page(request, template if template.id else None, form,
                          {"name": mail_templates.NAME_TAKEN})
    request.session.flash(request.shell.translate(_("The template is saved.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.templates"))


@view_config(route_name="newsletter.template_duplicate", permission=EDIT,
             request_method="POST")
def template_duplicate(request):
    """A copy named "… (copy)" to change without touching campaigns using the original."""
    db = request.dbsession
    source = _get(request)
    label = request.shell.translate(_("copy"))
    name, number = f"{source.name} ({label})"[:200], 2
    while db.scalar(sa.select(NewsletterTemplate.id)
                    .where(NewsletterTemplate.name == name)) is not None:
        name, number = f"{source.name} ({label} {number})"[:200], number + 1
    copy = NewsletterTemplate(**{**_form_of(source), "name": name, "is_default": False,
                                 "logo_media_id": source.logo_media_id})
    db.add(copy)
    db.flush()
    request.session.flash(request.shell.translate(_("A copy of the template was made.")),
                          "success")
    return HTTPSeeOther(request.route_path("newsletter.template_edit", id=copy.id))


@view_config(route_name="newsletter.template_delete", permission=EDIT, request_method="POST",
             renderer="hub_newsletter:templates/templates.pt")
def template_delete(request):
    db = request.dbsession
    template = _get(request)
    used = mail_templates.template_in_use(db, template.id)
    if used:
        # Campaigns keep the look they were written and sent with (ON DELETE RESTRICT).
        request.response.status = 409
        page = template_list(request)
        page["error"] = _("Campaigns use this template (${count}); it cannot be deleted. "
                          "Choose another template in them first.", mapping={"count": used})
        return page
    db.delete(template)
    db.flush()
    request.session.flash(request.shell.translate(_("The template is deleted.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.templates"))
