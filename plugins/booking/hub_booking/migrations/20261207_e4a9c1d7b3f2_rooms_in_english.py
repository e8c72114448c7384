"""English versions of the rooms' names, descriptions, locations and photo descriptions

Revision ID: e4a9c1d7b3f2
Revises: b7c2e5a1d904
Create Date: 2026-12-07 17:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e4a9c1d7b3f2"
down_revision = "b7c2e5a1d904"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("booking_room", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("description_en", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("location_en", sa.String(length=200), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("booking_room_photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alt_en", sa.String(length=300), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("booking_room_photo", schema=None) as batch_op:
        batch_op.drop_column("alt_en")
    with op.batch_alter_table("booking_room", schema=None) as batch_op:
        batch_op.drop_column("location_en")
        batch_op.drop_column("description_en")
        batch_op.drop_column("name_en")
