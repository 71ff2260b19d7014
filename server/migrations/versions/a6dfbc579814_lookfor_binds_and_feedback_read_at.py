"""Look-fors that stand for a core field (lookfors.binds); when the teacher first read feedback
(feedback.read_at)

Both columns are nullable and start empty: existing look-fors stand for no core field, so
published template versions keep exactly the meaning they had, and no feedback was read on a
tablet that recorded it.

Revision ID: a6dfbc579814
Revises: b4479f437956
Create Date: 2026-11-25 10:12:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a6dfbc579814'
down_revision = 'b4479f437956'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lookfors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('binds', sa.String(length=40), nullable=True))

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('read_at')

    with op.batch_alter_table('lookfors', schema=None) as batch_op:
        batch_op.drop_column('binds')
