"""The migration that gives API tokens scopes, staff rights and an expiry."""
import datetime as dt

import sqlalchemy as sa

from hub import migrate
from hub.db import utcnow

BEFORE, AFTER = "c4d2a7f19e30", "d5e8a1c3f702"


def _token(conn, user_id, name, expires_at=None):
    conn.execute(sa.text(
        "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at, expires_at) "
        "VALUES (:user_id, :name, :hash, 'hub_x', :now, :expires)"),
        {"user_id": user_id, "name": name, "hash": name.ljust(64, "0"), "now": utcnow(),
         "expires": expires_at})


def _user(conn, email, role):
    return conn.execute(sa.text(
        'INSERT INTO "user" (email, name, role, language, is_active, created_at) '
        "VALUES (:email, :email, :role, 'cs', :yes, :now) RETURNING id"),
        {"email": email, "role": role, "yes": True, "now": utcnow()}).scalar_one()


def _tokens(conn):
    rows = conn.execute(sa.text(
        "SELECT name, scopes, staff_rights, expires_at FROM api_token")).all()
    return {name: (scopes, bool(staff), expires) for name, scopes, staff, expires in rows}


def test_existing_tokens_keep_working_within_the_new_rules(migration_registry):
    registry = migration_registry()
    engine = registry["hub.dbengine"]
    migrate.upgrade(registry, BEFORE, branch="core")
    later = utcnow() + dt.timedelta(days=10)
    with engine.begin() as conn:
        member, staff = _user(conn, "m@example.org", "member"), _user(conn, "s@example.org",
                                                                     "staff")
        _token(conn, member, "member-forever")
        _token(conn, member, "member-10-days", later)
        _token(conn, staff, "staff-forever")
    migrate.upgrade(registry, AFTER, branch="core")
    with engine.connect() as conn:
        tokens = _tokens(conn)
    in_90_days = utcnow() + dt.timedelta(days=90)
    assert {name: value[:2] for name, value in tokens.items()} == {
        "member-forever": ("read write", False), "member-10-days": ("read write", False),
        "staff-forever": ("read write", True)}
    for name in ("member-forever", "staff-forever"):
        expires = tokens[name][2]
        expires = expires if isinstance(expires, dt.datetime) else dt.datetime.fromisoformat(
            expires)
        assert abs(expires.replace(tzinfo=dt.UTC) - in_90_days) < dt.timedelta(minutes=5)

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE api_token SET scopes = 'read' "
                             "WHERE name = 'member-10-days'"))
        conn.execute(sa.text("UPDATE api_token SET staff_rights = :no "
                             "WHERE name = 'staff-forever'"), {"no": False})
    migrate.downgrade(registry, "core", AFTER + "-1")  # this revision only
    with engine.connect() as conn:
        revoked = dict(conn.execute(sa.text(
            "SELECT name, revoked_at IS NOT NULL FROM api_token")).all())
    # Downgrading would widen these two: they are revoked instead.
    assert {name: bool(value) for name, value in revoked.items()} == {
        "member-forever": False, "member-10-days": True, "staff-forever": True}
    engine.dispose()
