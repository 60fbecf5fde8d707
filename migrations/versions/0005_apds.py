"""apds places, tariff sets, sessions, events and subscriptions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('apds_places',
    sa.Column('place_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('tariff_key', sa.String(length=64), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('spaces_total', sa.Integer(), nullable=True),
    sa.Column('spaces_free', sa.Integer(), nullable=True),
    sa.Column('occupancy_indicator', sa.String(length=20), nullable=False),
    sa.Column('occupancy_observed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('occupancy_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('place_id', name=op.f('pk_apds_places'))
    )
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apds_places_tariff_key'), ['tariff_key'], unique=False)
    op.create_table('apds_tariff_sets',
    sa.Column('tariff_key', sa.String(length=64), nullable=False),
    sa.Column('tariffs', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('tariff_key', name=op.f('pk_apds_tariff_sets'))
    )
    op.create_table('apds_sessions',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('place_id', sa.String(length=64), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=True),
    sa.Column('assigned_right_id', sa.String(length=64), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('amount_due', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_apds_sessions_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_apds_sessions'))
    )
    with op.batch_alter_table('apds_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apds_sessions_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_apds_sessions_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_apds_sessions_assigned_right_id'), ['assigned_right_id'], unique=False)
    op.create_table('apds_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_apds_events_booking_id_bookings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apds_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_apds_events_event_id'))
    )
    with op.batch_alter_table('apds_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apds_events_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_apds_events_booking_id'), ['booking_id'], unique=False)
    op.create_table('apds_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=500), nullable=False),
    sa.Column('sealed_secret', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apds_subscriptions')),
    sa.UniqueConstraint('subscription_id', name=op.f('uq_apds_subscriptions_subscription_id'))
    )


def downgrade():
    op.drop_table('apds_subscriptions')
    with op.batch_alter_table('apds_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apds_events_booking_id'))
        batch_op.drop_index(batch_op.f('ix_apds_events_object_id'))
    op.drop_table('apds_events')
    with op.batch_alter_table('apds_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apds_sessions_assigned_right_id'))
        batch_op.drop_index(batch_op.f('ix_apds_sessions_session_id'))
        batch_op.drop_index(batch_op.f('ix_apds_sessions_place_id'))
    op.drop_table('apds_sessions')
    op.drop_table('apds_tariff_sets')
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apds_places_tariff_key'))
    op.drop_table('apds_places')
