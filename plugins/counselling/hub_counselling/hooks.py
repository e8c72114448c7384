"""Hook implementations of the counselling plugin."""
from __future__ import annotations

import sqlalchemy as sa

from hub import consent, hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    Permission,
    Setting,
    Widget,
)
from hub.security import AUTHENTICATED, PUBLIC
from hub.settings import as_int, mailbox_settings
from hub_counselling import services
from hub_counselling.i18n import _
from hub_counselling.models import Case
from hub_counselling.services import MANAGE, PURPOSE, QUEUE, READ


def _describe(request, object_: str) -> str | None:
    case = services.case_of_object(request, object_)
    return f"{case.reference} \u2013 {case.subject}" if case is not None else None


CASE_CONSENT = consent.Purpose(
    PURPOSE,
    title={"cs": "Můj dotaz v poradně (může obsahovat zdravotní údaje)",
           "en": "My question to the counselling service (may contain health data)"},
    text={
        "cs": "Výslovně souhlasím, aby hub uchovával a zpracovával můj dotaz, vše, co k "
              "němu napíšu, a mou adresu pro odpověď, i když z nich může vyplývat můj "
              "zdravotní stav. Číst je budou jen pověření poradci hubu, aby mi mohli "
              "odpovědět, a každé jejich čtení se zaznamená. Hub dotaz smaže tři roky po "
              "jeho uzavření. Souhlas mohu kdykoli odvolat na stránce dotazu nebo na "
              "stránce Moje souhlasy; dotaz se pak hned smaže.",
        "en": "I explicitly agree that the hub keeps and processes my question, everything "
              "I write about it and my reply address, even though they may reveal my "
              "health. Only the hub's appointed counsellors read them, to answer me, and "
              "each time they do it is recorded. The hub deletes the question three years "
              "after it is closed. I can withdraw this consent at any time on the "
              "question's page or on the My consents page; the question is then deleted "
              "at once.",
    },
    legal_basis="explicit_consent", special_category=True, scoped=True,
    describe=_describe, order=70)


def _describe_faq(request, object_: str) -> str | None:
    case = services.case_of_object(request, object_)
    return case.reference if case is not None else None


FAQ_CONSENT = consent.Purpose(
    services.FAQ_PURPOSE,
    title={"cs": "Zveřejnění mého dotazu v poradně jako anonymní otázky a odpovědi",
           "en": "Publishing my counselling question as an anonymous question and answer"},
    text={
        "cs": "Souhlasím, aby poradci hubu podle mého dotazu a odpovědi na něj napsali "
              "otázku a odpověď pro veřejné časté dotazy na portálu. Přepíšou je tak, aby z "
              "nich nebylo možné poznat mě ani nikoho jiného: bez jmen, adres, dat a "
              "podrobností o zdravotním stavu, podle kterých by mě někdo poznal. Souhlas mohu "
              "kdykoli odvolat na stránce dotazu nebo na stránce Moje souhlasy; zveřejněná "
              "otázka se pak hned odstraní.",
        "en": "I agree that the hub's counsellors write a question and answer for the "
              "portal's public frequently asked questions based on my question and its "
              "answer. They rewrite them so that neither I nor anyone else can be "
              "recognised: no names, addresses, dates or details of health by which someone "
              "could recognise me. I can withdraw this consent at any time on the question's "
              "page or on the My consents page; the published question is then removed at "
              "once.",
    },
    legal_basis="consent", scoped=True, describe=_describe_faq, order=71)


@hookimpl
def hub_consent_purposes():
    return [CASE_CONSENT, FAQ_CONSENT]


@hookimpl
def hub_consent_changed(request, subject, purpose, record):
    """A withdrawn consent deletes its case at once (erasure withdraws it itself); a
    withdrawn consent to publish removes the published question."""
    if purpose.key == services.FAQ_PURPOSE and record.action == "withdrawn":
        from hub_counselling.faq import remove_entries_of

        remove_entries_of(request, record.object)
        return
    if purpose.key != PURPOSE or record.action != "withdrawn" or record.source == "erasure":
        return
    case = services.case_of_object(request, record.object)
    if case is not None:
        services.erase_case(request, case, "withdrawn")


@hookimpl
def hub_settings_schema():
    return [
        Setting("reply_days", 30, as_int, "Days within which the hub promises an answer."),
        Setting("reminder_days", 3, as_int,
                "Remind the counsellors this many days before a case is due."),
        Setting("retention_days", 3 * 365, as_int,
                "Days after closing after which a case is deleted."),
        Setting("reply_address", "", str,
                "The counselling mailbox answers go to (default: the address of "
                "mail.sender); each mail's Reply-To adds +<reference>.<signature>."),
        *mailbox_settings("mailbox_", "counselling mailbox (where answers arrive)"),
        Setting("inbox_days", 90, as_int,
                "Days after which mail left in the staff inbox is deleted."),
    ]


