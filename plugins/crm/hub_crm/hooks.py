"""Hook implementations of the crm plugin."""
from __future__ import annotations

import sqlalchemy as sa

from hub import hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    Permission,
    ProfileSection,
    SearchResult,
    Setting,
    Widget,
)
from hub.security import PUBLIC
from hub.settings import as_int
from hub_crm.i18n import _
from hub_crm.services import questions_url

CONTACT_READ = "crm:contact:read"
CONTACT_EDIT = "crm:contact:edit"
SEGMENT_MANAGE = "crm:segment:manage"
CRM_ADMIN = "crm:admin"
HEALTH_READ = "crm:health:read"
SEGMENT_KEY = "crm.segment."

PERSONAL_TABLES = ["crm_contact", "crm_contact_tag", "crm_contact_topic", "crm_field_value",
                   "crm_activity", "crm_enquiry",
                   "crm_task", "crm_relationship", "crm_audit", "crm_health_access",
                   "crm_import",
                   # An organisation's public phone and address, not a person's: covered in
                   # the sense that erasing a user leaves it (it belongs to the organisation).
                   "crm_organisation_profile"]


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        items = [NavItem(_("Directory"), route="crm.index", permission=PUBLIC, order=40,
                         match=("crm.index", "crm.organisation", "crm.person"))]
        if questions_url(request) is None:
            items.append(NavItem(_("Ask the hub"), route="crm.ask", permission=PUBLIC,
                                 order=45, match=("crm.ask",)))
        return items
    if menu == "admin":
        return [NavItem(_("Contacts"), route="crm.contacts", permission=CONTACT_READ, order=40,
                        match=("crm.contact", "crm.import", "crm.export")),
                NavItem(_("Segments"), route="crm.segments", permission=SEGMENT_MANAGE,
                        order=41, match=("crm.segment",)),
                NavItem(_("Enquiries"), route="crm.enquiries", permission=CONTACT_READ,
                        order=42, match=("crm.enquir",)),
                NavItem(_("Follow-ups"), route="crm.tasks", permission=CONTACT_READ, order=43,
                        match=("crm.task",)),
                NavItem(_("CRM settings"), route="crm.fields", permission=CRM_ADMIN, order=44,
                        match=("crm.field", "crm.health_access", "crm.audit"))]
    return None


@hookimpl
def hub_permissions():
    return [
        Permission(CONTACT_READ, _("See CRM contacts"), ("staff", "admin")),
        Permission(CONTACT_EDIT, _("Change CRM contacts, import and export"), ("staff", "admin")),
        Permission(SEGMENT_MANAGE, _("Manage segments"), ("staff", "admin")),
        Permission(HEALTH_READ, _("Read health (special-category) data"), ("admin",)),
        Permission(CRM_ADMIN, _("CRM settings: custom fields, access to health data, audit"),
                   ("admin",)),
    ]


@hookimpl
def hub_settings_schema():
    return [
        Setting("secret", "", str, "Key for signed preference links (default: one generated "
                                   "and kept in the database)."),
        Setting("retention_days", 3 * 365, as_int,
                "Contacts without account and without activity this long are reported, "
                "then deleted."),
        Setting("retention_grace_days", 30, as_int,
                "Days between the retention report and the deletion."),
    ]


@hookimpl
def hub_notification_kinds():
    return [
        NotificationKind("crm.enquiry_assigned", _("An enquiry was assigned to you")),
        NotificationKind("crm.retention_report", _("CRM contacts due for deletion"),
                         default_channels=("inbox", "email")),
    ]


@hookimpl
def hub_periodic_jobs():
    from hub_crm.imports import interrupted_imports_job
    from hub_crm.retention import retention_job

    return [PeriodicJob("crm.retention", retention_job, minute="15", hour="3"),
            PeriodicJob("crm.interrupted_imports", interrupted_imports_job, minute="*/5")]


# -- page contributions ----------------------------------------------------------------------

@hookimpl
def hub_dashboard_widgets(request):
    from hub_crm.followup_views import render_tasks_widget

    return [Widget("crm.tasks", _("My follow-ups"), render_tasks_widget, where="dashboard",
                   order=30, permission=CONTACT_READ)]


