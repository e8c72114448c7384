"""Pages of the crm plugin: the public directory and self-service, and the staff CRM."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.accounts.models import User
from hub.consent import OutdatedText
from hub.consent.views import SOURCE_LABELS
from hub.csvexport import csv_response
from hub.db import utcnow
from hub.notifications import notify
from hub.organizations.models import KINDS as ORG_KINDS
from hub.organizations.models import Membership, Organisation
from hub.params import id_param, is_id, page_param
from hub.security import AUTHENTICATED, PUBLIC
from hub.shell import render_snippet
from hub.topics.models import UserTopic
from hub_crm import consent, services
from hub_crm.hooks import CONTACT_EDIT, CONTACT_READ, CRM_ADMIN, SEGMENT_MANAGE
from hub_crm.i18n import _
from hub_crm.imports import IMPORT_FIELDS, guess_mapping, parse_csv
from hub_crm.models import (
    ACTIVITY_KINDS,
    ENQUIRY_STATUSES,
    PURPOSES,
    RELATIONSHIP_KINDS,
    STAKEHOLDER_TYPES,
    Activity,
    AuditEntry,
    Contact,
    CustomField,
    Enquiry,
    FieldValue,
    HealthAccess,
    ImportBatch,
    OrganisationProfile,
    Relationship,
    Segment,
    Task,
    Topic,
    organisation_topic,
)

PAGE_SIZE = 50
DIRECTORY_PAGE = 48  # organisations and people per page of the public directory
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ORG_KIND_LABELS = {
    "patient_organisation": _("Patient organisation"),
    "ngo": _("NGO"),
    "professional_body": _("Professional body"),
    "university": _("University"),
    "company": _("Company"),
    "public_body": _("Public body"),
    "other": _("Other"),
}
ACTIVITY_LABELS = {"note": _("Note"), "call": _("Call"), "meeting": _("Meeting")}
STATUS_LABELS = {"new": _("New"), "in_progress": _("In progress"), "closed": _("Closed")}
CSS = "hub_crm:static/crm.css"


def tr(request, message, mapping=None) -> str:
    return request.shell.translate(message, mapping=mapping)


def flash(request, message, mapping=None, queue="success") -> None:
    request.session.flash(tr(request, message, mapping), queue)


def page_number(request) -> int:
    return page_param(request)


def get_contact(request) -> Contact:
    contact = request.dbsession.get(Contact, int(request.matchdict["id"]))
    if contact is None:
        raise HTTPNotFound()
    return contact


def staff_users(request) -> list[User]:
    return list(request.dbsession.scalars(
        sa.select(User).where(User.role.in_(("staff", "admin")), User.is_active)
        .order_by(User.name)))


def base_values(request, **values) -> dict:
    values.setdefault("errors", {})
    values.update(tr=lambda m, mapping=None: tr(request, m, mapping), css=CSS,
                  type_labels=services.TYPE_LABELS, purpose_labels=services.PURPOSE_LABELS,
                  org_kind_labels=ORG_KIND_LABELS, status_labels=STATUS_LABELS,
                  activity_labels=ACTIVITY_LABELS,
                  relationship_labels=services.RELATIONSHIP_LABELS,
                  topic_name=lambda t: t.name(services.language(request)))
    return values


def local_time(request, when: dt.datetime | None) -> str:
    if when is None:
        return ""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    return format_datetime(when.astimezone(ZoneInfo("Europe/Prague")), "short",
                           locale=request.locale_name)


def local_date(request, day: dt.date | None) -> str:
    from babel.dates import format_date

    return format_date(day, "medium", locale=request.locale_name) if day else ""


# -- public directory ------------------------------------------------------------------------

def listed_organisations():
    return (sa.select(Organisation)
            .outerjoin(OrganisationProfile,
                       OrganisationProfile.organisation_id == Organisation.id)
            .where(sa.or_(OrganisationProfile.listed.is_(None),
                          OrganisationProfile.listed.is_(True))))


# What the public directory is made from: its pages are kept for anonymous visitors until
# one of these changes.
DIRECTORY_TABLES = ("organisation", "crm_organisation_profile", "crm_organisation_topic",
                    "crm_contact", "crm_contact_topic", "crm_relationship", "topic",
                    "consent_record")


@view_config(route_name="crm.index", renderer="hub_crm:templates/directory.pt",
             permission=PUBLIC, request_method="GET", cache_tables=DIRECTORY_TABLES)
def directory(request):
    db = request.dbsession
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    region = request.GET.get("region", "").strip()
    topic = request.GET.get("topic", "")
    orgs = listed_organisations()
    # People are listed with their consent to show their name; every other field only
    # when its own consent is in force, and only such a field can be searched by.
    people = sa.select(Contact).where(Contact.kind == "person", consent.shows("name"))
    if q:
        like = f"%{q.lower()}%"
        orgs = orgs.where(sa.or_(sa.func.lower(Organisation.name).like(like),
                                 sa.func.lower(Organisation.description).like(like)))
        people = people.where(sa.func.lower(Contact.name).like(like))
    if kind in ORG_KINDS:
        orgs = orgs.where(Organisation.kind == kind)
    if kind in STAKEHOLDER_TYPES:
        people = people.where(Contact.stakeholder_type == kind,
                              consent.shows("stakeholder_type"))
    elif kind in ORG_KINDS:
        people = people.where(sa.false())
    if region:
        orgs = orgs.where(Organisation.region == region)
        people = people.where(Contact.region == region, consent.shows("region"))
    topics = services.topics(request)
    chosen = next((t for t in topics if t.slug == topic), None)
    if chosen is not None:
        orgs = orgs.where(sa.exists().where(
            organisation_topic.c.organisation_id == Organisation.id,
            organisation_topic.c.topic_id == chosen.id))
        # People choose which fields are public; their topics are not among them.
        people = people.where(sa.false())
    page = page_number(request)
    offset = (page - 1) * DIRECTORY_PAGE
    # One more than shown tells whether there is a next page.
    org_rows = list(db.scalars(orgs.order_by(Organisation.name, Organisation.id)
                               .offset(offset).limit(DIRECTORY_PAGE + 1)))
    person_rows = list(db.execute(
        people.with_only_columns(
            Contact.id, Contact.name,
            sa.case((consent.shows("stakeholder_type"), Contact.stakeholder_type))
            .label("stakeholder_type"),
            sa.case((consent.shows("region"), Contact.region)).label("region"))
        .order_by(Contact.kind, Contact.last_name, Contact.first_name, Contact.id)
        .offset(offset).limit(DIRECTORY_PAGE + 1)))
    has_next = len(org_rows) > DIRECTORY_PAGE or len(person_rows) > DIRECTORY_PAGE
    regions = sorted({r for r in db.scalars(sa.select(Organisation.region).distinct()) if r})
    query = {k: v for k, v in (("q", q), ("type", kind), ("region", region),
                               ("topic", topic)) if v}
    return base_values(
        request, organisations=org_rows[:DIRECTORY_PAGE], people=person_rows[:DIRECTORY_PAGE],
        q=q, kind=kind, region=region, page=page, has_next=has_next,
        prev_url=request.route_path("crm.index", _query={**query, "page": page - 1}),
        next_url=request.route_path("crm.index", _query={**query, "page": page + 1}),
        topic=topic, topics=topics, regions=regions, org_kinds=ORG_KINDS,
        person_types=STAKEHOLDER_TYPES,
        breadcrumbs=[(_("Directory of organisations"), None)])


def organisation_by_slug(request) -> Organisation:
    org = request.dbsession.scalar(
        sa.select(Organisation).where(Organisation.slug == request.matchdict["slug"]))
    if org is None:
        raise HTTPNotFound()
    return org


def may_edit_organisation(request, org: Organisation) -> bool:
    user = request.identity
    if user is None:
        return False
    if request.has_permission(CONTACT_EDIT):
        return True
    return request.dbsession.scalar(sa.select(Membership.id).where(
        Membership.organisation_id == org.id, Membership.user_id == user.id,
        Membership.is_representative.is_(True))) is not None


def organisation_topics(request, org_id: int) -> list[Topic]:
    return list(request.dbsession.scalars(
        sa.select(Topic).join(organisation_topic, organisation_topic.c.topic_id == Topic.id)
        .where(organisation_topic.c.organisation_id == org_id)
        .order_by(Topic.position, Topic.id)))


@view_config(route_name="crm.organisation", renderer="hub_crm:templates/organisation.pt",
             permission=PUBLIC, request_method="GET", cache_tables=DIRECTORY_TABLES)
def organisation_page(request):
    org = organisation_by_slug(request)
    profile = request.dbsession.get(OrganisationProfile, org.id) or OrganisationProfile(
        organisation_id=org.id, listed=True, show_email=True, show_website=True,
        show_phone=False, show_address=False, phone="", address="")
    can_edit = may_edit_organisation(request, org)
    if not profile.listed and not can_edit:
        raise HTTPNotFound()
    return base_values(
        request, org=org, profile=profile, topics=organisation_topics(request, org.id),
        can_edit=can_edit,
        breadcrumbs=[(_("Directory of organisations"), request.route_path("crm.index")),
                     (org.name, None)])


@view_config(route_name="crm.organisation_edit",
             renderer="hub_crm:templates/organisation_edit.pt", permission=AUTHENTICATED)
def organisation_edit(request):
    org = organisation_by_slug(request)
    if not may_edit_organisation(request, org):
        raise HTTPNotFound()
    db = request.dbsession
    profile = db.get(OrganisationProfile, org.id)
    chosen = {t.id for t in organisation_topics(request, org.id)}
    topics = services.topics(request, include=chosen)
    errors = {}
    form = {"description": org.description, "website": org.website, "email": org.email,
            "region": org.region, "phone": profile.phone if profile else "",
            "address": profile.address if profile else ""}
    flags = {"listed": profile.listed if profile else True,
             "show_email": profile.show_email if profile else True,
             "show_website": profile.show_website if profile else True,
             "show_phone": profile.show_phone if profile else False,
             "show_address": profile.show_address if profile else False}
    if request.method == "POST":
        post = request.POST
        # Only these keys are read: nothing else of the organisation can be set here.
        form = {k: post.get(k, "").strip() for k in form}
        flags = {k: post.get(k) == "1" for k in flags}
        chosen = {int(v) for v in post.getall("topics") if is_id(v)}
        if form["email"] and not EMAIL_RE.match(form["email"]):
            errors["email"] = _("Enter a valid e-mail address.")
        if form["website"] and not form["website"].startswith(("https://", "http://")):
            errors["website"] = _("The web address must start with https:// or http://.")
        for key, limit in (("region", 100), ("phone", 50), ("address", 300), ("website", 300)):
            if len(form[key]) > limit:
                errors[key] = _("This is too long.")
        if not errors:
            org.description, org.website, org.email, org.region = (
                form["description"], form["website"], form["email"], form["region"])
            if profile is None:
                profile = OrganisationProfile(organisation_id=org.id)
                db.add(profile)
            profile.phone, profile.address = form["phone"], form["address"]
            for key, value in flags.items():
                setattr(profile, key, value)
            profile.updated_at = utcnow()
            valid = {t.id for t in topics}
            db.execute(sa.delete(organisation_topic).where(
                organisation_topic.c.organisation_id == org.id))
            if chosen & valid:
                db.execute(sa.insert(organisation_topic),
                           [{"organisation_id": org.id, "topic_id": i}
                            for i in sorted(chosen & valid)])
            flash(request, _("The profile was saved."))
            return HTTPSeeOther(request.route_path("crm.organisation", slug=org.slug))
    return base_values(
        request, org=org, form=form, flags=flags, topics=topics, chosen=chosen, errors=errors,
        breadcrumbs=[(_("Directory of organisations"), request.route_path("crm.index")),
                     (org.name, request.route_path("crm.organisation", slug=org.slug)),
                     (_("Edit profile"), None)])


@view_config(route_name="crm.person", renderer="hub_crm:templates/person.pt",
             permission=PUBLIC, request_method="GET", cache_tables=DIRECTORY_TABLES)
def person_page(request):
    db = request.dbsession
    contact = db.get(Contact, int(request.matchdict["id"]))
    shown = consent.directory_fields(request, contact) \
        if contact is not None and contact.kind == "person" else set()
    if "name" not in shown:
        raise HTTPNotFound()
    organisations = []
    if "organisation" in shown:
        organisations = list(db.scalars(
            sa.select(Contact.name).join(Relationship, Relationship.related_id == Contact.id)
            .where(Relationship.contact_id == contact.id, Contact.kind == "organisation")
            .order_by(Contact.name).distinct()))
    return base_values(
        request, person=contact, shown=shown, organisations=organisations,
        breadcrumbs=[(_("Directory of organisations"), request.route_path("crm.index")),
                     (contact.name, None)])


# -- enquiries ("ask the hub") --------------------------------------------------------------

@view_config(route_name="crm.ask", renderer="hub_crm:templates/ask.pt", permission=PUBLIC)
def ask(request):
    user = request.identity
    form = {"name": user.name if user else "", "email": user.email if user else "",
            "subject": "", "message": ""}
    errors = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        if not form["name"]:
            errors["name"] = _("Enter your name.")
        if not EMAIL_RE.match(form["email"]):
            errors["email"] = _("Enter a valid e-mail address.")
        if not form["subject"]:
            errors["subject"] = _("Enter a subject.")
        elif len(form["subject"]) > 200:
            errors["subject"] = _("This is too long.")
        if not form["message"]:
            errors["message"] = _("Write your question.")
        if request.POST.get("agree") != "1":
            errors["agree"] = _("We can only answer when you agree that we keep your "
                                "question for that purpose.")
        if not errors:
            db = request.dbsession
            email = form["email"].lower()
            contact = db.scalar(sa.select(Contact).where(Contact.email == email))
            if contact is None:
                first, _sep, last = form["name"].partition(" ")
                contact = Contact(kind="person", first_name=first[:100], last_name=last[:100],
                                  name=form["name"][:200], email=email,
                                  language=request.locale_name
                                  if request.locale_name in ("cs", "en") else "cs",
                                  user_id=user.id if user and user.email.lower() == email
                                  else None)
                db.add(contact)
                db.flush()
            services.touch(contact)
            db.add(Enquiry(contact_id=contact.id, subject=form["subject"],
                           message=form["message"]))
            services.audit(request, contact.id, "enquiry.created")
            flash(request, _("Thank you. Your question was sent to the hub team; we will "
                             "answer by e-mail."))
            return HTTPSeeOther(request.route_path("crm.ask"))
    return base_values(request, form=form, errors=errors,
                       breadcrumbs=[(_("Ask the hub"), None)])


# -- self-service preferences --------------------------------------------------------------

def preferences_form(request, contact: Contact | None, action: str, make_contact):
    granted = {p for p, c in (consent.consents_of(request, contact) if contact else {}).items()
               if c.given}
    shown = consent.directory_fields(request, contact) if contact else set()
    errors = {}
    if request.method == "POST":
        post = request.POST
        granted = {p for p in PURPOSES if post.get(f"consent_{p}") == "1"}
        shown = {f for f in consent.DIRECTORY_FIELDS if post.get(f"directory_{f}") == "1"}
        if shown and "name" not in shown:
            request.response.status = 422
            errors["directory"] = _("Tick your name too: without it you are not listed.")
        else:
            if contact is None:
                contact = make_contact()
            try:
                # Each box carries the version of the wording shown next to it.
                for purpose in PURPOSES:
                    consent.set_consent(request, contact, purpose, purpose in granted, "form",
                                        text_version=post.get(f"version_{purpose}", ""))
                consent.set_directory(request, contact, shown, "form",
                                      text_version=post.get("version_directory", ""))
            except OutdatedText:
                # Answered with an error status: whatever was recorded is rolled back.
                request.response.status = 409
                errors["consent"] = _("A consent text has just changed. Read it again, "
                                      "please, and save.")
            else:
                services.touch(contact)
                flash(request, _("Your preferences were saved."))
                return HTTPSeeOther(action)
    return base_values(
        request, contact=contact, action=action, purposes=PURPOSES, errors=errors,
        granted=granted, shown=shown, declared=consent.PURPOSES, language=request.locale_name,
        directory=consent.DIRECTORY, directory_fields=consent.DIRECTORY_FIELDS,
        field_labels=consent.FIELD_LABELS, breadcrumbs=[(_("Contact preferences"), None)])


@view_config(route_name="crm.preferences", renderer="hub_crm:templates/preferences.pt",
             permission=PUBLIC)
def preferences(request):
    token = request.matchdict["token"]
    contact_id = services.read_token(request, token)
    contact = request.dbsession.get(Contact, contact_id) if contact_id else None
    if contact is None:
        raise HTTPNotFound()
    return preferences_form(request, contact,
                            request.route_path("crm.preferences", token=token), None)


@view_config(route_name="crm.my_preferences", renderer="hub_crm:templates/preferences.pt",
             permission=AUTHENTICATED)
def my_preferences(request):
    user = request.identity
    contact = services.contact_for_user(request, user, create=request.method == "POST")
    return preferences_form(request, contact, request.route_path("crm.my_preferences"),
                            lambda: services.contact_for_user(request, user, create=True))


def render_profile_section(request, user):
    if request.identity is None or request.identity.id != user.id:
        return None
    contact = services.contact_for_user(request, user)
    consents = consent.consents_of(request, contact) if contact else {}
    return render_snippet(request, "hub_crm:templates/profile_section.pt", base_values(
        request, contact=contact, granted=[p for p in PURPOSES
                                           if p in consents and consents[p].given],
        listed=contact is not None and "name" in consent.directory_fields(request, contact)))


def render_tasks_widget(request):
    user = request.identity
    if user is None:
        return None
    tasks = list(request.dbsession.scalars(
        sa.select(Task).where(Task.assigned_to_id == user.id, Task.done.is_(False))
        .options(selectinload(Task.contact)).order_by(Task.due_on).limit(10)))
    return render_snippet(request, "hub_crm:templates/tasks_widget.pt", base_values(
        request, tasks=tasks, today=dt.date.today(), local_date=lambda d: local_date(request, d)))


# -- staff: contacts -------------------------------------------------------------------------

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
    if contact.user_id:
        user = db.get(User, contact.user_id)
        for result in request.hooks.hub_activity(request=request, user=user):
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


# -- staff: export and import ----------------------------------------------------------------

@view_config(route_name="crm.export", renderer="hub_crm:templates/export.pt",
             permission=CONTACT_EDIT, request_method="GET")
def export_form(request):
    can_read_health = services.can_read_health(request)
    segments = [s for s in request.dbsession.scalars(sa.select(Segment).order_by(Segment.name))
                if can_read_health or not services.segment_uses_health_data(request, s)]
    return base_values(request, can_read_health=can_read_health, segments=segments,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Export"), None)])


@view_config(route_name="crm.export", permission=CONTACT_EDIT, request_method="POST")
def export_csv(request):
    """CSV of contacts; health fields only when chosen and allowed (each read recorded)."""
    from hub_crm.exports import contacts_table

    include_health = request.POST.get("include_health") == "1" and services.can_read_health(
        request)
    segment_id = request.POST.get("segment", "")
    segment = request.dbsession.get(Segment, int(segment_id)) if segment_id.isdigit() else None
    if segment is not None and services.segment_uses_health_data(request, segment) \
            and not services.can_read_health(request):
        request.session.flash(tr(request, _("This segment is defined by health data: only "
                                            "staff with access to health data can export "
                                            "its members.")), "error")
        return HTTPSeeOther(request.route_path("crm.export"))
    header, rows = contacts_table(request, include_health, segment)
    return csv_response("contacts.csv", header, rows)


@view_config(route_name="crm.import", renderer="hub_crm:templates/import.pt",
             permission=CONTACT_EDIT)
def import_upload(request):
    errors = {}
    if request.method == "POST":
        upload = request.POST.get("file")
        data = getattr(upload, "file", None)
        if data is None:
            errors["file"] = _("Choose a CSV file.")
        else:
            raw = data.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors["file"] = _("The file is not UTF-8 text. Save it as CSV (UTF-8).")
            else:
                header, rows = parse_csv(text)
                if not header or not rows:
                    errors["file"] = _("The file has no header row or no data rows.")
                else:
                    batch = ImportBatch(content=text, filename=upload.filename[:200],
                                        created_by_id=request.identity.id)
                    request.dbsession.add(batch)
                    request.dbsession.flush()
                    return HTTPSeeOther(request.route_path("crm.import_map", id=batch.id))
    return base_values(request, errors=errors,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), None)])


def get_batch(request) -> ImportBatch:
    batch = request.dbsession.get(ImportBatch, int(request.matchdict["id"]))
    if batch is None:
        raise HTTPNotFound()
    return batch


@view_config(route_name="crm.import_map", renderer="hub_crm:templates/import_map.pt",
             permission=CONTACT_EDIT)
def import_map(request):
    """Column mapping and preview; submitting it starts the import job."""
    from hub.jobs import enqueue

    db = request.dbsession
    batch = get_batch(request)
    if batch.status not in ("new", "failed"):
        return HTTPSeeOther(request.route_path("crm.import_status", id=batch.id))
    header, rows = parse_csv(batch.content)
    fields = services.custom_fields(request, include_special=False)
    targets = list(IMPORT_FIELDS) + [f"field:{f.key}" for f in fields]
    mapping = ({int(k): v for k, v in batch.mapping.items()} if batch.mapping
               else guess_mapping(header, targets))
    if request.method == "POST":
        mapping = {i: request.POST.get(f"col_{i}", "") for i in range(len(header))}
        mapping = {i: t for i, t in mapping.items() if t in targets}
        # Claimed atomically: a second submission (another tab) does not start a second job.
        claimed = db.execute(sa.update(ImportBatch).where(
            ImportBatch.id == batch.id, ImportBatch.status.in_(("new", "failed"))).values(
            status="queued", mapping={str(k): v for k, v in mapping.items()}, phase="",
            done_rows=0, total_rows=len(rows), report=None, finished_at=None)).rowcount
        if claimed:
            enqueue(request, "crm.import", batch_id=batch.id, user_id=request.identity.id)
        return HTTPSeeOther(request.route_path("crm.import_status", id=batch.id))
    labels = {t: (tr(request, IMPORT_FIELDS[t]) if t in IMPORT_FIELDS else
                  next(f.label for f in fields if f"field:{f.key}" == t)) for t in targets}
    samples = [" / ".join(r[i] if i < len(r) else "" for r in rows[:5])
               for i in range(len(header))]
    return base_values(request, batch=batch, header=header, samples=samples,
                       total=len(rows), targets=targets, labels=labels, mapping=mapping,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), request.route_path("crm.import")),
                                    (_("Column mapping"), None)])


def import_state(request, batch: ImportBatch) -> dict:
    """What the progress page and its JSON say about an import."""
    from hub_crm.imports import translate_report

    total = batch.total_rows or 0
    done = min(batch.done_rows or 0, total)
    interrupted = batch.status == "failed" and bool((batch.report or {}).get("interrupted"))
    if batch.status == "queued":
        text = _("Waiting for the import to start…")
    elif batch.status == "running" and batch.phase == "writing":
        text = _("All ${total} rows are valid. Saving the contacts…", mapping={"total": total})
    elif batch.status == "running":
        text = _("Checking rows: ${done} of ${total}.", mapping={"done": done, "total": total})
    elif batch.status == "done":
        text = _("Imported: ${created} new contacts, ${merged} merged into existing ones.",
                 mapping={"created": (batch.report or {}).get("created", 0),
                          "merged": (batch.report or {}).get("merged", 0)})
    elif interrupted:
        text = _("The import stopped before it finished; nothing was imported.")
    else:
        text = _("Nothing was imported: ${bad} rows are wrong.",
                 mapping={"bad": (batch.report or {}).get("bad", 0)})
    errors = translate_report(request, batch.report or {}) if batch.status == "failed" else []
    return {"status": batch.status, "phase": batch.phase, "done": done, "total": total,
            "interrupted": interrupted,
            "percent": round(100 * done / total) if total else 0,
            "finished": batch.status in ("done", "failed"),
            "message": tr(request, text), "errors": errors,
            "bad": (batch.report or {}).get("bad", 0) if batch.status == "failed" else 0}


@view_config(route_name="crm.import_status", renderer="hub_crm:templates/import_status.pt",
             permission=CONTACT_EDIT, request_method="GET")
def import_status(request):
    batch = get_batch(request)
    return base_values(request, batch=batch, state=import_state(request, batch),
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), request.route_path("crm.import")),
                                    (_("Progress"), None)])


@view_config(route_name="crm.import_status", renderer="json", permission=CONTACT_EDIT,
             request_method="GET", request_param="format=json")
def import_status_json(request):
    """Polled by the progress page (crm-import.js) to update itself without reloading."""
    state = import_state(request, get_batch(request))
    state.pop("errors")
    return state


# -- staff: segments -------------------------------------------------------------------------

CONDITION_ROWS = 6


@view_config(route_name="crm.segments", renderer="hub_crm:templates/segments.pt",
             permission=SEGMENT_MANAGE, request_method="GET")
def segments(request):
    rows = list(request.dbsession.scalars(sa.select(Segment).order_by(Segment.name)))
    return base_values(request, segments=rows, breadcrumbs=[(_("Segments"), None)])


def segment_form_view(request, segment: Segment | None):
    db = request.dbsession
    kinds = services.condition_kinds(request)
    options = services.condition_options(request)
    tokens = {token for _label, group in options for token, _text in group}
    errors, count, count_hidden = {}, None, False
    if request.method == "POST":
        post = request.POST
        form = {"name": post.get("name", "").strip(), "purpose": post.get("purpose", ""),
                "match": post.get("match", "all")}
        conditions = []
        for i in range(CONDITION_ROWS):
            kind, value = post.get(f"kind_{i}", ""), post.get(f"value_{i}", "").strip()
            choice = post.get(f"cond_{i}", "")
            if choice and (kind or value):
                errors[f"value_{i}"] = _("Choose a condition from the list or write one, "
                                         "not both.")
            elif choice:
                kind, _sep, value = choice.partition("=")
            if kind or value:
                conditions.append({"kind": kind, "value": value, "row": i})
        if form["purpose"] not in PURPOSES:
            errors["purpose"] = _("Choose the consent purpose this segment is for.")
        elif segment is not None and segment.used_at is not None \
                and form["purpose"] != segment.purpose:
            # A send relied on this purpose; its snapshot must keep meaning what it says.
            errors["purpose"] = _("A send has used this segment, so its purpose cannot "
                                  "change. Create a new segment for another purpose.")
        if form["match"] not in ("all", "any"):
            errors["match"] = _("Choose a valid value.")
        if not form["name"] and post.get("action") != "count":
            errors["name"] = _("Enter a name.")
        if not errors or all(k.startswith("value_") for k in errors):
            for c in conditions:
                if f"value_{c['row']}" in errors:
                    continue
                try:
                    services.condition_clause(request, c["kind"], c["value"], form["purpose"])
                except services.SegmentError as exc:
                    errors[f"value_{c['row']}"] = exc.args[0]
        clean = [{"kind": c["kind"], "value": c["value"]} for c in conditions]
        if not errors:
            # Never added to the session: it only says what the form defines.
            probe = Segment(id=segment.id if segment else None, name=form["name"],
                            conditions=clean)
            health = services.segment_uses_health_data(request, probe)
            if health and not services.can_read_health(request):
                count_hidden = True  # how many match is health data too
            elif not health or post.get("action") == "count":
                count = db.scalar(sa.select(sa.func.count()).select_from(
                    services.segment_query(request, form["purpose"], form["match"], clean)
                    .subquery()))
                if health:
                    services.audit_segment_read(request, probe, "editor", count=count)
            if post.get("action") != "count":
                exists = db.scalar(sa.select(Segment.id).where(
                    Segment.name == form["name"],
                    Segment.id != (segment.id if segment else -1)))
                if exists:
                    errors["name"] = _("A segment with this name exists already.")
                else:
                    target = segment or Segment()
                    try:
                        with db.begin_nested():
                            target.name, target.purpose, target.match = (
                                form["name"], form["purpose"], form["match"])
                            target.conditions = clean
                            if segment is None:
                                db.add(target)
                    except sa.exc.IntegrityError:
                        errors["name"] = _("A segment with this name exists already.")
                    else:
                        flash(request, _("The segment was saved."))
                        return HTTPSeeOther(request.route_path("crm.segment", id=target.id))
        rows = [{"kind": "", "value": ""} for _i in range(CONDITION_ROWS)]
        for c in conditions:
            rows[c["row"]] = {"kind": c["kind"], "value": c["value"]}
        for i in range(CONDITION_ROWS):  # what was typed stays as typed
            kind, value = post.get(f"kind_{i}", ""), post.get(f"value_{i}", "")
            if post.get(f"cond_{i}") and (kind or value):
                rows[i] = {"kind": kind, "value": value, "choice": post.get(f"cond_{i}")}
    else:
        form = {"name": segment.name if segment else "",
                "purpose": segment.purpose if segment else "newsletter",
                "match": segment.match if segment else "all"}
        rows = [dict(c) for c in (segment.conditions if segment else [])]
        rows += [{"kind": "", "value": ""} for _i in range(CONDITION_ROWS - len(rows))]
    for row in rows:
        token = f"{row['kind']}={row['value']}"
        if "choice" not in row:
            row["choice"] = token if token in tokens else ""
        if row["choice"] == token:
            row["kind"], row["value"] = "", ""
    crumbs = [(_("Segments"), request.route_path("crm.segments"))]
    if segment:
        crumbs.append((segment.name, request.route_path("crm.segment", id=segment.id)))
    crumbs.append((_("Edit segment") if segment else _("New segment"), None))
    return base_values(request, segment=segment, form=form, rows=rows, kinds=kinds,
                       purposes=PURPOSES, errors=errors, count=count, breadcrumbs=crumbs,
                       options=options, count_hidden=count_hidden)


@view_config(route_name="crm.segment_new", renderer="hub_crm:templates/segment_edit.pt",
             permission=SEGMENT_MANAGE)
def segment_new(request):
    return segment_form_view(request, None)


@view_config(route_name="crm.segment_edit", renderer="hub_crm:templates/segment_edit.pt",
             permission=SEGMENT_MANAGE)
def segment_edit(request):
    segment = request.dbsession.get(Segment, int(request.matchdict["id"]))
    if segment is None:
        raise HTTPNotFound()
    return segment_form_view(request, segment)


def get_segment(request) -> Segment:
    segment = request.dbsession.get(Segment, int(request.matchdict["id"]))
    if segment is None:
        raise HTTPNotFound()
    return segment


@view_config(route_name="crm.segment", renderer="hub_crm:templates/segment.pt",
             permission=SEGMENT_MANAGE, request_method="GET")
def segment_view(request):
    segment = get_segment(request)
    if services.segment_uses_health_data(request, segment):
        # Who is in it is health data: members only on request (POST), each read recorded.
        return segment_page_values(request, segment, None, health=True)
    return segment_page_values(request, segment, page_number(request), health=False)


@view_config(route_name="crm.segment", renderer="hub_crm:templates/segment.pt",
             permission=SEGMENT_MANAGE, request_method="POST")
def segment_members(request):
    """The members of a health-defined segment: POST because every read is recorded."""
    segment = get_segment(request)
    if not services.segment_uses_health_data(request, segment):
        return HTTPSeeOther(request.route_path("crm.segment", id=segment.id))
    if not services.can_read_health(request):
        request.response.status = 403
        return segment_page_values(request, segment, None, health=True)
    return segment_page_values(request, segment, page_param(request, source=request.POST),
                               health=True)


def segment_page_values(request, segment: Segment, page: int | None, health: bool) -> dict:
    """The segment's definition and, unless ``page`` is None, one page of its members."""
    error, total, members = None, None, []
    if page is not None:
        try:
            total, members = services.segment_page(request, segment, (page - 1) * PAGE_SIZE,
                                                   PAGE_SIZE)
        except services.SegmentError as exc:
            error, total = exc.args[0], 0
        else:
            if health:
                services.audit_segment_read(request, segment, "page",
                                            [c.id for c in members], count=total)
    page = page or 1
    kinds = dict(services.condition_kinds(request))
    # Each condition as staff chose it: "Topic: Diabetes" rather than "topic: diabetes".
    named = {token: f"{group}: {text}" for group, options in
             services.condition_options(request) for token, text in options}
    conditions = [named.get(f"{c.get('kind')}={c.get('value')}")
                  or f"{kinds.get(c.get('kind'), c.get('kind'))}: {c.get('value')}"
                  for c in segment.conditions]
    return base_values(
        request, segment=segment, total=total, members=members, page=page, error=error,
        conditions=conditions, has_next=total is not None and page * PAGE_SIZE < total,
        health=health, can_read_health=health and services.can_read_health(request),
        prev_url=request.route_path("crm.segment", id=segment.id, _query={"page": page - 1}),
        next_url=request.route_path("crm.segment", id=segment.id, _query={"page": page + 1}),
        breadcrumbs=[(_("Segments"), request.route_path("crm.segments")),
                     (segment.name, None)])


