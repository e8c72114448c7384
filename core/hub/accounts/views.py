"""Sign-in, registration, e-mail verification, password reset and change, two-factor."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from hub.accounts import links, ratelimit, twofactor
from hub.accounts.forms import Field, Form
from hub.accounts.models import AuditEvent, User
from hub.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from hub.db import utcnow
from hub.i18n import LANGUAGE_NAMES, _, localizer_for
from hub.mail import queue_mail
from hub.security import AUTHENTICATED, PUBLIC, safe_redirect_target
from hub.sessions import end_sessions_of

log = logging.getLogger("hub.accounts")

FORM_PAGE = "hub:templates/accounts/form_page.pt"
MESSAGE_PAGE = "hub:templates/accounts/message.pt"
PENDING_2FA = "pending_2fa"
PENDING_2FA_MINUTES = 5
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'

EMAIL = Field("email", _("E-mail"), "email", autocomplete="email", maxlength=254)
NEW_PASSWORD = Field("password", _("Password"), "password", autocomplete="new-password",
                     maxlength=None,
                     hint=_("At least 12 characters. A few unrelated words are easy to remember "
                            "and hard to guess."))
CODE = Field("code", _("Code"), autocomplete="one-time-code", inputmode="numeric", maxlength=40,
             hint=_("The 6-digit code from your authenticator app, or one of your recovery "
                    "codes."))


ROLE_LABELS = {"member": _("Member"), "staff": _("Hub staff"), "admin": _("Administrator")}


def normalise_email(value: str) -> str:
    return value.strip().lower()


def language_options(request) -> tuple:
    return tuple((code, LANGUAGE_NAMES.get(code, code))
                 for code in request.registry.settings["hub.available_locales"])


def page(request, heading, form=None, submit=None, intro=(), links_=(), action=None, **extra):
    return {"heading": heading, "form": form, "submit": submit, "intro": list(intro),
            "links": list(links_), "form_id": extra.pop("form_id", "account-form"),
            "action": action or request.path_qs, "breadcrumbs": [(heading, None)], **extra}


def send_account_mail(request, user: User, subject, lines: list) -> None:
    localizer = localizer_for(request.registry, user.language)
    text = "\n\n".join(localizer.translate(line) for line in lines)
    queue_mail(request, user.email, localizer.translate(subject), text)


def mail_allowed(request, user: User) -> bool:
    """Limit mails one address and one client can trigger (no mail bombing)."""
    checks = [("mail_account", user.email), ("mail_ip", ratelimit.client_ip(request))]
    if ratelimit.retry_after(request, checks):
        return False
    ratelimit.record(request, checks)
    return True


def send_verification(request, user: User) -> None:
    url = links.link(request, "verify_email", links.issue(request, user, "verify"))
    send_account_mail(request, user, _("Confirm your e-mail address"), [
        _("Hello ${name},", mapping={"name": user.name}),
        _("please confirm your e-mail address for ${site} by opening this link "
          "(valid for 48 hours):", mapping={"site": request.registry.settings["hub.site_name"]}),
        url,
        _("If you did not create an account, ignore this message."),
    ])


def too_many_attempts(request, form: Form, seconds: int):
    request.response.status = 429
    request.response.headers["Retry-After"] = str(seconds)
    minutes = max(1, (seconds + 59) // 60)
    form.error(None, _("Too many attempts. Try again in ${minutes} minutes.",
                       mapping={"minutes": minutes}))


# -- sign in and out ----------------------------------------------------------------------

def login_form(request) -> Form:
    return Form(request, [
        EMAIL, Field("password", _("Password"), "password", autocomplete="current-password",
                     maxlength=None)])


def finish_login(request, user: User, target: str):
    """Start the signed-in session (new id, new CSRF token) and leave the login pages."""
    links.revoke(request, user, "reset")  # a reset link stops working once you sign in
    remember(request, user.id)
    ratelimit.clear(request, "login_account", user.email)
    log.info("login ok user_id=%s", user.id)
    return HTTPSeeOther(location=target)


@view_config(route_name="login", renderer=FORM_PAGE, permission=PUBLIC)
def login(request):
    target = safe_redirect_target(request, request.params.get("next"),
                                  request.route_path("dashboard"))
    if request.identity is not None and request.method == "GET":
        return HTTPFound(location=target)
    form = login_form(request)
    if request.method == "POST":
        values = form.read()
        email = normalise_email(values["email"])
        if form.ok:
            checks = [("login_account", email), ("login_ip", ratelimit.client_ip(request))]
            wait = ratelimit.retry_after(request, checks)
            if wait:
                too_many_attempts(request, form, wait)
            else:
                user = request.dbsession.scalar(sa.select(User).where(User.email == email))
                good = verify_password(user.password_hash if user else None, values["password"])
                if good and user.is_active and user.email_verified_at is None:
                    if mail_allowed(request, user):
                        send_verification(request, user)
                    form.error(None, _("Confirm your e-mail address first: we have sent you "
                                       "a new link."))
                elif good and user.is_active:
                    if needs_rehash(user.password_hash):
                        user.password_hash = hash_password(values["password"])
                    if user.totp_secret:
                        request.session[PENDING_2FA] = {
                            "user_id": user.id, "next": target, "at": utcnow().isoformat()}
                        return HTTPSeeOther(location=request.route_path("login_2fa"))
                    return finish_login(request, user, target)
                else:
                    ratelimit.record(request, checks)
                    log.info("login failed")
                    form.error(None, _("The e-mail or the password is not right."))
    return page(request, _("Sign in"), form, _("Sign in"), form_id="login-form",
                action=request.route_path("login", _query={"next": target}),
                links_=[(_("Forgotten password"), request.route_path("password_reset")),
                        (_("Create an account"), request.route_path("register"))])


@view_config(route_name="login_2fa", renderer=FORM_PAGE, permission=PUBLIC)
def login_2fa(request):
    pending = request.session.get(PENDING_2FA)
    fresh = pending and utcnow() - dt.datetime.fromisoformat(pending["at"]) < dt.timedelta(
        minutes=PENDING_2FA_MINUTES)
    user = request.dbsession.get(User, pending["user_id"]) if fresh else None
    if user is None or not user.is_active or not user.totp_secret:
        request.session.pop(PENDING_2FA, None)
        request.session.flash(_("Sign in again, please."), "error")
        return HTTPFound(location=request.route_path("login"))
    form = Form(request, [CODE])
    if request.method == "POST":
        values = form.read()
        if form.ok:
            checks = [("totp", user.id)]
            wait = ratelimit.retry_after(request, checks)
            if wait:
                too_many_attempts(request, form, wait)
            elif twofactor.verify_and_use(request.dbsession, user, values["code"]):
                if len("".join(values["code"].split())) != 6:
                    send_account_mail(request, user, _("A recovery code was used"), [
                        _("Someone signed in to your account with a recovery code. If it was "
                          "not you, change your password and contact the hub team.")])
                ratelimit.clear(request, "totp", user.id)
                response = finish_login(request, user, pending["next"])
                twofactor.record_check(request)  # after finish_login: the session is new
                return response
            else:
                ratelimit.record(request, checks)
                form.error("code", _("The code is not right or has already been used."))
    return page(request, _("Two-factor sign-in"), form, _("Continue"), form_id="login-2fa-form",
                intro=[_("Enter the code from your authenticator app.")])


def logged_out(request, everywhere: bool):
    user = request.identity
    if user is not None and everywhere:
        end_sessions_of(request, user)
        request.dbsession.add(AuditEvent(actor_id=user.id, subject_id=user.id,
                                         action="signed_out_everywhere"))
    forget(request)
    response = HTTPSeeOther(location=request.route_path("home"))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@view_config(route_name="logout", request_method="POST", permission=PUBLIC)
def logout(request):
    return logged_out(request, everywhere=False)


@view_config(route_name="logout_everywhere", request_method="POST", permission=AUTHENTICATED)
def logout_everywhere(request):
    return logged_out(request, everywhere=True)


# -- registration -------------------------------------------------------------------------

def register_form(request) -> Form:
    return Form(request, [
        Field("name", _("Full name"), autocomplete="name", maxlength=200),
        EMAIL, NEW_PASSWORD,
        Field("language", _("Language of e-mails and pages"), "select",
              options=language_options(request)),
        Field("terms", _("I accept the terms of use and the privacy notice"), "checkbox",
              hint=_("You can read them on the page linked below the form.")),
    ], values={"language": request.locale_name})


def insert_user(request, user: User) -> bool:
    """Add ``user``; False when the address was registered at the same moment (the unique
    constraint decides, the request's transaction stays usable)."""
    try:
        with request.dbsession.begin_nested():
            request.dbsession.add(user)
            request.dbsession.flush()
    except sa.exc.IntegrityError:
        return False
    return True


@view_config(route_name="register", renderer=FORM_PAGE, permission=PUBLIC)
def register(request):
    if request.identity is not None:
        return HTTPFound(location=request.route_path("dashboard"))
    form = register_form(request)
    if request.method == "POST":
        values = form.read()
        email = normalise_email(values["email"])
        if email and ("@" not in email or " " in email or email.startswith("@")
                      or email.endswith("@")):
            form.error("email", _("Enter an e-mail address like name@example.cz."))
        if values["password"] and "password" not in form.errors:
            problem = password_problem(values["password"], (values["name"], email))
            if problem:
                form.error("password", problem)
        if form.ok:
            user = User(email=email, name=values["name"], language=values["language"],
                        password_hash=hash_password(values["password"]),
                        terms_version=request.registry.settings["hub.terms_version"],
                        terms_accepted_at=utcnow())
            existing = request.dbsession.scalar(sa.select(User).where(User.email == email))
            if existing is None and insert_user(request, user):
                send_verification(request, user)
            elif existing is not None and mail_allowed(request, existing):
                # Same answer as for a new address (no enumeration); tell the owner.
                send_account_mail(request, existing, _("Someone tried to register again"), [
                    _("Somebody tried to create an account with your e-mail address. You "
                      "already have one: sign in, or reset your password at ${url}",
                      mapping={"url": request.registry.settings["hub.base_url"].rstrip("/")
                               + request.route_path("password_reset")})])
            return HTTPSeeOther(location=request.route_path("register_done"))
    return page(request, _("Create an account"), form, _("Create account"),
                form_id="register-form",
                intro=[_("With an account you can book rooms, register for events and "
                         "follow courses.")],
                links_=[(_("Terms of use and privacy notice"), request.route_path("terms")),
                        (_("I already have an account"), request.route_path("login"))])


@view_config(route_name="register_done", renderer=MESSAGE_PAGE, permission=PUBLIC)
def register_done(request):
    return page(request, _("Check your e-mail"), intro=[
        _("We have sent a link to the address you entered. Open it to confirm the address, "
          "then sign in."),
        _("No message? Look in the spam folder, or register again in a few minutes.")])


@view_config(route_name="terms", renderer="hub:templates/accounts/terms.pt", permission=PUBLIC)
def terms(request):
    return {"version": request.registry.settings["hub.terms_version"],
            "breadcrumbs": [(_("Terms of use and privacy notice"), None)]}


@view_config(route_name="verify_email", renderer=FORM_PAGE, permission=PUBLIC)
def verify_email(request):
    token = request.params.get("token", "")
    form = Form(request, [Field("token", "", "hidden", maxlength=100)], values={"token": token})
    if request.method == "POST":
        user = links.consume(request, token, "verify")
        if user is not None:
            if user.email_verified_at is None:
                user.email_verified_at = utcnow()
            request.session.flash(_("Your e-mail address is confirmed. You can sign in now."),
                                  "success")
            return HTTPSeeOther(location=request.route_path("login"))
    if (request.method == "POST" or links.peek(request, token, "verify") is None):
        return page(request, _("The link does not work"), form=None, intro=[
            _("The link is wrong, has expired or has already been used. Sign in to get a new "
              "one.")], links_=[(_("Sign in"), request.route_path("login"))])
    return page(request, _("Confirm your e-mail address"), form, _("Confirm"),
                form_id="verify-form", action=request.route_path("verify_email"))


# -- password reset and change ------------------------------------------------------------

@view_config(route_name="password_reset", renderer=FORM_PAGE, permission=PUBLIC)
def password_reset(request):
    form = Form(request, [EMAIL])
    if request.method == "POST":
        values = form.read()
        if form.ok:
            email = normalise_email(values["email"])
            user = request.dbsession.scalar(sa.select(User).where(User.email == email))
            if user is not None and user.is_active and mail_allowed(request, user):
                url = links.link(request, "password_reset_confirm",
                                 links.issue(request, user, "reset"))
                send_account_mail(request, user, _("Reset your password"), [
                    _("Hello ${name},", mapping={"name": user.name}),
                    _("open this link to choose a new password (valid for one hour, once):"),
                    url,
                    _("If you did not ask for it, ignore this message; your password stays "
                      "the same.")])
            request.session.flash(_("If an account with that address exists, we have sent "
                                    "it a link to reset the password."), "success")
            return HTTPSeeOther(location=request.route_path("login"))
    return page(request, _("Forgotten password"), form, _("Send link"),
                form_id="reset-form",
                intro=[_("Enter the e-mail address of your account. We will send you a "
                         "link to choose a new password.")])


def set_password(request, user: User, password: str) -> None:
    """New password: other sessions end and reset links stop working."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    links.revoke(request, user, "reset")
    log.info("password changed user_id=%s", user.id)
    send_account_mail(request, user, _("Your password was changed"), [
        _("The password of your account has just been changed and you have been signed out "
          "everywhere else. If it was not you, reset your password at once and tell the hub "
          "team.")])


@view_config(route_name="password_reset_confirm", renderer=FORM_PAGE, permission=PUBLIC)
def password_reset_confirm(request):
    token = request.params.get("token", "")
    user = links.peek(request, token, "reset")
    if user is None or not user.is_active:
        return page(request, _("The link does not work"), intro=[
            _("The link is wrong, has expired or has already been used. Ask for a new one.")],
            links_=[(_("Forgotten password"), request.route_path("password_reset"))])
    form = Form(request, [Field("token", "", "hidden", maxlength=100), NEW_PASSWORD],
                values={"token": token})
    if request.method == "POST":
        values = form.read()
        if values["password"] and "password" not in form.errors:
            problem = password_problem(values["password"], (user.name, user.email))
            if problem:
                form.error("password", problem)
        if form.ok and links.consume(request, token, "reset") is not None:
            set_password(request, user, values["password"])
            end_sessions_of(request, user)
            if user.email_verified_at is None:
                user.email_verified_at = utcnow()  # the link proved the address
            request.session.flash(_("Your password has been changed. Sign in with the new "
                                    "one."), "success")
            return HTTPSeeOther(location=request.route_path("login"))
    return page(request, _("Choose a new password"), form, _("Save password"),
                form_id="reset-confirm-form", action=request.route_path("password_reset_confirm"))


@view_config(route_name="password_change", renderer=FORM_PAGE, permission=AUTHENTICATED)
def password_change(request):
    user = request.identity
    form = Form(request, [
        Field("current", _("Current password"), "password", autocomplete="current-password",
              maxlength=None),
        Field("password", _("New password"), "password", autocomplete="new-password",
              maxlength=None, hint=NEW_PASSWORD.hint)])
    if request.method == "POST":
        values = form.read()
        if form.ok and not verify_password(user.password_hash, values["current"]):
            form.error("current", _("The current password is not right."))
        if values["password"] and "password" not in form.errors:
            problem = password_problem(values["password"], (user.name, user.email))
            if problem:
                form.error("password", problem)
        if form.ok:
            set_password(request, user, values["password"])
            end_sessions_of(request, user)
            remember(request, user.id)  # this browser stays signed in, with a new session
            request.session.flash(_("Your password has been changed. You have been signed out "
                                    "on your other devices."), "success")
            return HTTPSeeOther(location=request.route_path("profile"))
    return page(request, _("Change password"), form, _("Change password"),
                form_id="password-form", breadcrumbs=[(_("My profile"),
                                                       request.route_path("profile")),
                                                      (_("Change password"), None)])


# -- two-factor enrolment -----------------------------------------------------------------

TOTP_PENDING = "totp_pending"


@view_config(route_name="account_2fa", renderer="hub:templates/accounts/twofactor.pt",
             permission=AUTHENTICATED)
def account_2fa(request):
    user = request.identity
    form = Form(request, [Field("code", _("Code from the app"), autocomplete="one-time-code",
                                inputmode="numeric", maxlength=40)])
    codes = None
    if not user.totp_secret:
        secret = request.session.get(TOTP_PENDING)
        if not secret:
            secret = request.session[TOTP_PENDING] = twofactor.new_secret()
        if request.method == "POST" and request.POST.get("action") == "enable":
            values = form.read()
            step = twofactor.matching_step(secret, values["code"]) if form.ok else None
            if step is None:
                form.error("code", _("The code is not right. Check the time on your phone and "
                                     "try the next code."))
            else:
                user.totp_secret, user.totp_last_step = secret, step
                request.session.pop(TOTP_PENDING, None)
                twofactor.record_check(request)
                codes = twofactor.new_recovery_codes(request.dbsession, user)
                log.info("2fa enabled user_id=%s", user.id)
                send_account_mail(request, user, _("Two-factor sign-in is on"), [
                    _("Two-factor sign-in has been switched on for your account. If it was "
                      "not you, contact the hub team.")])
        uri = twofactor.provisioning_uri(secret, user, request.registry.settings["hub.site_name"])
    else:
        secret = uri = None
        action = request.POST.get("action") if request.method == "POST" else None
        if action == "codes":
            codes = twofactor.new_recovery_codes(request.dbsession, user)
        elif action == "disable" and not user.is_staff:
            values = form.read()
            if form.ok and twofactor.verify_and_use(request.dbsession, user, values["code"]):
                user.totp_secret = user.totp_last_step = None
                twofactor.delete_recovery_codes(request.dbsession, user)
                send_account_mail(request, user, _("Two-factor sign-in is off"), [
                    _("Two-factor sign-in has been switched off for your account. If it was "
                      "not you, change your password and contact the hub team.")])
                request.session.flash(_("Two-factor sign-in is off."), "success")
                return HTTPSeeOther(location=request.route_path("profile"))
            form.error("code", _("The code is not right or has already been used."))
    return {"user": user, "secret": secret, "uri": uri, "form": form, "codes": codes,
            "required": user.is_staff, "enable_label": _("Turn on"),
            "disable_label": _("Turn off"),
            "remaining": twofactor.remaining_recovery_codes(request.dbsession, user)
            if user.totp_secret else 0,
            "breadcrumbs": [(_("My profile"), request.route_path("profile")),
                            (_("Two-factor sign-in"), None)]}


def require_2fa_for_staff(event):
    """Staff and admins without two-factor sign-in are sent to enrolment first."""
    request = event.request
    route = request.matched_route.name if request.matched_route else None
    if route is None or route in TWO_FACTOR_EXEMPT or route.startswith("__"):
        return
    if request.authorization and request.authorization.authtype.lower() == "bearer":
        return
    user = request.identity
    if user is not None and user.is_staff and not user.totp_secret:
        raise HTTPFound(location=request.route_path("account_2fa"))


TWO_FACTOR_EXEMPT = frozenset({"account_2fa", "logout", "login", "login_2fa", "language",
                               "healthz", "health.live", "health.ready", "terms",
                               "accessibility", "home"})


# -- change of e-mail address ---------------------------------------------------------------

def looks_like_email(value: str) -> bool:
    local, _at, domain = value.partition("@")
    return bool(local) and "." in domain and " " not in value and len(value) <= 254


@view_config(route_name="email_change", renderer=FORM_PAGE, permission=AUTHENTICATED)
def email_change(request):
    user = request.identity
    form = Form(request, [
        Field("email", _("New e-mail address"), "email", autocomplete="email", maxlength=254),
        Field("current", _("Current password"), "password", autocomplete="current-password",
              maxlength=None)])
    if request.method == "POST":
        values = form.read()
        email = normalise_email(values["email"])
        if email and not looks_like_email(email):
            form.error("email", _("Enter an e-mail address like name@example.cz."))
        elif email == user.email:
            form.error("email", _("This is already your address."))
        if form.ok and not verify_password(user.password_hash, values["current"]):
            form.error("current", _("The current password is not right."))
        if form.ok and mail_allowed(request, user):
            taken = request.dbsession.scalar(sa.select(User.id).where(User.email == email))
            if taken is None:
                url = links.link(request, "email_confirm",
                                 links.issue(request, user, "email", new_email=email))
                localizer = localizer_for(request.registry, user.language)
                queue_mail(request, email, localizer.translate(_("Confirm your new address")),
                           "\n\n".join(localizer.translate(line) for line in (
                               _("Hello ${name},", mapping={"name": user.name}),
                               _("open this link to use this address for your account "
                                 "(valid for 24 hours):"), url)))
        if form.ok:
            # The same answer whether the address is free or not (no enumeration).
            request.session.flash(_("If the address can be used, we have sent a confirmation "
                                    "link to it. Your address changes when you open it."),
                                  "success")
            return HTTPSeeOther(location=request.route_path("profile"))
    return page(request, _("Change e-mail address"), form, _("Send confirmation link"),
                form_id="email-form",
                intro=[_("Your current address: ${email}", mapping={"email": user.email})],
                breadcrumbs=[(_("My profile"), request.route_path("profile")),
                             (_("Change e-mail address"), None)])


@view_config(route_name="email_confirm", renderer=FORM_PAGE, permission=PUBLIC)
def email_confirm(request):
    token = request.params.get("token", "")
    row = links.valid_row(request, token, "email")
    if row is None:
        return page(request, _("The link does not work"), intro=[
            _("The link is wrong, has expired or has already been used. Ask for a new one.")],
            links_=[(_("My profile"), request.route_path("profile"))])
    form = Form(request, [Field("token", "", "hidden", maxlength=100)], values={"token": token})
    if request.method == "POST":
        user = request.dbsession.get(User, row.user_id)
        old, new = user.email, row.new_email
        if links.consume(request, token, "email") is not None:
            try:
                with request.dbsession.begin_nested():
                    user.email = new
                    request.dbsession.flush()
            except sa.exc.IntegrityError:
                user.email = old
                request.session.flash(_("This address belongs to another account now."),
                                      "error")
                return HTTPSeeOther(location=request.route_path("home"))
            user.email_verified_at = utcnow()
            request.dbsession.add(AuditEvent(actor_id=user.id, subject_id=user.id,
                                             action="email_changed"))
            localizer = localizer_for(request.registry, user.language)
            queue_mail(request, old, localizer.translate(_("Your e-mail address was changed")),
                       localizer.translate(_(
                           "The address of your account is now ${email}. If it was not you, "
                           "contact the hub team at once.", mapping={"email": new})))
            request.session.flash(_("Your e-mail address has been changed."), "success")
            return HTTPSeeOther(location=request.route_path("profile"))
    return page(request, _("Confirm your new address"), form, _("Confirm"),
                form_id="email-confirm-form", action=request.route_path("email_confirm"),
                intro=[_("Use ${email} for your account?", mapping={"email": row.new_email})])