@hookimpl
def hub_organisation_profile_url(request, organisation):
    # The directory keeps the organisation's public profile: its editor is the only one.
    return request.route_path("crm.organisation_edit", slug=organisation.slug)


@hookimpl
def hub_organisation_public_url(request, organisation):
    # The directory shows the organisation's public profile (with the core's part in it).
    return request.route_path("crm.organisation", slug=organisation.slug)


@hookimpl
def hub_profile_sections(request, user):
    from hub_crm.self_service_views import render_profile_section

    return [ProfileSection("crm.preferences", _("Contact preferences"),
                           lambda req, u: render_profile_section(req, u), order=80)]


@hookimpl
def hub_search_sources():
    from hub_crm.search import SOURCES

    return SOURCES


@hookimpl
def hub_search(request, query):
    """Contacts for the staff who may read them (organisations are in the index)."""
    from hub_crm.models import Contact

    query = (query or "").strip()
    if len(query) < 2:
        return []
    like = f"%{query.lower()}%"
    db = request.dbsession
    results = []
    if request.has_permission(CONTACT_READ):
        contacts = db.scalars(sa.select(Contact).where(sa.or_(
            sa.func.lower(Contact.name).like(like), Contact.email.like(like)))
            .order_by(Contact.name).limit(10))
        for contact in contacts:
            results.append(SearchResult(contact.name, request.route_path("crm.contact",
                                                                         id=contact.id),
                                        contact.email or "", kind=_("Contact")))
    return results


# -- GDPR ------------------------------------------------------------------------------------

def _contacts_of_user(request, user):
    from hub_crm.models import Contact

    return list(request.dbsession.scalars(sa.select(Contact).where(
        sa.or_(Contact.user_id == user.id, Contact.email == user.email.lower()))))


@hookimpl
def hub_personal_data_export(request, user):
    from hub_crm.gdpr import export_contact

    contacts = _contacts_of_user(request, user)
    if not contacts:
        return {}
    return {_("The hub's contact record"): [export_contact(request, c) for c in contacts]}


@hookimpl
def hub_personal_data_erase(request, user):
    from hub_crm.gdpr import erase_contact
    from hub_crm.models import HealthAccess, ImportBatch, Task

    for contact in _contacts_of_user(request, user):
        erase_contact(request, contact)
    db = request.dbsession
    db.execute(sa.delete(HealthAccess).where(HealthAccess.user_id == user.id))
    db.execute(sa.update(Task).where(Task.assigned_to_id == user.id).values(assigned_to_id=None))
    db.execute(sa.update(ImportBatch).where(ImportBatch.created_by_id == user.id)
               .values(created_by_id=None))


@hookimpl
def hub_personal_data_tables():
    return PERSONAL_TABLES


# -- audiences for the newsletter plugin ---------------------------------------------------

def _segment_for_key(request, key):
    from hub_crm.models import Segment

    if not isinstance(key, str) or not key.startswith(SEGMENT_KEY):
        return None
    number = key[len(SEGMENT_KEY):]
    if not number.isdigit():
        return None
    return request.dbsession.get(Segment, int(number))


@hookimpl(optionalhook=True)
def hub_audiences(request):
    from hub_crm.models import Segment
    from hub_crm.services import (
        SegmentError,
        segment_count,
        segment_query,
        segment_uses_health_data,
    )

    audiences = []
    for segment in request.dbsession.scalars(sa.select(Segment).order_by(Segment.name)):
        try:
            # How many are in a segment defined by health data is health data: not shown.
            if segment_uses_health_data(request, segment):
                segment_query(request, segment.purpose, segment.match, segment.conditions)
                count = None
            else:
                count = segment_count(request, segment)
        except SegmentError:
            continue  # a condition of a disabled plugin: not sendable now
        audiences.append({"key": f"{SEGMENT_KEY}{segment.id}", "label": segment.name,
                          "purpose": segment.purpose, "count": count})
    return audiences


