"""The profile page: the user's own data, security settings and sections of plugins."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import Field, Form
from hub.accounts.views import ROLE_LABELS, language_options
from hub.i18n import LANGUAGE_COOKIE, _
from hub.security import AUTHENTICATED
from hub.shell import flatten


def profile_form(request, user) -> Form:
    return Form(request, [
        Field("name", _("Full name"), autocomplete="name", maxlength=200),
        Field("language", _("Language of e-mails and pages"), "select",
              options=language_options(request)),
    ], values={"name": user.name, "language": user.language})


def sections(request, user) -> list[dict]:
    found = flatten(request.hooks.hub_profile_sections(request=request, user=user))
    found.sort(key=lambda s: (s.order, s.name))
    blocks = []
    for section in found:
        html = section.render(request, user)
        if html is not None:
            blocks.append({"name": section.name, "title": request.shell.translate(section.title),
                           "html": html})
    return blocks


@view_config(route_name="profile", renderer="hub:templates/profile/profile.pt",
             permission=AUTHENTICATED)
def profile(request):
    from hub.organizations.views import memberships_of

    user = request.identity
    form = profile_form(request, user)
    if request.method == "POST":
        # Only these two fields are read: role, e-mail or organisations cannot be set here.
        values = form.read()
        if form.ok:
            user.name, user.language = values["name"], values["language"]
            request.session.flash(_("Your profile has been saved."), "success")
            response = HTTPSeeOther(location=request.route_path("profile"))
            response.set_cookie(LANGUAGE_COOKIE, user.language, max_age=365 * 24 * 3600,
                                path="/", samesite="Lax", httponly=True,
                                secure=request.registry.settings["hub.secure_cookies"])
            return response
    return {"user": user, "form": form, "role_label": ROLE_LABELS[user.role],
            "form_id": "profile-form",
            "action": request.route_path("profile"), "submit": _("Save"),
            "memberships": memberships_of(request, user),
            "sections": sections(request, user),
            "breadcrumbs": [(_("My profile"), None)]}


def includeme(config):
    config.add_route("profile", "/profile")
    config.scan("hub.profile")
