"""When an observation was first submitted (observations.shared_at) and its feedback first
released (feedback.released_at)

From then on its teacher and district staff may hold it on a device, so pull tells them, by id
alone, when it leaves their view; before, they learn nothing of it. Existing rows that are
submitted or released now are taken to have been so since their last update.

Revision ID: c3e81d0f5a27
Revises: a6dfbc579814
Create Date: 2026-12-01 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3e81d0f5a27'
down_revision = 'a6dfbc579814'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE observations SET shared_at = updated_at WHERE status = 'submitted'")
    op.execute("UPDATE feedback SET released_at = updated_at WHERE released")


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('released_at')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('shared_at')
