"""An invitation to apply to a grant call, drafted as a campaign (the grants plugin's
``hub_grants_call_invitation`` hook).

Staff press "Prepare an invitation" on a published call's page; a draft campaign is
written in Czech and English with the call's title, summary, limits, deadline and link, and
they are sent to its edit form to choose the lists or audiences, adjust the text and ask
for approval as with any campaign. Nothing is sent from here.
"""
from __future__ import annotations

from hub import hookimpl
from hub.dates import format_moment
from hub.i18n import localizer_for
from hub_newsletter.i18n import _
from hub_newsletter.models import Campaign


def _plain(text: str) -> str:
    """Staff-written text inside a campaign body: ``$`` is not a placeholder there."""
    return (text or "").replace("$", "$$")


def _summary(text: str, limit: int = 600) -> str:
    first = (text or "").strip().split("\n\n")[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"


def _money(value, language: str) -> str:
    from babel.numbers import format_currency

    return format_currency(value, "CZK", locale="cs_CZ" if language == "cs" else "en_GB")


def _texts(request, call, language: str) -> dict:
    """Subject, preview line and text of the invitation in ``language``."""
    tr = localizer_for(request.registry, language).translate
    title = call.text("title", language)
    url = request.route_url("grants.call", id=call.id)
    values = {"title": _plain(title), "deadline": format_moment(call.deadline_at, language),
              "maximum": _money(call.max_amount, language), "url": url}
    body = "\n\n".join((
        "${salutation},",
        tr(_("the call \u201c${title}\u201d of the hub's small grant scheme is open.",
             mapping=values)),
        _plain(_summary(call.text("description", language))),
        "\n".join((
            "- " + tr(_("Organisations ask for up to ${maximum} per project.", mapping=values)),
            "- " + tr(_("Applications are submitted in the hub by ${deadline} (Prague time).",
                        mapping=values)))),
        tr(_("The rules, the evaluation criteria and the application: ${url}", mapping=values)),
    ))
    return {"subject": tr(_("Call for grant applications: ${title}", mapping=values))[:200],
            "preheader": tr(_("Apply by ${deadline}", mapping=values))[:200], "body": body}


def draft_invitation(request, call) -> Campaign:
    """A draft in Czech and English: each recipient gets the version of their language."""
    czech, english = _texts(request, call, "cs"), _texts(request, call, "en")
    campaign = Campaign(kind="newsletter", status="draft", **czech,
                        **{f"{key}_en": value for key, value in english.items()},
                        created_by_id=request.identity.id, in_archive=True,
                        lists=[], audiences=[])
    request.dbsession.add(campaign)
    request.dbsession.flush()
    return campaign


@hookimpl(optionalhook=True)
def hub_grants_call_invitation(request, call):
    campaign = draft_invitation(request, call)
    request.session.flash(request.localizer.translate(_(
        "An invitation to the call was drafted. Choose who receives it, check the text and "
        "submit it for approval.")), "success")
    return request.route_path("newsletter.campaign_edit", id=campaign.id)
