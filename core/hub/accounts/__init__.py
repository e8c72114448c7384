"""People: user accounts, roles and server-side sessions."""


def includeme(config):
    from pyramid.events import ContextFound

    from hub.accounts.session_stores import configure
    from hub.accounts.views import require_2fa_for_staff

    configure(config)  # after hub.sessions: may replace its database store with Redis

    config.add_route("login", "/login")
    config.add_route("login_2fa", "/login/2fa")
    config.add_route("logout", "/logout")
    config.add_route("logout_everywhere", "/logout/everywhere")
    config.add_route("register", "/register")
    config.add_route("register_done", "/register/done")
    config.add_route("verify_email", "/account/verify")
    config.add_route("password_reset", "/account/reset")
    config.add_route("password_reset_confirm", "/account/reset/confirm")
    config.add_route("password_change", "/account/password")
    config.add_route("account_2fa", "/account/2fa")
    config.add_route("email_change", "/account/email")
    config.add_route("email_confirm", "/account/email/confirm")
    config.add_route("terms", "/terms")
    config.add_subscriber(require_2fa_for_staff, ContextFound)
    config.scan("hub.accounts.views")
