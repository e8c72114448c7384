"""Hook implementations of the core's accounts (an internal plugin)."""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import NavItem
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "user":
        return [NavItem(_("My profile"), route="profile", permission=AUTHENTICATED, order=20,
                        match=("profile", "privacy_", "password_change", "account_2fa",
                               "email_change"))]
    if menu == "admin":
        return [NavItem(_("Users"), route="admin_users", permission=STAFF, order=10,
                        match=("admin_user",)),
                NavItem(_("Missing translations"), route="admin_translations",
                        permission=STAFF, order=95)]
    return None


@hookimpl
def hub_personal_data_tables():
    # auth_attempt holds only SHA-256 digests and is emptied by its own time window.
    from hub.privacy import USER_TABLES

    return ["user", "user_session", "account_token", "recovery_code", "audit_event",
            "mail_message", *USER_TABLES]


AUDIT_KEPT_RULE = _(
    "When your account is deleted, the account events are kept with the number of the "
    "deleted account only, without your name or e-mail address: the hub must be able to "
    "show how it handled personal data (GDPR Art. 5(2)).")


@hookimpl
def hub_personal_data_export(request, user):
    from hub.accounts.models import AuditEvent, RecoveryCode, UserSession

    db = request.dbsession
    sessions = db.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                          .order_by(UserSession.created_at)).all()
    audit = db.scalars(sa.select(AuditEvent).where(sa.or_(
        AuditEvent.subject_id == user.id, AuditEvent.actor_id == user.id))
        .order_by(AuditEvent.id)).all()
    codes = db.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    from hub.privacy import export_core_tables

    return {
        **export_core_tables(request, user),
        _("Account"): [{
            "id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "language": user.language, "active": user.is_active,
            "created_at": user.created_at, "email_verified_at": user.email_verified_at,
            "password_changed_at": user.password_changed_at,
            "terms_version": user.terms_version, "terms_accepted_at": user.terms_accepted_at,
            "two_factor": bool(user.totp_secret), "unused_recovery_codes": codes}],
        _("Signed-in sessions"): [
            {"created_at": s.created_at, "last_seen_at": s.last_seen_at,
             "user_agent": s.user_agent} for s in sessions],
        _("Account events"): [
            {"when": e.created_at, "action": e.action,
             "by_you": e.actor_id == user.id, "details": e.details} for e in audit],
        _("Account events after deleting the account"): [
            {"rule": request.shell.translate(AUDIT_KEPT_RULE)}],
    }


@hookimpl
def hub_personal_data_erase(request, user):
    from hub.accounts import ratelimit
    from hub.accounts.models import AccountToken, AuthAttempt, RecoveryCode, UserSession
    from hub.privacy import erase_core_tables

    db = request.dbsession
    erase_core_tables(request, user)
    for model in (AccountToken, RecoveryCode, UserSession):
        db.execute(sa.delete(model).where(model.user_id == user.id))
    db.execute(sa.delete(AuthAttempt).where(AuthAttempt.key == ratelimit.digest(user.email)))
    # audit_event rows are kept (accountability, GDPR Art. 5(2)): they hold ids, no names.


@hookimpl
def hub_activity(request, user):
    """Account milestones for the CRM timeline."""
    entries = [{"when": user.created_at, "kind": _("Account"), "title": _("Account created"),
                "url": None}]
    if user.email_verified_at:
        entries.append({"when": user.email_verified_at, "kind": _("Account"),
                        "title": _("E-mail address confirmed"), "url": None})
    if user.terms_accepted_at:
        entries.append({"when": user.terms_accepted_at, "kind": _("Account"),
                        "title": _("Terms of use accepted (version ${version})",
                                   mapping={"version": user.terms_version}), "url": None})
    return entries
