"""API tokens: scopes, staff rights after a two-factor check, an expiry for every token

Existing tokens keep working as they did, within the new rules:

- scopes ``read write``: they could do everything their owner could, and narrowing them
  would break the programs that use them without warning;
- tokens without an expiry expire 90 days after the upgrade (the default lifetime of a new
  token), so their owners have time to see the date on the tokens page and replace them;
- staff rights for the tokens of current staff and administrators only: those could be
  created only in a two-factor session (or on the command line). A member's token gets
  none, so a later promotion does not turn it into a staff token.

A downgrade revokes the tokens whose limits it would drop (read-only tokens, staff tokens
without staff rights) rather than let them do more than they were created for.

Revision ID: d5e8a1c3f702
Revises: a3f6c8e1d2b4
Create Date: 2026-12-07 09:00:00.000000
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'd5e8a1c3f702'
down_revision = 'a3f6c8e1d2b4'
branch_labels = None
depends_on = None

api_token = sa.table('api_token', sa.column('user_id', sa.Integer()),
                     sa.column('scopes', sa.String()),
                     sa.column('expires_at', hub.db.UTCDateTime(timezone=True)),
                     sa.column('revoked_at', hub.db.UTCDateTime(timezone=True)),
                     sa.column('staff_rights', sa.Boolean()))
user = sa.table('user', sa.column('id', sa.Integer()), sa.column('role', sa.String()))
staff = sa.select(user.c.id).where(user.c.role.in_(('staff', 'admin')))


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=20), nullable=False,
                                      server_default='read write'))
        batch_op.add_column(sa.Column('staff_rights', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    op.execute(api_token.update().where(api_token.c.expires_at.is_(None))
               .values(expires_at=expiry))
    op.execute(api_token.update().where(api_token.c.user_id.in_(staff))
               .values(staff_rights=True))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.String(length=20), server_default=None)
        batch_op.alter_column('staff_rights', existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column('expires_at', existing_type=hub.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_check_constraint('scopes', "scopes IN ('read', 'read write')")


def downgrade():
    op.execute(api_token.update().where(
        api_token.c.revoked_at.is_(None),
        sa.or_(api_token.c.scopes == 'read',
               sa.and_(api_token.c.staff_rights.is_(False), api_token.c.user_id.in_(staff))))
        .values(revoked_at=dt.datetime.now(dt.UTC)))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_api_token_scopes'), type_='check')
        batch_op.alter_column('expires_at', existing_type=hub.db.UTCDateTime(timezone=True),
                              nullable=True)
        batch_op.drop_column('staff_rights')
        batch_op.drop_column('scopes')
