"""Staff pages of contacts: the list, a contact's page and timeline, editing, health data,
consents, activities, relationships and merging duplicates."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.accounts.models import User
from hub.consent.views import SOURCE_LABELS
from hub.organizations.models import Organisation
from hub.params import id_param, is_id
from hub.topics.models import UserTopic
from hub_crm import consent, services
from hub_crm.hooks import CONTACT_EDIT, CONTACT_READ
from hub_crm.i18n import _
from hub_crm.models import (
    ACTIVITY_KINDS,
    PURPOSES,
    RELATIONSHIP_KINDS,
    STAKEHOLDER_TYPES,
    Activity,
    Contact,
    CustomField,
    Enquiry,
    FieldValue,
    Relationship,
    Task,
    Topic,
)
from hub_crm.view_helpers import (
    ACTIVITY_LABELS,
    EMAIL_RE,
    PAGE_SIZE,
    base_values,
    flash,
    local_date,
    local_time,
    page_number,
    staff_users,
    tr,
)


def get_contact(request) -> Contact:
    contact = request.dbsession.get(Contact, int(request.matchdict["id"]))
    if contact is None:
        raise HTTPNotFound()
    return contact


def contact_filters(request, stmt):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    tag = request.GET.get("tag", "").strip()
    region = request.GET.get("region", "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Contact.name).like(like),
                                 Contact.email.like(like)))
    if kind in STAKEHOLDER_TYPES:
        stmt = stmt.where(Contact.stakeholder_type == kind)
    if tag:
        from hub_crm.models import Tag, contact_tag

        stmt = stmt.where(sa.exists().where(contact_tag.c.contact_id == Contact.id,
                                            contact_tag.c.tag_id == Tag.id, Tag.name == tag))
    if region:
        stmt = stmt.where(Contact.region == region)
    if request.GET.get("retention") == "1":
        stmt = stmt.where(Contact.retention_notified_at.is_not(None))
    return stmt, {"q": q, "type": kind, "tag": tag, "region": region}


@view_config(route_name="crm.contacts", renderer="hub_crm:templates/contacts.pt",
             permission=CONTACT_READ, request_method="GET")
def contacts(request):
    db = request.dbsession
    stmt, filters = contact_filters(request, sa.select(Contact))
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page = page_number(request)
    rows = list(db.scalars(stmt.options(selectinload(Contact.tags))
                           .order_by(Contact.last_name, Contact.name, Contact.id)
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    query = {k: v for k, v in filters.items() if v}
    return base_values(
        request, contacts=rows, total=total, page=page, filters=filters,
        types=STAKEHOLDER_TYPES, has_next=page * PAGE_SIZE < total,
        prev_url=request.route_path("crm.contacts", _query={**query, "page": page - 1}),
        next_url=request.route_path("crm.contacts", _query={**query, "page": page + 1}),
        can_edit=request.has_permission(CONTACT_EDIT),
        breadcrumbs=[(_("Contacts"), None)])


CONTACT_FIELDS = ("kind", "first_name", "last_name", "name", "email", "phone", "gender",
                  "language", "stakeholder_type", "region")


def read_contact_form(request, fields: list[CustomField]) -> tuple[dict, dict]:
    post = request.POST
    form = {k: post.get(k, "").strip() for k in CONTACT_FIELDS}
    form["tags"] = post.get("tags", "").strip()
    form["organisation_id"] = post.get("organisation_id", "").strip()
    form["restricted"] = post.get("restricted") == "1"
    form["topics"] = {int(v) for v in post.getall("topics") if is_id(v)}
    form["fields"] = {f.key: post.get(f"field_{f.key}", "").strip() for f in fields}
    errors = {}
    if form["kind"] not in ("person", "organisation"):
        errors["kind"] = _("Choose person or organisation.")
    if form["kind"] == "person" and not (form["first_name"] or form["last_name"]):
        errors["last_name"] = _("Enter a name.")
    if form["kind"] == "organisation" and not form["name"]:
        errors["name"] = _("Enter a name.")
    if form["email"] and not EMAIL_RE.match(form["email"]):
        errors["email"] = _("Enter a valid e-mail address.")
    if form["organisation_id"] and not (is_id(form["organisation_id"]) and request.dbsession.get(
            Organisation, int(form["organisation_id"]))):
        errors["organisation_id"] = _("Choose a valid value.")
    if form["gender"] not in ("", "f", "m"):
        errors["gender"] = _("Choose a valid value.")
    if form["language"] not in ("cs", "en"):
        errors["language"] = _("Choose a valid value.")
    if form["stakeholder_type"] not in STAKEHOLDER_TYPES:
        errors["stakeholder_type"] = _("Choose a valid value.")
    for key, limit in (("first_name", 100), ("last_name", 100), ("name", 200), ("phone", 50),
                       ("region", 100), ("email", 254)):
        if len(form[key]) > limit:
            errors[key] = _("This is too long.")
    for field in fields:
        try:
            form["fields"][field.key] = services.clean_field_value(
                field, form["fields"][field.key])
        except services.FieldValueError as exc:
            errors[f"field_{field.key}"] = exc.args[0]
    return form, errors


AUDITED = ("kind", "first_name", "last_name", "name", "email", "phone", "gender", "language",
           "stakeholder_type", "region", "restricted", "organisation_id")


def apply_contact_form(request, contact: Contact, form: dict, fields: list[CustomField],
                       editable_topics: list[Topic]) -> list[str]:
    """Apply the form; return the names of the fields that changed (for the audit log)."""
    db = request.dbsession
    before = {k: getattr(contact, k) for k in AUDITED}
    for key in ("kind", "first_name", "last_name", "phone", "language", "stakeholder_type",
                "region"):
        setattr(contact, key, form[key])
    contact.email = form["email"].lower() or None
    contact.gender = form["gender"] or None
    contact.name = (services.display_name(form["first_name"], form["last_name"])
                    if form["kind"] == "person" else form["name"])
    contact.restricted = form["restricted"]
    org = form["organisation_id"]
    contact.organisation_id = int(org) if is_id(org) and form["kind"] == "organisation" \
        else None
    if contact.user_id is None and contact.email and form["kind"] == "person":
        # Someone with a portal account: link them, so other plugins' data join in.
        contact.user_id = db.scalar(sa.select(User.id).where(
            sa.func.lower(User.email) == contact.email,
            ~sa.exists().where(Contact.user_id == User.id)))
        if contact.user_id is not None:
            consent.carry_to_account(request, contact)
    names = {t.strip() for t in form["tags"].split(",") if t.strip()}
    contact.tags = [services.get_or_create_tag(request, n[:80]) for n in sorted(names)]
    # Only the topics shown in the form change; hidden (disease) ones are kept.
    shown = {t.id for t in editable_topics}
    kept = [t for t in contact.topics if t.id not in shown]
    contact.topics = kept + [t for t in editable_topics if t.id in form["topics"]]
    services.touch(contact)
    if contact.id is None:
        db.add(contact)
    db.flush()
    for field in fields:
        services.store_field_value(db, contact.id, field, form["fields"].get(field.key, ""))
    changed = [k for k in AUDITED if getattr(contact, k) != before[k]]
    return changed + (["fields"] if fields else [])


def email_taken(request, email: str, contact_id: int | None) -> bool:
    if not email:
        return False
    stmt = sa.select(Contact.id).where(Contact.email == email.lower())
    if contact_id:
        stmt = stmt.where(Contact.id != contact_id)
    return request.dbsession.scalar(stmt) is not None


def contact_form_view(request, contact: Contact | None):
    db = request.dbsession
    fields = services.custom_fields(request, include_special=False)
    topics = services.topics(request, "theme", include={
        t.id for t in contact.topics} if contact else None)
    if request.method == "POST":
        form, errors = read_contact_form(request, fields)
        if not errors and email_taken(request, form["email"], contact.id if contact else None):
            errors["email"] = _("Another contact has this e-mail address; merge the two "
                                "contacts instead.")
        if not errors:
            is_new = contact is None
            target = contact or Contact()
            try:
                with db.begin_nested():
                    changed = apply_contact_form(request, target, form, fields, topics)
            except sa.exc.IntegrityError:
                errors["organisation_id"] = _("Another contact has this e-mail address or "
                                              "portal organisation; merge the two contacts "
                                              "instead.")
            else:
                services.audit(request, target.id, "contact.created" if is_new
                               else "contact.updated", ", ".join(changed))
                flash(request, _("The contact was saved."))
                return HTTPSeeOther(request.route_path("crm.contact", id=target.id))
    else:
        values = {}
        if contact is not None:
            values = dict(db.execute(sa.select(CustomField.key, FieldValue.value).join(
                FieldValue, FieldValue.field_id == CustomField.id).where(
                FieldValue.contact_id == contact.id, CustomField.is_special.is_(False))).all())
        form = {k: (getattr(contact, k) or "") if contact else "" for k in CONTACT_FIELDS}
        if contact is None:
            form.update(kind="person", language="cs", stakeholder_type="patient")
        form.update(organisation_id=str(contact.organisation_id or "") if contact else "",
                    tags=", ".join(t.name for t in contact.tags) if contact else "",
                    restricted=contact.restricted if contact else False,
                    topics={t.id for t in contact.topics} if contact else set(),
                    fields=values)
        errors = {}
    crumbs = [(_("Contacts"), request.route_path("crm.contacts"))]
    if contact is not None:
        crumbs.append((contact.name, request.route_path("crm.contact", id=contact.id)))
    crumbs.append((_("Edit contact") if contact else _("New contact"), None))
    organisations = db.execute(sa.select(Organisation.id, Organisation.name)
                               .order_by(Organisation.name)).all()
    return base_values(request, contact=contact, form=form, errors=errors, fields=fields,
                       topics=topics, types=STAKEHOLDER_TYPES, breadcrumbs=crumbs,
                       organisations=organisations)


@view_config(route_name="crm.contact_new", renderer="hub_crm:templates/contact_edit.pt",
             permission=CONTACT_EDIT)
def contact_new(request):
    return contact_form_view(request, None)


@view_config(route_name="crm.contact_edit", renderer="hub_crm:templates/contact_edit.pt",
             permission=CONTACT_EDIT)
def contact_edit(request):
    return contact_form_view(request, get_contact(request))


def timeline(request, contact: Contact) -> list[dict]:
    db = request.dbsession
    entries = []
    for a in db.scalars(sa.select(Activity).where(Activity.contact_id == contact.id)):
        entries.append({"when": a.at, "kind": tr(request, ACTIVITY_LABELS[a.kind]),
                        "title": a.text, "url": None})
    for e in consent.history_of(request, contact):
        label = _("Consent given: ${purpose}") if e.action == "given" else _(
            "Consent withdrawn: ${purpose}")
        what = tr(request, services.PURPOSE_LABELS[consent.KEYS[e.purpose]]) \
            if e.purpose in consent.KEYS else consent.DIRECTORY.label(request, e.object)
        title = tr(request, label, {"purpose": what})
        how = tr(request, SOURCE_LABELS.get(e.source, e.source))
        entries.append({"when": e.at, "kind": tr(request, _("Consent")),
                        "title": f"{title} ({how}{': ' + e.note if e.note else ''})",
                        "url": None})
    for q in db.scalars(sa.select(Enquiry).where(Enquiry.contact_id == contact.id)):
        entries.append({"when": q.created_at, "kind": tr(request, _("Enquiry")),
                        "title": q.subject, "url": request.route_path("crm.enquiry", id=q.id)})
    user = db.get(User, contact.user_id) if contact.user_id else None
    results = list(request.hooks.hub_contact_activity(request=request, email=contact.email or "",
                                                      user=user))
    if user is not None:
        results += request.hooks.hub_activity(request=request, user=user)
    for result in results:
        for item in result or ():
            entries.append({"when": item["when"], "kind": tr(request, item["kind"]),
                            "title": tr(request, item["title"]), "url": item.get("url")})
    entries.sort(key=lambda e: e["when"], reverse=True)
    for entry in entries:
        entry["when_text"] = local_time(request, entry["when"])
    return entries


@view_config(route_name="crm.contact", renderer="hub_crm:templates/contact.pt",
             permission=CONTACT_READ, request_method="GET")
def contact_view(request):
    contact = get_contact(request)
    return contact_page(request, contact, health=None)


def field_display(request, field: CustomField, value: str) -> str:
    if field.type == "yes_no" and value in ("yes", "no"):
        return tr(request, _("yes") if value == "yes" else _("no"))
    if field.type == "date" and value:
        try:
            return local_date(request, dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def contact_page(request, contact: Contact, health, errors=None):
    db = request.dbsession
    fields = services.custom_fields(request, include_special=False)
    values = services.field_values(request, [contact.id], fields, "page")
    relationships = list(db.scalars(
        sa.select(Relationship).where(sa.or_(Relationship.contact_id == contact.id,
                                             Relationship.related_id == contact.id))
        .options(selectinload(Relationship.related), selectinload(Relationship.contact))))
    consents = consent.consents_of(request, contact)
    tasks = list(db.scalars(sa.select(Task).where(Task.contact_id == contact.id)
                            .order_by(Task.done, Task.due_on)))
    declared = []  # themes the person chose on "My interests" (segments use them too)
    if contact.user_id:
        declared = list(db.scalars(
            sa.select(Topic).join(UserTopic, UserTopic.topic_id == Topic.id)
            .where(UserTopic.user_id == contact.user_id, Topic.kind == "theme")
            .order_by(Topic.position, Topic.id)))
    return base_values(
        request, contact=contact, errors=errors or {},
        fields=[(f, field_display(request, f, values.get((contact.id, f.id), "")))
                for f in fields],
        topics=[t for t in contact.topics if t.kind == "theme"], declared=declared,
        relationships=relationships, consents=consents, purposes=PURPOSES,
        source_labels=SOURCE_LABELS,
        timeline=timeline(request, contact), tasks=tasks, staff=staff_users(request),
        can_edit=request.has_permission(CONTACT_EDIT),
        can_read_health=services.can_read_health(request), health=health,
        local_time=lambda w: local_time(request, w), local_date=lambda d: local_date(request, d),
        activity_kinds=ACTIVITY_KINDS, relationship_kinds=RELATIONSHIP_KINDS,
        linked_user=db.get(User, contact.user_id) if contact.user_id else None,
        breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                     (contact.name, None)])


@view_config(route_name="crm.contact_health", renderer="hub_crm:templates/contact.pt",
             permission=CONTACT_READ, request_method="POST")
def contact_health(request):
    """Show (POST: every read is recorded) or change the contact's health data."""
    contact = get_contact(request)
    if not services.can_read_health(request):
        raise HTTPNotFound()
    db = request.dbsession
    special = [f for f in services.custom_fields(request, include_special=True) if f.is_special]
    diseases = services.topics(request, "disease", include={
        t.id for t in contact.topics if t.kind == "disease"})
    errors, posted = {}, {}
    if request.POST.get("action") == "save" and request.has_permission(CONTACT_EDIT):
        for field in special:
            posted[field.id] = request.POST.get(f"field_{field.key}", "")
            try:
                posted[field.id] = services.clean_field_value(field, posted[field.id])
            except services.FieldValueError as exc:
                errors[f"field_{field.key}"] = exc.args[0]
    if request.POST.get("action") == "save" and request.has_permission(CONTACT_EDIT) \
            and not errors:
        for field in special:
            services.store_field_value(db, contact.id, field, posted[field.id])
        chosen = {int(v) for v in request.POST.getall("diseases") if is_id(v)}
        contact.topics = ([t for t in contact.topics if t.kind != "disease"]
                          + [t for t in diseases if t.id in chosen])
        services.touch(contact)
        services.audit(request, contact.id, "health.write",
                       ", ".join(f.key for f in special))
        flash(request, _("The health data were saved."))
        return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
    values = services.field_values(request, [contact.id], special, "page")
    if not special:
        services.audit(request, contact.id, "health.read", "page: disease areas")
    chosen = {t.id for t in contact.topics if t.kind == "disease"}
    if errors:  # show what was typed, with the rule each wrong value breaks
        values = {(contact.id, fid): v for fid, v in posted.items()}
        chosen = {int(v) for v in request.POST.getall("diseases") if is_id(v)}
    health = {"fields": [(f, values.get((contact.id, f.id), "")) for f in special],
              "diseases": diseases, "chosen": chosen}
    return contact_page(request, contact, health=health, errors=errors)


