"""Co-observed walkthroughs (calibration visits)

observations.co_observation_id links the walkthroughs that two or more observers recorded of the
same lesson, each on their own tablet; it is null for every walkthrough recorded so far. Indexed:
calibration looks up the members of a co-observation by it.

Revision ID: b2d3f4a5c6e7
Revises: a1c2e3f4b5d6
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'b2d3f4a5c6e7'
down_revision = 'a1c2e3f4b5d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_observation_id', sa.Uuid(as_uuid=False), nullable=True))
        batch_op.create_index(batch_op.f('ix_observations_co_observation_id'), ['co_observation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observations_co_observation_id'))
        batch_op.drop_column('co_observation_id')
