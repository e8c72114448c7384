"""Public pages of the newsletter plugin: subscribing, confirming, unsubscribing, choosing
lists, the archive, and the counters of opens and clicks."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from hub.consent import OutdatedText
from hub.dates import format_moment, language
from hub.security import PUBLIC
from hub_newsletter import services
from hub_newsletter.i18n import _
from hub_newsletter.models import Campaign, NewsletterList, Subscriber
from hub_newsletter.purposes import LIST_PURPOSE

# -- public: subscribing ---------------------------------------------------------------------

def consent_values(request) -> dict:
    """The consent text a form shows, and its version (sent back with the form)."""
    language = request.locale_name
    return {"consent_title": LIST_PURPOSE.title_in(language),
            "consent_text": LIST_PURPOSE.text_in(language),
            "consent_version": LIST_PURPOSE.text_version}


def _subscribe_values(request, form=None, errors=None):
    return {"lists": services.public_lists(request.dbsession), "form": form or {},
            "errors": errors or {}, "breadcrumbs": [(_("Newsletters"), None)],
            "has_archive": True, **consent_values(request)}


TEXT_CHANGED = _("The consent text has just changed. Read it again, please, and confirm.")


@view_config(route_name="newsletter.index", renderer="hub_newsletter:templates/index.pt",
             permission=PUBLIC, request_method="GET")
def index(request):
    user = request.identity
    form = {"email": user.email, "name": user.name} if user is not None else {}
    return _subscribe_values(request, form)


@view_config(route_name="newsletter.index", renderer="hub_newsletter:templates/index.pt",
             permission=PUBLIC, request_method="POST")
def subscribe(request):
    post = request.POST
    email = services.normalise_email(post.get("email", ""))
    name = post.get("name", "").strip()[:200]
    wanted = {int(v) for v in post.getall("list") if v.isdigit()}
    lists = [nl for nl in services.public_lists(request.dbsession) if nl.id in wanted]
    errors = {}
    if not services.valid_email(email):
        errors["email"] = _("Enter an e-mail address like jana.novakova@example.cz.")
    if not lists:
        errors["list"] = _("Choose at least one newsletter.")
    if post.get("consent") != "on":
        errors["consent"] = _("Without your consent we cannot send you newsletters.")
    if errors:
        request.response.status = 422
        return _subscribe_values(request, {"email": email, "name": name, "lists": wanted},
                                 errors)
    try:
        changed, at_once = services.subscribe(request, email, name, lists, request.locale_name,
                                              post.get("text_version", ""))
    except OutdatedText:
        request.response.status = 409
        return _subscribe_values(request, {"email": email, "name": name, "lists": wanted},
                                 {"consent": TEXT_CHANGED})
    if changed and at_once:
        request.session.flash(request.shell.translate(_("You are subscribed.")), "success")
    else:
        request.session.flash(request.shell.translate(
            _("Almost done: we have sent you an e-mail. Confirm the subscription with the link "
              "in it.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.index"))


@view_config(route_name="newsletter.confirm", renderer="hub_newsletter:templates/confirm.pt",
             permission=PUBLIC, request_method="GET")
def confirm_page(request):
    # GET never writes: link scanners in mail systems open links; a person presses the button.
    subscription = services.pending_request(request, request.matchdict["token"])
    if subscription is None:
        request.response.status = 404
        return {"subscription": None, "breadcrumbs": [(_("Newsletters"), None)]}
    return {"subscription": subscription, **consent_values(request),
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Confirm subscription"), None)]}


@view_config(route_name="newsletter.confirm", permission=PUBLIC, request_method="POST")
def confirm(request):
    token = request.matchdict["token"]
    try:
        nl = services.confirm(request, token, request.POST.get("text_version", ""))
    except OutdatedText:
        request.session.flash(request.shell.translate(TEXT_CHANGED), "error")
        return HTTPSeeOther(request.route_path("newsletter.confirm", token=token))
    if nl is None:
        request.session.flash(request.shell.translate(
            _("This confirmation link is no longer valid. Subscribe again, please.")), "error")
    else:
        request.session.flash(request.shell.translate(
            _("Thank you, your subscription to ${list} is confirmed.",
              mapping={"list": nl.name})), "success")
    return HTTPSeeOther(request.route_path("newsletter.index"))


# -- public: unsubscribe (RFC 8058) and preferences -------------------------------------------

def _subscriber_by_token(request) -> Subscriber:
    token = request.matchdict["token"]
    subscriber = request.dbsession.scalar(sa.select(Subscriber).where(Subscriber.token == token))
    if subscriber is None:
        raise HTTPBadRequest(request.shell.translate(
            _("This link is not valid. Use the link from the newest e-mail.")))
    return subscriber


@view_config(route_name="newsletter.unsubscribe",
             renderer="hub_newsletter:templates/unsubscribe.pt", permission=PUBLIC,
             request_method="GET")
def unsubscribe_page(request):
    subscriber = _subscriber_by_token(request)
    return {"subscriber": subscriber, "done": False,
            "campaign": request.GET.get("c", ""),
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Unsubscribe"), None)]}


# RFC 8058 one-click unsubscribe: mail providers POST "List-Unsubscribe=One-Click" to this
# URL without cookies, so no CSRF token can exist. The random, purpose-bound token in the
# URL authorises the request instead, and the action only ever removes mail (idempotent).
@view_config(route_name="newsletter.unsubscribe",
             renderer="hub_newsletter:templates/unsubscribe.pt", permission=PUBLIC,
             request_method="POST", require_csrf=False)
def unsubscribe(request):
    subscriber = _subscriber_by_token(request)
    campaign = request.GET.get("c", "")
    services.unsubscribe_everything(request, subscriber,
                                    int(campaign) if campaign.isdigit() else None)
    return {"subscriber": subscriber, "done": True, "campaign": campaign,
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Unsubscribe"), None)]}


def _preferences_values(request, subscriber):
    lists = {nl.id: nl for nl in services.public_lists(request.dbsession)}
    subscribed = services.subscribed_list_ids(request, subscriber.email)
    lists.update((nl.id, nl) for nl in request.dbsession.scalars(
        sa.select(NewsletterList).where(NewsletterList.id.in_(subscribed - set(lists)))))
    return {"subscriber": subscriber, "lists": sorted(lists.values(), key=lambda nl: nl.name),
            "subscribed": subscribed, **consent_values(request),
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Manage subscriptions"), None)]}


@view_config(route_name="newsletter.preferences",
             renderer="hub_newsletter:templates/preferences.pt", permission=PUBLIC,
             request_method="GET")
def preferences_page(request):
    return _preferences_values(request, _subscriber_by_token(request))


@view_config(route_name="newsletter.preferences", permission=PUBLIC, request_method="POST")
def preferences(request):
    subscriber = _subscriber_by_token(request)
    wanted = {int(v) for v in request.POST.getall("list") if v.isdigit()}
    if request.POST.get("language") in ("cs", "en"):
        # The language of every newsletter to this address (English or Czech version).
        subscriber.language = request.POST["language"]
    try:
        services.set_preferences(request, subscriber, wanted, request.POST.get("text_version", ""))
    except OutdatedText:
        request.session.flash(request.shell.translate(TEXT_CHANGED), "error")
        return HTTPSeeOther(request.route_path("newsletter.preferences", token=subscriber.token))
    request.session.flash(request.shell.translate(_("Your choices are saved.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.preferences", token=subscriber.token))


# -- public: archive --------------------------------------------------------------------------

def _archived(request):
    return (sa.select(Campaign).where(Campaign.status == "sent", Campaign.in_archive.is_(True))
            .order_by(Campaign.finished_at.desc(), Campaign.id.desc()))


@view_config(route_name="newsletter.archive", renderer="hub_newsletter:templates/archive.pt",
             permission=PUBLIC)
def archive(request):
    from hub_newsletter.rendering import archive_subject, version_of

    campaigns = request.dbsession.scalars(_archived(request).limit(200)).all()
    lang = language(request)
    return {"campaigns": campaigns,
            "when": lambda c: format_moment(c.finished_at, request.locale_name),
            "subject": lambda c: archive_subject(c, lang),
            "lang_of": lambda c: version_of(c, lang),
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Archive"), None)]}


@view_config(route_name="newsletter.archive_item",
             renderer="hub_newsletter:templates/archive_item.pt", permission=PUBLIC)
def archive_item(request):
    """A sent campaign in the visitor's language, or in Czech (marked so) without an
    English version."""
    from hub_newsletter.rendering import archive_body, archive_subject, version_of

    campaign = request.dbsession.get(Campaign, int_or_404(request.matchdict["id"]))
    if campaign is None or campaign.status != "sent" or not campaign.in_archive:
        raise HTTPNotFound()
    lang = language(request)
    subject = archive_subject(campaign, lang)
    return {"campaign": campaign, "subject": subject, "version": version_of(campaign, lang),
            "body": archive_body(request, campaign, lang),
            "when": format_moment(campaign.finished_at, request.locale_name),
            "breadcrumbs": [(_("Newsletters"), request.route_path("newsletter.index")),
                            (_("Archive"), request.route_path("newsletter.archive")),
                            (subject, None)]}


def int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HTTPNotFound() from None


# -- opens and clicks (aggregate counters, only for campaigns that enable them) ----------------

PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
         b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _tracked_campaign(request, what: str) -> Campaign | None:
    """The campaign of a counting URL whose signature for ``what`` is valid."""
    import hmac

    from hub_newsletter.rendering import track_signature

    campaign_id = request.matchdict["id"]
    if not campaign_id.isdigit():
        return None
    campaign = request.dbsession.get(Campaign, int(campaign_id))
    if campaign is None or not campaign.track_key:
        return None
    if not hmac.compare_digest(track_signature(campaign, what), request.GET.get("s", "")):
        return None
    return campaign


def _count(request, campaign: Campaign, column: str) -> None:
    if campaign.track:
        request.dbsession.execute(sa.update(Campaign).where(Campaign.id == campaign.id)
                                  .values({column: getattr(Campaign, column) + 1}))


@view_config(route_name="newsletter.open", permission=PUBLIC, request_method="GET")
def tracking_pixel(request):
    """The counting pixel: one more open for the campaign (never who opened it)."""
    campaign = _tracked_campaign(request, "open")
    if campaign is not None:
        _count(request, campaign, "opens")
    response = Response(PIXEL, content_type="image/gif")
    response.cache_control = "no-store, private"
    return response


@view_config(route_name="newsletter.click", permission=PUBLIC, request_method="GET")
def tracking_click(request):
    """A link of the campaign: one more click, then on to the link's address.

    Only addresses signed for this campaign redirect (no open redirect).
    """
    url = request.GET.get("u", "")
    campaign = _tracked_campaign(request, url)
    if campaign is None or not url.startswith(("https://", "http://")):
        raise HTTPNotFound()
    _count(request, campaign, "clicks")
    response = HTTPSeeOther(location=url)
    response.cache_control = "no-store, private"
    return response
