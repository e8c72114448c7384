"""What people do themselves: ask the hub a question, and choose their consents and
directory listing (by a personal link or signed in, and on their profile)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.consent import OutdatedText
from hub.security import AUTHENTICATED, PUBLIC
from hub.shell import render_snippet
from hub_crm import consent, services
from hub_crm.i18n import _
from hub_crm.models import PURPOSES, Contact, Enquiry
from hub_crm.view_helpers import EMAIL_RE, base_values, flash


@view_config(route_name="crm.ask", renderer="hub_crm:templates/ask.pt", permission=PUBLIC)
def ask(request):
    elsewhere = services.questions_url(request)
    if elsewhere is not None:
        return HTTPSeeOther(elsewhere)
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
