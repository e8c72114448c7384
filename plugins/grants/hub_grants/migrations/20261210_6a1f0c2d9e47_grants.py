"""grants: calls, criteria, applications with budgets and files, reviewers, reviews, audit

Revision ID: 6a1f0c2d9e47
Revises:
Create Date: 2026-12-10 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '6a1f0c2d9e47'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grants_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_event'))
    )
    with op.batch_alter_table('grants_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_event_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_event_call_id'), ['call_id'], unique=False)

    op.create_table('grants_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_cs', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_cs', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('eligible_kinds', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('max_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('cofinancing_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('opens_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('evaluation_until', sa.Date(), nullable=True),
    sa.Column('decision_by', sa.Date(), nullable=True),
    sa.Column('multiple_per_organisation', sa.Boolean(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('faq', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("title_cs <> ''", name=op.f('ck_grants_call_title_not_empty')),
    sa.CheckConstraint('budget > 0 AND max_amount > 0 AND max_amount <= budget', name=op.f('ck_grants_call_amounts')),
    sa.CheckConstraint('cofinancing_percent >= 0 AND cofinancing_percent < 100', name=op.f('ck_grants_call_cofinancing')),
    sa.CheckConstraint('opens_at < deadline_at', name=op.f('ck_grants_call_timeline')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_grants_call_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_call'))
    )
    with op.batch_alter_table('grants_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_call_published'), ['published'], unique=False)

    op.create_table('grants_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('amount_requested', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_grants_application_submitted')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected')", name=op.f('ck_grants_application_status')),
    sa.CheckConstraint('amount_requested >= 0', name=op.f('ck_grants_application_amount_requested')),
    sa.CheckConstraint('approved_amount IS NULL OR approved_amount >= 0', name=op.f('ck_grants_application_approved_amount')),
    sa.ForeignKeyConstraint(['applicant_id'], ['user.id'], name=op.f('fk_grants_application_applicant_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['grants_call.id'], name=op.f('fk_grants_application_call_id_grants_call'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_grants_application_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_grants_application_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_application'))
    )
    with op.batch_alter_table('grants_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_application_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_application_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_application_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_application_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_application_status'), ['status'], unique=False)
        batch_op.create_index('uq_grants_application_one_per_organisation', ['call_id', 'organisation_id'], unique=True, sqlite_where=sa.text('exclusive'), postgresql_where=sa.text('exclusive'))

    op.create_table('grants_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_cs', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.CheckConstraint("name_cs <> ''", name=op.f('ck_grants_criterion_name_not_empty')),
    sa.CheckConstraint('max_score > 0 AND max_score <= 100', name=op.f('ck_grants_criterion_max_score')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_grants_criterion_weight_positive')),
    sa.ForeignKeyConstraint(['call_id'], ['grants_call.id'], name=op.f('fk_grants_criterion_call_id_grants_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_criterion'))
    )
    with op.batch_alter_table('grants_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_criterion_call_id'), ['call_id'], unique=False)

    op.create_table('grants_reviewer',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_grants_reviewer_assigned_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['grants_call.id'], name=op.f('fk_grants_reviewer_call_id_grants_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_grants_reviewer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'user_id', name=op.f('pk_grants_reviewer'))
    )
    with op.batch_alter_table('grants_reviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_reviewer_user_id'), ['user_id'], unique=False)

    op.create_table('grants_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grants_application.id'], name=op.f('fk_grants_attachment_application_id_grants_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_grants_attachment_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_attachment')),
    sa.UniqueConstraint('key', name=op.f('uq_grants_attachment_key'))
    )
    with op.batch_alter_table('grants_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('grants_budget_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_grants_budget_item_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['grants_application.id'], name=op.f('fk_grants_budget_item_application_id_grants_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_budget_item'))
    )
    with op.batch_alter_table('grants_budget_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_budget_item_application_id'), ['application_id'], unique=False)

    op.create_table('grants_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('conflict', sa.String(length=10), nullable=False),
    sa.Column('conflict_note', sa.Text(), nullable=False),
    sa.Column('declared_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("conflict IN ('none', 'conflict')", name=op.f('ck_grants_review_conflict')),
    sa.CheckConstraint("submitted_at IS NULL OR conflict = 'none'", name=op.f('ck_grants_review_no_conflict')),
    sa.ForeignKeyConstraint(['application_id'], ['grants_application.id'], name=op.f('fk_grants_review_application_id_grants_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], name=op.f('fk_grants_review_reviewer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants_review')),
    sa.UniqueConstraint('application_id', 'reviewer_id', name=op.f('uq_grants_review_application_id_reviewer_id'))
    )
    with op.batch_alter_table('grants_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_review_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_review_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('grants_score',
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('score >= 0', name=op.f('ck_grants_score_score_not_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['grants_criterion.id'], name=op.f('fk_grants_score_criterion_id_grants_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['grants_review.id'], name=op.f('fk_grants_score_review_id_grants_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('review_id', 'criterion_id', name=op.f('pk_grants_score'))
    )


def downgrade():
    op.drop_table('grants_score')
    with op.batch_alter_table('grants_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_review_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_grants_review_application_id'))

    op.drop_table('grants_review')
    with op.batch_alter_table('grants_budget_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_budget_item_application_id'))

    op.drop_table('grants_budget_item')
    with op.batch_alter_table('grants_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_attachment_application_id'))

    op.drop_table('grants_attachment')
    with op.batch_alter_table('grants_reviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_reviewer_user_id'))

    op.drop_table('grants_reviewer')
    with op.batch_alter_table('grants_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_criterion_call_id'))

    op.drop_table('grants_criterion')
    with op.batch_alter_table('grants_application', schema=None) as batch_op:
        batch_op.drop_index('uq_grants_application_one_per_organisation', sqlite_where=sa.text('exclusive'), postgresql_where=sa.text('exclusive'))
        batch_op.drop_index(batch_op.f('ix_grants_application_status'))
        batch_op.drop_index(batch_op.f('ix_grants_application_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_grants_application_decided_at'))
        batch_op.drop_index(batch_op.f('ix_grants_application_call_id'))
        batch_op.drop_index(batch_op.f('ix_grants_application_applicant_id'))

    op.drop_table('grants_application')
    with op.batch_alter_table('grants_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_call_published'))

    op.drop_table('grants_call')
    with op.batch_alter_table('grants_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_event_call_id'))
        batch_op.drop_index(batch_op.f('ix_grants_event_at'))
        batch_op.drop_index(batch_op.f('ix_grants_event_application_id'))
        batch_op.drop_index(batch_op.f('ix_grants_event_actor_id'))

    op.drop_table('grants_event')