# -- staff: enquiries and tasks ----------------------------------------------------------------

@view_config(route_name="crm.enquiries", renderer="hub_crm:templates/enquiries.pt",
             permission=CONTACT_READ, request_method="GET")
def enquiries(request):
    status = request.GET.get("status", "")
    stmt = sa.select(Enquiry).options(selectinload(Enquiry.contact)).order_by(
        Enquiry.created_at.desc()).limit(200)
    if status in ENQUIRY_STATUSES:
        stmt = stmt.where(Enquiry.status == status)
    rows = list(request.dbsession.scalars(stmt))
    staff = {u.id: u for u in staff_users(request)}
    return base_values(request, enquiries=rows, status=status, statuses=ENQUIRY_STATUSES,
                       staff=staff, local_time=lambda w: local_time(request, w),
                       breadcrumbs=[(_("Enquiries"), None)])


@view_config(route_name="crm.enquiry", renderer="hub_crm:templates/enquiry.pt",
             permission=CONTACT_READ)
def enquiry_view(request):
    db = request.dbsession
    enquiry = db.get(Enquiry, int(request.matchdict["id"]))
    if enquiry is None:
        raise HTTPNotFound()
    staff = staff_users(request)
    if request.method == "POST":
        if not request.has_permission(CONTACT_EDIT):
            raise HTTPNotFound()
        status = request.POST.get("status", "")
        assignee = request.POST.get("assigned_to", "")
        staff_ids = {u.id: u for u in staff}
        if status in ENQUIRY_STATUSES:
            enquiry.status = status
        new_assignee = int(assignee) if assignee.isdigit() and int(assignee) in staff_ids \
            else None
        if new_assignee != enquiry.assigned_to_id:
            enquiry.assigned_to_id = new_assignee
            if new_assignee and new_assignee != request.identity.id:
                notify(request, staff_ids[new_assignee], "crm.enquiry_assigned",
                       _("Enquiry assigned to you: ${subject}"),
                       mapping={"subject": enquiry.subject},
                       url=request.route_url("crm.enquiry", id=enquiry.id))
        services.audit(request, enquiry.contact_id, "enquiry.updated",
                       f"{enquiry.id}: {enquiry.status}")
        flash(request, _("The enquiry was updated."))
        return HTTPSeeOther(request.route_path("crm.enquiry", id=enquiry.id))
    return base_values(request, enquiry=enquiry, staff=staff, statuses=ENQUIRY_STATUSES,
                       created=local_time(request, enquiry.created_at),
                       breadcrumbs=[(_("Enquiries"), request.route_path("crm.enquiries")),
                                    (enquiry.subject, None)])


