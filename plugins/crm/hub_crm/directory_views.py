"""The public directory: organisations and the people who agreed to be listed, and
the profile pages organisations' representatives and editors edit. This editor is the one
place where an organisation's profile is edited: the core's workspace links here
(``hub_organisation_profile_url``)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.dates import language
from hub.db import utcnow
from hub.organizations.access import acts_for
from hub.organizations.models import KINDS as ORG_KINDS
from hub.organizations.models import Organisation
from hub.organizations.public import PROFILE_TABLES, profile_extras
from hub.organizations.relay import contact_person_url
from hub.organizations.views import KIND_LABELS
from hub.params import is_id
from hub.security import AUTHENTICATED, PUBLIC
from hub_crm import consent, services
from hub_crm.hooks import CONTACT_EDIT
from hub_crm.i18n import _
from hub_crm.models import (
    STAKEHOLDER_TYPES,
    Contact,
    OrganisationProfile,
    Relationship,
    Topic,
    organisation_topic,
)
from hub_crm.view_helpers import EMAIL_RE, base_values, flash, page_number

DIRECTORY_PAGE = 48  # organisations and people per page of the public directory


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
    return acts_for(request, org.id)


def organisation_topics(request, org_id: int) -> list[Topic]:
    return list(request.dbsession.scalars(
        sa.select(Topic).join(organisation_topic, organisation_topic.c.topic_id == Topic.id)
        .where(organisation_topic.c.organisation_id == org_id)
        .order_by(Topic.position, Topic.id)))


@view_config(route_name="crm.organisation", renderer="hub_crm:templates/organisation.pt",
             permission=PUBLIC, request_method="GET",
             cache_tables=tuple(sorted({*DIRECTORY_TABLES, *PROFILE_TABLES})))
def organisation_page(request):
    org = organisation_by_slug(request)
    profile = request.dbsession.get(OrganisationProfile, org.id) or OrganisationProfile(
        organisation_id=org.id, listed=True, show_email=True, show_website=True,
        show_phone=False, show_address=False, phone="", address="")
    can_edit = may_edit_organisation(request, org)
    if not profile.listed and not can_edit:
        raise HTTPNotFound()
    shown_in = language(request)
    return base_values(
        request, org=org, profile=profile, topics=organisation_topics(request, org.id),
        can_edit=can_edit, extras=profile_extras(request, org),
        description=org.translated("description", shown_in),
        # The Czech text on an English page says it is Czech (WCAG 3.1.2).
        description_lang="cs" if shown_in == "en" and org.language_of(
            "description", shown_in) == "cs" else None,
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
    form = {"name": org.name, "kind": org.kind, "description": org.description,
            "description_en": org.description_en, "website": org.website,
            "email": org.email, "region": org.region,
            "phone": profile.phone if profile else "",
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
        if not form["name"]:
            errors["name"] = _("Enter the name of the organisation.")
        if form["kind"] not in ORG_KINDS:
            errors["kind"] = _("Choose a valid value.")
        if form["email"] and not EMAIL_RE.match(form["email"]):
            errors["email"] = _("Enter a valid e-mail address.")
        if form["website"] and not form["website"].startswith(("https://", "http://")):
            errors["website"] = _("The web address must start with https:// or http://.")
        for key, limit in (("name", 200), ("region", 100), ("phone", 50), ("address", 300),
                           ("website", 300), ("description_en", 5000)):
            if len(form[key]) > limit:
                errors[key] = _("This is too long.")
        if not errors:
            org.name, org.kind = form["name"], form["kind"]
            org.description, org.website, org.email, org.region = (
                form["description"], form["website"], form["email"], form["region"])
            org.description_en = form["description_en"]
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
        kinds=[(k, KIND_LABELS[k]) for k in ORG_KINDS],
        workspace_url=request.route_path("organisation_workspace", id=org.id)
        if acts_for(request, org.id) else None,
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
    account = db.get(User, contact.user_id) if contact.user_id else None
    return base_values(
        request, person=contact, shown=shown, organisations=organisations,
        contact_url=contact_person_url(request, account)
        if account is not None and account.id != getattr(request.identity, "id", None)
        else None,
        breadcrumbs=[(_("Directory of organisations"), request.route_path("crm.index")),
                     (contact.name, None)])
