"""quiz review policy, rounds of attempts reset by staff, course duration from lessons

Revision ID: 8c4f2a6e1d70
Revises: 005b00627aea
Create Date: 2026-12-09 10:00:00

Each quiz says when learners see the right answers (``review_policy``: never, after
passing, after the last attempt; existing quizzes get "after the last attempt"). Attempts
belong to a round: staff who reset a learner's attempts start the next round
(``elearning_quiz_reset``, which also holds the learner's request for it), so the attempt
number is unique per learner, quiz and round and the earlier rounds stay in the report.
A course's duration becomes the sum of its published lessons' durations.
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '8c4f2a6e1d70'
down_revision = '005b00627aea'
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
    CREATE TRIGGER elearning_quiz_attempt_limit BEFORE INSERT ON elearning_quiz_attempt
    WHEN NEW.number > (SELECT max_attempts FROM elearning_lesson WHERE id = NEW.lesson_id)
    BEGIN SELECT RAISE(ABORT, 'quiz attempt limit reached'); END"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    # Plain ALTER TABLE with the check inline (SQLite cannot add one later): a batch copy of
    # the lessons table would delete its questions and progress (ON DELETE CASCADE).
    op.execute("ALTER TABLE elearning_lesson ADD COLUMN review_policy VARCHAR(20) "
               "DEFAULT 'after_last_attempt' NOT NULL "
               "CONSTRAINT ck_elearning_lesson_review_policy CHECK (review_policy IN "
               "('never', 'after_passing', 'after_last_attempt'))")
    # Nothing refers to attempts, so their table may be copied; SQLite drops its trigger
    # with the old table, and it is created again below.
    with op.batch_alter_table('elearning_quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_elearning_quiz_attempt_round'), 'round >= 1')
        batch_op.drop_constraint('uq_elearning_quiz_attempt_user_id_lesson_id_number',
                                 type_='unique')
        batch_op.create_unique_constraint(
            'uq_elearning_quiz_attempt_user_id_lesson_id_round_number',
            ['user_id', 'lesson_id', 'round', 'number'])
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS elearning_quiz_attempt_limit")
        op.execute(SQLITE_TRIGGER)
    op.create_table(
        'elearning_quiz_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=1000), nullable=False),
        sa.Column('requested_at', hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reset_at', hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reset_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('round >= 2', name=op.f('ck_elearning_quiz_reset_round')),
        sa.CheckConstraint('requested_at IS NOT NULL OR reset_at IS NOT NULL',
                           name=op.f('ck_elearning_quiz_reset_state')),
        sa.ForeignKeyConstraint(['lesson_id'], ['elearning_lesson.id'],
                                name=op.f('fk_elearning_quiz_reset_lesson_id_elearning_lesson'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reset_by_id'], ['user.id'],
                                name=op.f('fk_elearning_quiz_reset_reset_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_elearning_quiz_reset_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_elearning_quiz_reset')),
        sa.UniqueConstraint('user_id', 'lesson_id', 'round',
                            name=op.f('uq_elearning_quiz_reset_user_id_lesson_id_round')),
    )
    with op.batch_alter_table('elearning_quiz_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elearning_quiz_reset_lesson_id'), ['lesson_id'],
                              unique=False)
    op.execute(sa.text(
        "UPDATE elearning_course SET duration_minutes = (SELECT COALESCE(SUM(l.duration_minutes), "
        "0) FROM elearning_lesson l WHERE l.course_id = elearning_course.id "
        "AND l.is_published = :yes)").bindparams(yes=True))


def downgrade():
    op.drop_table('elearning_quiz_reset')
    # Only the first round's attempts fit the old rule (one number per learner and quiz).
    op.execute("DELETE FROM elearning_quiz_attempt WHERE round > 1")
    with op.batch_alter_table('elearning_quiz_attempt', schema=None) as batch_op:
        batch_op.drop_constraint('uq_elearning_quiz_attempt_user_id_lesson_id_round_number',
                                 type_='unique')
        batch_op.create_unique_constraint('uq_elearning_quiz_attempt_user_id_lesson_id_number',
                                          ['user_id', 'lesson_id', 'number'])
        batch_op.drop_constraint(op.f('ck_elearning_quiz_attempt_round'), type_='check')
        batch_op.drop_column('round')
    if _sqlite():
        op.execute("DROP TRIGGER IF EXISTS elearning_quiz_attempt_limit")
        op.execute(SQLITE_TRIGGER)
        op.execute("ALTER TABLE elearning_lesson DROP COLUMN review_policy")
    else:
        op.drop_column('elearning_lesson', 'review_policy')
