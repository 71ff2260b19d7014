"""One-time password links; what devices last reported

password_links holds the hash of each live one-time link an admin made for a person to choose a
password. device_reports holds what each device last said when it synced: its app version and how
many changes it had not sent yet. Both start empty: no device has reported anything yet.

Revision ID: f6c1d2e3b4a5
Revises: e5b0c1d2a3f4
Create Date: 2026-12-01 22:25:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'f6c1d2e3b4a5'
down_revision = 'e5b0c1d2a3f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_links',
    sa.Column('id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('created_by_id', sa.Uuid(as_uuid=False), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_links_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_links_expires_at'), ['expires_at'], unique=False)

    op.create_table('device_reports',
    sa.Column('device_id', sa.Uuid(as_uuid=False), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('app_version', sa.String(length=64), nullable=True),
    sa.Column('unsent', sa.Integer(), nullable=True),
    sa.Column('unsent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id')
    )


def downgrade():
    op.drop_table('device_reports')
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_expires_at'))
        batch_op.drop_index(batch_op.f('ix_password_links_person_id'))

    op.drop_table('password_links')