@view_config(route_name="crm.tasks", renderer="hub_crm:templates/tasks.pt",
             permission=CONTACT_READ)
def tasks(request):
    db = request.dbsession
    staff = staff_users(request)
    errors = {}
    form = {"title": "", "due_on": "", "contact_id": request.GET.get("contact", ""),
            "assigned_to": str(request.identity.id)}
    if request.method == "POST":
        if not request.has_permission(CONTACT_EDIT):
            raise HTTPNotFound()
        form = {k: request.POST.get(k, "").strip() for k in form}
        due = None
        try:
            due = dt.date.fromisoformat(form["due_on"])
        except ValueError:
            errors["due_on"] = _("Enter the date as YYYY-MM-DD.")
        if not form["title"] or len(form["title"]) > 200:
            errors["title"] = _("Enter a short title.")
        contact = None
        if form["contact_id"]:
            contact = db.get(Contact, int(form["contact_id"])) \
                if is_id(form["contact_id"]) else None
            if contact is None:
                errors["contact_id"] = _("There is no contact with this number.")
        staff_ids = {str(u.id) for u in staff}
        if form["assigned_to"] not in staff_ids:
            errors["assigned_to"] = _("Choose a member of staff.")
        if not errors:
            db.add(Task(title=form["title"], due_on=due,
                        contact_id=contact.id if contact else None,
                        assigned_to_id=int(form["assigned_to"])))
            flash(request, _("The follow-up was added."))
            if contact is not None:
                return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
            return HTTPSeeOther(request.route_path("crm.tasks"))
    rows = list(db.scalars(sa.select(Task).where(Task.done.is_(False))
                           .options(selectinload(Task.contact)).order_by(Task.due_on)
                           .limit(200)))
    return base_values(request, tasks=rows, staff=staff, staff_names={u.id: u.name
                                                                      for u in staff},
                       form=form, errors=errors, today=dt.date.today(),
                       local_date=lambda d: local_date(request, d),
                       breadcrumbs=[(_("Follow-ups"), None)])


@view_config(route_name="crm.task_done", permission=CONTACT_EDIT, request_method="POST")
def task_done(request):
    task = request.dbsession.get(Task, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    task.done = True
    flash(request, _("The follow-up was marked as done."))
    return HTTPSeeOther(request.route_path("crm.tasks"))


# -- administration: custom fields, health access, audit ----------------------------------

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
