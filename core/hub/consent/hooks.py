"""Hook implementations of the consent ledger (an internal plugin of the core)."""
from __future__ import annotations

from hub.contributions import NavItem, ProfileSection, Widget
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, STAFF

LEDGER_TABLES = ("consent_record", "consent_text")


@hookimpl
def hub_navigation(request, menu):
    if menu == "user":
        return [NavItem(_("My consents"), route="consent.mine", permission=AUTHENTICATED,
                        order=6, match=("consent.mine", "consent.give", "consent.withdraw"))]
    if menu == "admin":
        return [NavItem(_("Consents"), route="consent.admin", permission=STAFF, order=86,
                        match=("consent.admin",))]
    return None


def render_summary(request, user):
    """The consents in force and a link to "My consents" (My hub and the profile)."""
    from hub.consent.services import describe, states_of_user
    from hub.shell import render_snippet

    titles = [describe(request, s.purpose, s.object, s.text_version)["title"]
              for s in states_of_user(request, user) if s.given]
    return render_snippet(request, "hub:consent/templates/summary.pt", {"titles": titles})


@hookimpl
def hub_dashboard_widgets(request):
    def render(request):
        user = request.identity
        return render_summary(request, user) if user is not None else None

    return [Widget("consent.mine", _("My consents"), render, where="dashboard", order=90,
                   permission=AUTHENTICATED, cache_tables=LEDGER_TABLES, cache_per_user=True)]


@hookimpl
def hub_profile_sections(request, user):
    def render(request, user):
        # The person's own consents only: staff looking at a profile see nothing here.
        if request.identity is None or request.identity.id != user.id:
            return None
        return render_summary(request, user)

    return [ProfileSection("consent.mine", _("My consents"), render, order=6)]


# -- personal data ------------------------------------------------------------------------

ERASURE_RULE = _(
    "When your account is deleted, the consents in force are withdrawn and the consent "
    "records are kept without your e-mail address (only its SHA-256 digest and the number "
    "of the deleted account remain). The law lets the hub keep proof of the consents it "
    "relied on (GDPR Art. 7(1) and Art. 17(3)(e)).")


@hookimpl
def hub_personal_data_tables():
    return ["consent_record"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub.consent.services import describe, history_of, subjects_of_user
    from hub.consent.views import ACTION_LABELS, SOURCE_LABELS

    translate = request.shell.translate
    records = []
    for record in history_of(request, subjects_of_user(user)):
        about = describe(request, record.purpose, record.object, record.text_version)
        records.append({
            "purpose": record.purpose, "object": record.object or None,
            "title": about["title"], "action": translate(ACTION_LABELS[record.action]),
            "at": record.at, "source": translate(SOURCE_LABELS[record.source]),
            "text_version": record.text_version, "text": about["text"],
            "recorded_by": (translate(_("You")) if record.recorded_by_id == user.id
                            else translate(_("Hub staff")) if record.recorded_by_id
                            else None),
            "note": record.note or None})
    if not records:
        return {}
    return {_("Consents"): records,
            _("Consents after deleting the account"): [{"rule": translate(ERASURE_RULE)}]}


@hookimpl
def hub_personal_data_erase(request, user):
    from hub.consent.services import erase_subjects, subjects_of_user

    erase_subjects(request, subjects_of_user(user))


@hookimpl
def hub_activity(request, user):
    """Consents given and withdrawn, for the CRM timeline."""
    from hub.consent.services import describe, history_of, subjects_of_user

    entries = []
    for record in history_of(request, subjects_of_user(user)):
        title = describe(request, record.purpose, record.object, record.text_version)["title"]
        entries.append({"when": record.at, "kind": _("Consent"), "url": None, "title": (
            _("Consent given: ${title}", mapping={"title": title})
            if record.action == "given" else
            _("Consent withdrawn: ${title}", mapping={"title": title}))})
    return entries


@hookimpl
def hub_openapi(request):
    from hub.consent.api import openapi

    return openapi()
