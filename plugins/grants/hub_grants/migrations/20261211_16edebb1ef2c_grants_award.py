"""grants: agreements, payment schedules, reports and closure

Revision ID: 16edebb1ef2c
Revises: 6a1f0c2d9e47
Create Date: 2026-12-11 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '16edebb1ef2c'
down_revision = '6a1f0c2d9e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grants_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('interim_report_due', sa.Date(), nullable=True),
    sa.Column('final_report_due', sa.Date(), nullable=False),
    sa.Column('document_key', sa.String(length=200), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_sha256', sa.String(length=64), nullable=False),
    sa.Column('closed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name=op.f('ck_grants_agreement_closed')),
    sa.CheckConstraint("status = 'issued' OR accepted_at IS NOT NULL", name=op.f('ck_grants_agreement_accepted')),
    sa.CheckConstraint("status IN ('issued', 'accepted', 'closed')", name=op.f('ck_grants_agreement_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_grants_agreement_amount_positive')),
    sa.CheckConstraint('interim_report_due IS NULL OR interim_report_due <= final_report_due', name=op.f('ck_grants_agreement_report_dates')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_grants_agreement_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['grants_application.id'], name=op.f('fk_grants_agreement_application_id_grants_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_grants_agreement_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_grants_agreement_issued_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_agreement')),
    sa.UniqueConstraint('application_id', name=op.f('uq_grants_agreement_application_id')),
    sa.UniqueConstraint('number', name=op.f('uq_grants_agreement_number'))
    )
    with op.batch_alter_table('grants_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_agreement_accepted_by_id'), ['accepted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_agreement_status'), ['status'], unique=False)

    op.create_table('grants_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('staff_comment', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('interim', 'final')", name=op.f('ck_grants_report_kind')),
    sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_grants_report_submitted')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'returned')", name=op.f('ck_grants_report_status')),
    sa.ForeignKeyConstraint(['application_id'], ['grants_application.id'], name=op.f('fk_grants_report_application_id_grants_application'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_grants_report_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_grants_report_submitted_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_report')),
    sa.UniqueConstraint('application_id', 'kind', name=op.f('uq_grants_report_application_id_kind'))
    )
    with op.batch_alter_table('grants_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_report_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_report_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_report_submitted_by_id'), ['submitted_by_id'], unique=False)

    op.create_table('grants_instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('advance', 'interim', 'final')", name=op.f('ck_grants_instalment_kind')),
    sa.CheckConstraint('(paid_on IS NULL) = (recorded_at IS NULL)', name=op.f('ck_grants_instalment_paid')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_grants_instalment_amount_positive')),
    sa.ForeignKeyConstraint(['agreement_id'], ['grants_agreement.id'], name=op.f('fk_grants_instalment_agreement_id_grants_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_grants_instalment_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_instalment'))
    )
    with op.batch_alter_table('grants_instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_instalment_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('grants_report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['grants_report.id'], name=op.f('fk_grants_report_file_report_id_grants_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_grants_report_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_report_file')),
    sa.UniqueConstraint('key', name=op.f('uq_grants_report_file_key'))
    )
    with op.batch_alter_table('grants_report_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_report_file_report_id'), ['report_id'], unique=False)

    op.create_table('grants_report_line',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('budget_item_id', sa.Integer(), nullable=False),
    sa.Column('spent', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('from_grant', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('spent >= 0 AND from_grant >= 0 AND from_grant <= spent', name=op.f('ck_grants_report_line_amounts')),
    sa.ForeignKeyConstraint(['budget_item_id'], ['grants_budget_item.id'], name=op.f('fk_grants_report_line_budget_item_id_grants_budget_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['grants_report.id'], name=op.f('fk_grants_report_line_report_id_grants_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'budget_item_id', name=op.f('pk_grants_report_line'))
    )


def downgrade():
    op.drop_table('grants_report_line')
    with op.batch_alter_table('grants_report_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_report_file_report_id'))

    op.drop_table('grants_report_file')
    with op.batch_alter_table('grants_instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_instalment_agreement_id'))

    op.drop_table('grants_instalment')
    with op.batch_alter_table('grants_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_report_submitted_by_id'))
        batch_op.drop_index(batch_op.f('ix_grants_report_status'))
        batch_op.drop_index(batch_op.f('ix_grants_report_application_id'))

    op.drop_table('grants_report')
    with op.batch_alter_table('grants_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_agreement_status'))
        batch_op.drop_index(batch_op.f('ix_grants_agreement_accepted_by_id'))

    op.drop_table('grants_agreement')
