"""room managers and per-organisation quotas

Revision ID: b7c2e5a1d904
Revises: 8d3611683250
Create Date: 2026-11-23 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c2e5a1d904"
down_revision = "8d3611683250"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "booking_room_manager",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["booking_room.id"],
                                name=op.f("fk_booking_room_manager_room_id_booking_room"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_booking_room_manager_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_room_manager")),
        sa.UniqueConstraint("room_id", "user_id",
                            name=op.f("uq_booking_room_manager_room_id_user_id")),
    )
    with op.batch_alter_table("booking_room_manager", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_room_manager_user_id"), ["user_id"],
                              unique=False)
    op.create_table(
        "booking_organisation_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("monthly_hours", sa.Integer(), nullable=False),
        sa.CheckConstraint("monthly_hours >= 0",
                           name=op.f("ck_booking_organisation_quota_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_booking_organisation_quota_organisation_id_organisation"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_organisation_quota")),
        sa.UniqueConstraint("organisation_id",
                            name=op.f("uq_booking_organisation_quota_organisation_id")),
    )


def downgrade():
    op.drop_table("booking_organisation_quota")
    with op.batch_alter_table("booking_room_manager", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_room_manager_user_id"))
    op.drop_table("booking_room_manager")
