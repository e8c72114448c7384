"""Reusable templates of the e-mail; campaigns in Czech and English

The campaign's texts stay in their columns (Czech); the English ones sit beside them
(``hub.translations``). A campaign written in English only (``language = 'en'``) keeps its
text and gets it as its English version too, so English readers keep reading it. The three
fixed looks become templates, the gov.cz one the default, and each campaign points at the
template of its look.

Revision ID: b7e4d2a9c1f3
Revises: c9e4a2b7d1f8
Create Date: 2026-12-13 10:00:00.000000
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'b7e4d2a9c1f3'
down_revision = 'c9e4a2b7d1f8'
branch_labels = None
depends_on = None

LOOKS = (  # layout, name, is_default
    ('gov', 'Modrá hlavička (gov.cz)', True),
    ('light', 'Světlý', False),
    ('plain', 'Prostý dopis', False),
)


def upgrade():
    template = op.create_table(
        'newsletter_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('layout', sa.String(length=10), nullable=False),
        sa.Column('header_html', sa.Text(), nullable=False),
        sa.Column('header_html_en', sa.Text(), server_default='', nullable=False),
        sa.Column('footer_html', sa.Text(), nullable=False),
        sa.Column('footer_html_en', sa.Text(), server_default='', nullable=False),
        sa.Column('accent', sa.String(length=7), nullable=False),
        sa.Column('logo_media_id', sa.Integer(), nullable=True),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("layout IN ('gov', 'light', 'plain')",
                           name=op.f('ck_newsletter_template_layout')),
        sa.CheckConstraint("length(accent) = 7 AND substr(accent, 1, 1) = '#'",
                           name=op.f('ck_newsletter_template_accent')),
        sa.ForeignKeyConstraint(['logo_media_id'], ['media_item.id'],
                                name=op.f('fk_newsletter_template_logo_media_id_media_item'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_template')),
        sa.UniqueConstraint('name', name=op.f('uq_newsletter_template_name')),
    )
    op.create_index('uq_newsletter_template_default', 'newsletter_template', ['is_default'],
                    unique=True, sqlite_where=sa.text('is_default'),
                    postgresql_where=sa.text('is_default'))
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(template, [
        {'id': i, 'name': name, 'description': '', 'layout': layout, 'header_html': '',
         'header_html_en': '', 'footer_html': '', 'footer_html_en': '', 'accent': '#2362a2',
         'logo_media_id': None, 'is_default': default, 'created_at': now}
        for i, (layout, name, default) in enumerate(LOOKS, start=1)])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('newsletter_template', 'id'), "
                   f"{len(LOOKS)})")
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_en', sa.String(200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('preheader_en', sa.String(200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('body_en', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('template_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_newsletter_campaign_template_id'),
                              ['template_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_newsletter_campaign_template_id_newsletter_template'),
            'newsletter_template', ['template_id'], ['id'], ondelete='RESTRICT')
    op.execute("UPDATE newsletter_campaign SET subject_en = subject, preheader_en = preheader, "
               "body_en = body WHERE language = 'en'")
    for i, (layout, _name, _default) in enumerate(LOOKS, start=1):
        op.get_bind().execute(sa.text("UPDATE newsletter_campaign SET template_id = :i "
                                      "WHERE layout = :layout"), {"i": i, "layout": layout})
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_newsletter_campaign_layout'), type_='check')
        batch_op.drop_constraint(op.f('ck_newsletter_campaign_language'), type_='check')
        batch_op.drop_column('layout')
        batch_op.drop_column('language')


def downgrade():
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(2), server_default='cs',
                                      nullable=False))
        batch_op.add_column(sa.Column('layout', sa.String(10), server_default='gov',
                                      nullable=False))
    # A campaign with only an English text was written in English.
    op.execute("UPDATE newsletter_campaign SET language = 'en' "
               "WHERE subject_en <> '' AND subject_en = subject")
    op.execute("UPDATE newsletter_campaign SET layout = COALESCE((SELECT t.layout FROM "
               "newsletter_template t WHERE t.id = newsletter_campaign.template_id), 'gov')")
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_newsletter_campaign_language'),
                                         "language IN ('cs', 'en')")
        batch_op.create_check_constraint(op.f('ck_newsletter_campaign_layout'),
                                         "layout IN ('gov', 'light', 'plain')")
        batch_op.drop_constraint(
            batch_op.f('fk_newsletter_campaign_template_id_newsletter_template'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_newsletter_campaign_template_id'))
        batch_op.drop_column('template_id')
        batch_op.drop_column('body_en')
        batch_op.drop_column('preheader_en')
        batch_op.drop_column('subject_en')
    op.drop_index('uq_newsletter_template_default', table_name='newsletter_template')
    op.drop_table('newsletter_template')
