"""Report summaries: facts, counts and distinct teachers per district, kept from the change feed

Revision ID: d4a1f0c7e2b9
Revises: c81eb50750b1
Create Date: 2026-12-01 22:10:00.000000

The tables start empty: a district's summary is built on its first whole-district report (small
districts) or by the scheduler (`flask --app server reports refresh` does the same by hand).
"""
from alembic import op
import sqlalchemy as sa

revision = 'd4a1f0c7e2b9'
down_revision = 'c81eb50750b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_facts',
    sa.Column('observation_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('teacher_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('observation_id')
    )
    with op.batch_alter_table('report_facts', schema=None) as batch_op:
        batch_op.create_index('ix_report_facts_district_teacher_day', ['district_id', 'teacher_id', 'day'],
                              unique=False)

    op.create_table('report_counts',
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('district_id', 'kind', 'key')
    )
    with op.batch_alter_table('report_counts', schema=None) as batch_op:
        batch_op.create_index('ix_report_counts_zero', ['district_id'], unique=False,
                              postgresql_where=sa.text('n = 0'), sqlite_where=sa.text('n = 0'))
    op.create_table('report_teachers',
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('teacher_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('district_id', 'kind', 'key', 'teacher_id')
    )
    with op.batch_alter_table('report_teachers', schema=None) as batch_op:
        batch_op.create_index('ix_report_teachers_zero', ['district_id'], unique=False,
                              postgresql_where=sa.text('n = 0'), sqlite_where=sa.text('n = 0'))
    op.create_table('report_districts',
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('district_id')
    )


def downgrade():
    op.drop_table('report_districts')
    with op.batch_alter_table('report_teachers', schema=None) as batch_op:
        batch_op.drop_index('ix_report_teachers_zero')
    op.drop_table('report_teachers')
    with op.batch_alter_table('report_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_report_counts_zero')
    op.drop_table('report_counts')
    with op.batch_alter_table('report_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_report_facts_district_teacher_day')
    op.drop_table('report_facts')