@hookimpl
def hub_permissions():
    return [
        Permission(QUEUE, _("See the counselling queue and statistics"), ("staff", "admin")),
        Permission(READ, _("Read and answer counselling cases"), ("admin",)),
        Permission(MANAGE, _("Appoint counsellors and edit reply templates"), ("admin",)),
    ]


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Ask for advice"), route="counselling.ask", permission=PUBLIC,
                        order=46, match=("counselling.ask", "counselling.faq"))]
    if menu == "user":
        return [NavItem(_("My questions"), route="counselling.mine", permission=AUTHENTICATED,
                        order=45, match=("counselling.mine", "counselling.my_case"))]
    if menu == "admin":
        return [NavItem(_("Counselling"), route="counselling.queue", permission=QUEUE,
                        order=44, match=("counselling.queue", "counselling.case",
                                         "counselling.stats", "counselling.templates",
                                         "counselling.counsellors", "counselling.inbox",
                                         "counselling.faq_staff", "counselling.faq_new",
                                         "counselling.faq_edit"))]
    return None


@hookimpl
def hub_notification_kinds():
    return [NotificationKind("counselling.due", _("A counselling case is nearly due")),
            NotificationKind("counselling.handed_over", _("A counselling case was handed "
                                                          "over to you")),
            NotificationKind("counselling.answered", _("An asker answered a counselling case "
                                                       "by e-mail"))]


@hookimpl
def hub_dashboard_widgets(request):
    from hub_counselling.views import render_my_cases_widget

    # Kept per person until a case changes (a reply changes its status).
    return [Widget("counselling.mine", _("My questions"), render_my_cases_widget,
                   where="dashboard", order=45, permission=AUTHENTICATED,
                   cache_per_user=True, cache_tables=("counselling_case",))]


@hookimpl
def hub_periodic_jobs():
    from hub_counselling.incoming import read_mailbox
    from hub_counselling.jobs import remind_due, retention

    return [PeriodicJob("counselling.retention", retention, minute="40", hour="3"),
            PeriodicJob("counselling.reminders", remind_due, minute="10", hour="7"),
            PeriodicJob("counselling.mailbox", read_mailbox, minute="*/5")]


@hookimpl
def hub_demo_data(dbsession, registry):
    from hub_counselling.demo import demo_data

    demo_data(dbsession, registry)


@hookimpl(optionalhook=True)
def hub_crm_questions_url(request):
    """The public asks here, not on the CRM's "Ask the hub" page."""
    return request.route_url("counselling.ask")


@hookimpl(optionalhook=True)
def hub_contact_activity(request, email, user):
    """The CRM's timeline of a contact: the cases asked from its address or account
    (reference and state only: the texts stay behind the counselling permission)."""
    if not services.can_read(request):
        return []
    who = [sa.func.lower(Case.email) == email.lower()] if email else []
    if user is not None:
        who.append(Case.user_id == user.id)
    if not who:
        return []
    cases = request.dbsession.scalars(sa.select(Case).where(sa.or_(*who))).all()
    state = request.localizer.translate
    return [{"when": c.created_at, "kind": _("Counselling"),
             "title": f"{c.reference} ({state(services.STATUS_LABELS[c.status])})",
             "url": request.route_path("counselling.case", id=c.id)} for c in cases]


# -- personal data ------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["counselling_case", "counselling_message", "counselling_counsellor",
            "counselling_access", "counselling_inbox"]


@hookimpl
def hub_personal_data_export(request, user):
    """The person's own questions with their threads (without internal notes)."""
    cases = services.cases_of_user(request, user)
    waiting = services.inbox_mail_of_user(request, user)
    sections = {_("Counselling questions"): [
        {"reference": c.reference, "subject": c.subject, "category": c.category,
         "status": c.status, "email": c.email, "name": c.name,
         "created_at": c.created_at.isoformat(),
         "thread": [{"at": m.created_at.isoformat(),
                     "from": "me" if m.direction == "in" else "hub", "text": m.body}
                    for m in services.public_thread(c)]} for c in cases]}
    if waiting:
        sections[_("Mail to the counselling service not yet attached to a question")] = [
            {"received_at": m.received_at.isoformat(), "subject": m.subject, "text": m.body}
            for m in waiting]
    return sections


@hookimpl
def hub_personal_data_erase(request, user):
    from hub_counselling.models import Counsellor

    for case in services.cases_of_user(request, user):
        services.erase_case(request, case, "erased")
    db = request.dbsession
    for mail in services.inbox_mail_of_user(request, user):
        db.delete(mail)
    db.execute(sa.delete(Counsellor).where(Counsellor.user_id == user.id))
    db.execute(sa.update(Case).where(Case.assignee_id == user.id).values(assignee_id=None))


@hookimpl
def hub_openapi(request):
    from hub_counselling.api import openapi

    return openapi()


@hookimpl
def hub_search_sources():
    from hub_counselling.search import SOURCES

    return SOURCES


@hookimpl
def hub_indicators(request, start, end):
    from hub_counselling.indicators import indicators

    return indicators(request, start, end)