@view_config(route_name="crm.contact_consent", permission=CONTACT_EDIT, request_method="POST")
def contact_consent(request):
    contact = get_contact(request)
    purpose = request.POST.get("purpose", "")
    source = request.POST.get("source", "").strip()
    if purpose not in PURPOSES or not source:
        request.session.flash(tr(request, _("Choose the purpose and say where the decision "
                                            "came from (e.g. a signed form).")), "error")
    elif len(source) > 500:
        request.session.flash(tr(request, _("Describe where the decision came from in at "
                                            "most 500 characters.")), "error")
    else:
        # Recorded in the ledger as entered by staff, the evidence as its note.
        changed = consent.set_consent(request, contact, purpose,
                                      request.POST.get("granted") == "1", "staff", note=source)
        if changed:
            services.touch(contact)
        flash(request, _("The consent was recorded.") if changed
              else _("Nothing changed: the consent was already in that state."))
    return HTTPSeeOther(request.route_path("crm.contact", id=contact.id) + "#consents")


@view_config(route_name="crm.contact_activity", permission=CONTACT_EDIT, request_method="POST")
def contact_activity(request):
    contact = get_contact(request)
    kind = request.POST.get("kind", "")
    text = request.POST.get("text", "").strip()
    if kind not in ACTIVITY_KINDS or not text:
        request.session.flash(tr(request, _("Choose a kind and write the note.")), "error")
    else:
        request.dbsession.add(Activity(contact_id=contact.id, kind=kind, text=text,
                                       author_id=request.identity.id))
        services.touch(contact)
        services.audit(request, contact.id, "activity.added", kind)
        flash(request, _("The entry was added to the timeline."))
    return HTTPSeeOther(request.route_path("crm.contact", id=contact.id) + "#timeline")


