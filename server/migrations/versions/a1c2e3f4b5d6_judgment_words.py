"""Judgment-word lists of the evidence-not-judgment hint

judgment_word_lists holds each version a district saves of the words and phrases the tablet's
hint flags as judgment (server/rounds/judgment_words.py): its language, its patterns as JSON, who
saved it and when. The highest version of a district is its current list; older ones are kept.
It starts empty: every district uses the default list shipped in English until it saves its own.

Revision ID: a1c2e3f4b5d6
Revises: f6c1d2e3b4a5
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'a1c2e3f4b5d6'
down_revision = 'f6c1d2e3b4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('judgment_word_lists',
    sa.Column('id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('patterns', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('created_by_id', sa.Uuid(as_uuid=False), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id']),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('district_id', 'version', name='uq_judgment_word_lists_district_version')
    )
    with op.batch_alter_table('judgment_word_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgment_word_lists_district_id'), ['district_id'], unique=False)


def downgrade():
    with op.batch_alter_table('judgment_word_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgment_word_lists_district_id'))

    op.drop_table('judgment_word_lists')
