"""CRM settings for administrators: custom fields, who may read health data, and the
audit log."""
from __future__ import annotations

import re

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.params import is_id
from hub_crm import services
from hub_crm.hooks import CRM_ADMIN
from hub_crm.i18n import _
from hub_crm.models import AuditEntry, CustomField, FieldValue, HealthAccess
from hub_crm.view_helpers import base_values, flash, local_time, staff_users, tr

FIELD_TYPE_LABELS = {"text": _("Text"), "number": _("Number"), "date": _("Date"),
                     "choice": _("Choice from a list"), "yes_no": _("Yes or no")}


def read_field_form(request, field: CustomField | None) -> tuple[dict, dict]:
    post = request.POST
    choices = []
    for line in post.get("choices", "").splitlines():
        line = line.strip()
        if line and line not in choices:
            choices.append(line)
    form = {"key": field.key if field else post.get("key", "").strip().lower(),
            "label": post.get("label", "").strip(), "type": post.get("type", "text"),
            "choices": choices, "is_special": post.get("is_special") == "1"}
    errors = {}
    if field is None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,59}", form["key"]):
            errors["key"] = _("Use lower-case letters, digits and underscores.")
        elif request.dbsession.scalar(sa.select(CustomField.id).where(
                CustomField.key == form["key"])):
            errors["key"] = _("A field with this key exists already.")
    if not form["label"] or len(form["label"]) > 120:
        errors["label"] = _("Enter a label.")
    if form["type"] not in FIELD_TYPE_LABELS:
        errors["type"] = _("Choose a valid value.")
    elif form["type"] == "choice":
        if not choices:
            errors["choices"] = _("List the choices, one per line.")
        elif any(len(c) > 100 for c in choices) or len(choices) > 100:
            errors["choices"] = _("At most 100 choices of at most 100 characters each.")
    if form["type"] != "choice":
        form["choices"] = []
    return form, errors


@view_config(route_name="crm.fields", renderer="hub_crm:templates/fields.pt",
             permission=CRM_ADMIN)
def fields_view(request):
    db = request.dbsession
    errors = {}
    form = {"key": "", "label": "", "type": "text", "choices": [], "is_special": False}
    if request.method == "POST":
        form, errors = read_field_form(request, None)
        if not errors:
            try:
                with db.begin_nested():
                    db.add(CustomField(**form))
            except sa.exc.IntegrityError:
                errors["key"] = _("A field with this key exists already.")
            else:
                services.audit(request, None, "field.created",
                               f"{form['key']} ({form['type']})"
                               + (" (special category)" if form["is_special"] else ""))
                flash(request, _("The field was added."))
                return HTTPSeeOther(request.route_path("crm.fields"))
    rows = list(db.scalars(sa.select(CustomField).order_by(CustomField.label)))
    return base_values(request, fields=rows, form=form, errors=errors,
                       field_types=FIELD_TYPE_LABELS,
                       breadcrumbs=[(_("CRM settings"), None)])


def get_field(request) -> CustomField:
    field = request.dbsession.get(CustomField, int(request.matchdict["id"]))
    if field is None:
        raise HTTPNotFound()
    return field


@view_config(route_name="crm.field_edit", renderer="hub_crm:templates/field_edit.pt",
             permission=CRM_ADMIN)
