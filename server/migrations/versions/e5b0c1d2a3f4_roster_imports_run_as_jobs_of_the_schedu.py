"""Roster imports run as jobs of the scheduler

Revision ID: e5b0c1d2a3f4
Revises: d4a1f0c7e2b9
Create Date: 2026-12-01 22:25:00.000000

A previewed roster waits in `roster_imports` for the admin's confirmation; the scheduler prepares
its password hashes into `roster_import_hashes` a chunk at a time, then writes the people.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'e5b0c1d2a3f4'
down_revision = 'd4a1f0c7e2b9'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('roster_imports',
    sa.Column('id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('district_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('school_id', sa.Uuid(as_uuid=False), nullable=True),
    sa.Column('admin_id', sa.Uuid(as_uuid=False), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('options', JSON, nullable=False),
    sa.Column('rows', JSON, nullable=False),
    sa.Column('plan', JSON, nullable=False),
    sa.Column('counts', JSON, nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('error', JSON, nullable=True),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['admin_id'], ['people.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.create_index('ix_roster_imports_state', ['state'], unique=False)
        batch_op.create_index('ix_roster_imports_district_created', ['district_id', 'created_at'], unique=False)
    op.create_table('roster_import_hashes',
    sa.Column('import_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['roster_imports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'position')
    )


def downgrade():
    op.drop_table('roster_import_hashes')
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_imports_district_created')
        batch_op.drop_index('ix_roster_imports_state')
    op.drop_table('roster_imports')