@hookimpl(optionalhook=True)
def hub_audience_members(request, key):
    from hub_crm.consent import consent_record
    from hub_crm.models import Contact
    from hub_crm.services import SegmentError, preferences_url, segment_query

    segment = _segment_for_key(request, key)
    if segment is None:
        return None
    try:
        ids = segment_query(request, segment.purpose, segment.match, segment.conditions)
    except SegmentError:
        return []
    rows = request.dbsession.execute(
        sa.select(Contact.id, Contact.email, Contact.name, Contact.first_name,
                  Contact.last_name, Contact.gender, Contact.language,
                  consent_record(segment.purpose).label("record_id"))
        .where(Contact.id.in_(ids)).order_by(Contact.id))
    return [{"email": r.email, "name": r.name, "first_name": r.first_name,
             "last_name": r.last_name, "gender": r.gender, "language": r.language,
             "contact_id": r.id, "preferences_url": preferences_url(request, r.id),
             "consent_record_id": r.record_id}
            for r in rows]


@hookimpl(optionalhook=True)
def hub_audience_consents(request, key, email):
    from hub_crm.models import Contact
    from hub_crm.services import SegmentError, segment_query

    segment = _segment_for_key(request, key)
    if segment is None:
        return None
    try:
        ids = segment_query(request, segment.purpose, segment.match, segment.conditions)
    except SegmentError:
        return False
    found = request.dbsession.scalar(
        sa.select(Contact.id).where(Contact.id.in_(ids),
                                    Contact.email == (email or "").strip().lower()))
    return found is not None


ALLOWED_CHUNK = 5000  # addresses per query (below every database's bind-parameter limit)


@hookimpl(optionalhook=True)
def hub_audience_allowed(request, key, addresses):
    from hub_crm.models import Contact
    from hub_crm.services import SegmentError, segment_query

    segment = _segment_for_key(request, key)
    if segment is None:
        return None
    given: dict[str, list[str]] = {}
    for address in addresses or ():
        if isinstance(address, str) and address.strip():
            given.setdefault(address.strip().lower(), []).append(address)
    if not given:
        return set()
    try:
        ids = segment_query(request, segment.purpose, segment.match, segment.conditions)
    except SegmentError:
        return set()  # a condition of a disabled plugin: nobody may be mailed now
    wanted = sorted(given)
    allowed: set[str] = set()
    for start in range(0, len(wanted), ALLOWED_CHUNK):
        for email in request.dbsession.scalars(sa.select(Contact.email).where(
                Contact.email.in_(wanted[start:start + ALLOWED_CHUNK]), Contact.id.in_(ids))):
            allowed.update(given[email])
    return allowed


@hookimpl(optionalhook=True)
def hub_audience_used(request, key):
    from hub.db import utcnow
    from hub_crm.consent import PURPOSES

    segment = _segment_for_key(request, key)
    if segment is None:
        return None
    # From now on the segment's purpose is what a send relied on: it cannot change.
    segment.used_at = segment.used_at or utcnow()
    declared = PURPOSES[segment.purpose]
    return {"label": segment.name, "purpose": declared.key,
            "current_text_version": declared.text_version,
            "definition": {"segment_id": segment.id, "name": segment.name,
                           "purpose": segment.purpose, "match": segment.match,
                           "conditions": list(segment.conditions or ())}}


@hookimpl(optionalhook=True)
def hub_audience_withdraw_links(request, key, addresses):
    from hub_crm.consent import withdraw_links

    segment = _segment_for_key(request, key)
    if segment is None:
        return None
    return withdraw_links(request, segment.purpose, list(addresses or ()))


# -- consent ledger ------------------------------------------------------------------------

@hookimpl
def hub_consent_purposes():
    from hub_crm.consent import DIRECTORY, PURPOSES

    return [*PURPOSES.values(), DIRECTORY]


@hookimpl
def hub_consent_changed(request, subject, purpose, record):
    from hub_crm.consent import carry_withdrawal

    carry_withdrawal(request, subject, purpose, record)


@hookimpl
def hub_openapi(request):
    from hub_crm.api import openapi

    return openapi()


@hookimpl
def hub_demo_data(dbsession, scale):
    from hub_crm.demo import demo_data

    demo_data(dbsession, scale)

