"""Web Push: devices, per-kind settings, and the deliveries that make each event go once (issue 20)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 16:10:00

A reminder before a parking ends was an e-mail only. A driver may now turn on notifications per
device (``push_devices``, one row per browser subscription), choose which kinds they want
(``push_settings``: a row only for a kind they changed), and the job runner claims each event of a
booking in ``push_deliveries`` (unique per booking, kind and event) before sending it, so N consumers
send it once.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'push_devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('endpoint', sa.Text(), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_devices_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_devices')),
        sa.UniqueConstraint('endpoint', name=op.f('uq_push_devices_endpoint')),
    )
    with op.batch_alter_table('push_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_devices_user_id'), ['user_id'], unique=False)
    op.create_table(
        'push_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_settings')),
        sa.UniqueConstraint('user_id', 'kind', name='uq_push_settings_user_kind'),
    )
    with op.batch_alter_table('push_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_settings_user_id'), ['user_id'], unique=False)
    op.create_table(
        'push_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('event_key', sa.String(length=64), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('devices_reached', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_push_deliveries_booking_id_bookings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_deliveries')),
        sa.UniqueConstraint('booking_id', 'kind', 'event_key', name='uq_push_deliveries_event'),
    )
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_deliveries_booking_id'), ['booking_id'], unique=False)


def downgrade():
    op.drop_table('push_deliveries')
    op.drop_table('push_settings')
    op.drop_table('push_devices')