@view_config(route_name="crm.contact_relationship", permission=CONTACT_EDIT,
             request_method="POST")
def contact_relationship(request):
    contact = get_contact(request)
    db = request.dbsession
    remove = id_param(request, "remove", source=request.POST)
    if remove is not None:
        rel = db.get(Relationship, remove)
        if rel is not None and contact.id in (rel.contact_id, rel.related_id):
            db.delete(rel)
            services.audit(request, contact.id, "relationship.removed")
            flash(request, _("The relationship was removed."))
        return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
    kind = request.POST.get("kind", "")
    related = request.POST.get("related_id", "").strip()
    other = db.get(Contact, int(related)) if is_id(related) else None
    if kind not in RELATIONSHIP_KINDS or other is None or other.id == contact.id:
        request.session.flash(tr(request, _("Choose a kind and the number of another "
                                            "existing contact.")), "error")
        return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
    try:
        with db.begin_nested():
            db.add(Relationship(contact_id=contact.id, related_id=other.id, kind=kind))
    except sa.exc.IntegrityError:
        request.session.flash(tr(request, _("This relationship exists already.")), "error")
    else:
        services.audit(request, contact.id, "relationship.added", f"{kind} {other.id}")
        flash(request, _("The relationship was added."))
    return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))


@view_config(route_name="crm.contact_merge", renderer="hub_crm:templates/merge.pt",
             permission=CONTACT_EDIT)
def contact_merge(request):
    from hub_crm.merge import merge_contacts

    contact = get_contact(request)
    db = request.dbsession
    errors = {}
    other_id = request.params.get("other", "").strip()
    other = db.get(Contact, int(other_id)) if is_id(other_id) else None
    if request.method == "POST":
        if other is None or other.id == contact.id:
            errors["other"] = _("Enter the number of another existing contact.")
        else:
            merge_contacts(request, keep=contact, remove=other)
            flash(request, _("The contacts were merged."))
            return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
    duplicates = []
    if contact.name:
        duplicates = list(db.scalars(sa.select(Contact).where(
            Contact.id != contact.id, sa.func.lower(Contact.name) == contact.name.lower())
            .limit(20)))
    return base_values(request, contact=contact, other=other, other_id=other_id,
                       duplicates=duplicates, errors=errors,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (contact.name, request.route_path("crm.contact",
                                                                      id=contact.id)),
                                    (_("Merge duplicates"), None)])