def field_edit(request):
    """Change a field's label, type, choices or category; existing values must fit."""
    db = request.dbsession
    field = get_field(request)
    errors = {}
    form = {"key": field.key, "label": field.label, "type": field.type,
            "choices": list(field.choices or []), "is_special": field.is_special}
    used = db.scalar(sa.select(sa.func.count()).select_from(FieldValue).where(
        FieldValue.field_id == field.id))
    if request.method == "POST":
        form, errors = read_field_form(request, field)
        converted = {}
        if not errors:
            probe = CustomField(key=field.key, type=form["type"], choices=form["choices"])
            bad = []
            for contact_id, value in db.execute(sa.select(
                    FieldValue.contact_id, FieldValue.value).where(
                    FieldValue.field_id == field.id)):
                try:
                    clean = services.clean_field_value(probe, value)
                except services.FieldValueError:
                    bad.append(value)
                else:
                    if clean != value:
                        converted[contact_id] = clean
            if bad:
                errors["type"] = _("${count} stored values do not fit this type or these "
                                   "choices (for example \"${example}\"); change them "
                                   "first.", mapping={"count": len(bad),
                                                      "example": bad[0][:50]})
        if not errors:
            changes = [k for k in ("label", "type", "choices", "is_special")
                       if getattr(field, k) != form[k]]
            field.label, field.type = form["label"], form["type"]
            field.choices, field.is_special = form["choices"], form["is_special"]
            for contact_id, value in converted.items():
                db.execute(sa.update(FieldValue).where(
                    FieldValue.field_id == field.id, FieldValue.contact_id == contact_id)
                    .values(value=value))
            services.audit(request, None, "field.updated",
                           f"{field.key}: {', '.join(changes)}")
            flash(request, _("The field was saved."))
            return HTTPSeeOther(request.route_path("crm.fields"))
    return base_values(request, field=field, form=form, errors=errors, used=used,
                       field_types=FIELD_TYPE_LABELS,
                       breadcrumbs=[(_("CRM settings"), request.route_path("crm.fields")),
                                    (field.label, None)])


@view_config(route_name="crm.field_delete", permission=CRM_ADMIN, request_method="POST")
def field_delete(request):
    field = get_field(request)
    if request.POST.get("confirm") != "1":
        request.session.flash(tr(request, _("Tick the box to confirm that the field and all "
                                            "its values are deleted.")), "error")
        return HTTPSeeOther(request.route_path("crm.field_edit", id=field.id))
    key = field.key
    request.dbsession.execute(sa.delete(FieldValue).where(FieldValue.field_id == field.id))
    request.dbsession.delete(field)
    services.audit(request, None, "field.deleted", key)
    flash(request, _("The field and its values were deleted."))
    return HTTPSeeOther(request.route_path("crm.fields"))


@view_config(route_name="crm.health_access", renderer="hub_crm:templates/health_access.pt",
             permission=CRM_ADMIN)
def health_access(request):
    db = request.dbsession
    staff = [u for u in staff_users(request) if u.role == "staff"]
    if request.method == "POST":
        user_id = request.POST.get("user_id", "")
        user = next((u for u in staff if str(u.id) == user_id), None)
        if user is None:
            request.session.flash(tr(request, _("Choose a member of staff.")), "error")
        elif request.POST.get("action") == "revoke":
            db.execute(sa.delete(HealthAccess).where(HealthAccess.user_id == user.id))
            services.audit(request, None, "health.access_revoked", str(user.id))
            flash(request, _("Access to health data was revoked."))
        elif db.get(HealthAccess, user.id) is None:
            db.add(HealthAccess(user_id=user.id, granted_by_id=request.identity.id))
            services.audit(request, None, "health.access_granted", str(user.id))
            flash(request, _("Access to health data was granted."))
        return HTTPSeeOther(request.route_path("crm.health_access"))
    granted = set(db.scalars(sa.select(HealthAccess.user_id)))
    return base_values(request, staff=staff, granted=granted,
                       breadcrumbs=[(_("CRM settings"), request.route_path("crm.fields")),
                                    (_("Access to health data"), None)])


@view_config(route_name="crm.audit", renderer="hub_crm:templates/audit.pt",
             permission=CRM_ADMIN, request_method="GET")
def audit_view(request):
    db = request.dbsession
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(300)
    contact = request.GET.get("contact", "")
    if contact.isdigit():
        stmt = stmt.where(AuditEntry.contact_id == int(contact) if is_id(contact) else sa.false())
    rows = list(db.scalars(stmt))
    names = dict(db.execute(sa.select(User.id, User.name).where(
        User.id.in_({r.user_id for r in rows if r.user_id}))).all())
    return base_values(request, entries=rows, names=names, contact=contact,
                       local_time=lambda w: local_time(request, w),
                       breadcrumbs=[(_("CRM settings"), request.route_path("crm.fields")),
                                    (_("Audit log"), None)])
