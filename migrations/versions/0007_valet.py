"""247Parking airport valet: the valet detail of a booking

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00

One row per valet booking: the traveller's choices, the price we quoted and
the exact body last sent to 247Parking (the seed has no look-up call, so a
booking whose reply was lost keeps what 247Parking may hold).
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('valet_reservations',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=20), nullable=False),
    sa.Column('service', sa.String(length=10), nullable=False),
    sa.Column('drop_off', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrival', sa.DateTime(timezone=True), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('payment', sa.String(length=12), nullable=False),
    sa.Column('indoor', sa.Boolean(), nullable=False),
    sa.Column('wash', sa.Integer(), nullable=False),
    sa.Column('leather', sa.Boolean(), nullable=False),
    sa.Column('insurance', sa.Boolean(), nullable=False),
    sa.Column('hand_luggage', sa.Boolean(), nullable=False),
    sa.Column('keep_keys', sa.Boolean(), nullable=False),
    sa.Column('discount_code', sa.String(length=40), nullable=False),
    sa.Column('departure_flight', sa.String(length=10), nullable=False),
    sa.Column('arrival_flight', sa.String(length=10), nullable=False),
    sa.Column('car', sa.String(length=120), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('project_reference', sa.String(length=60), nullable=False),
    sa.Column('quoted_total', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('voucher_url', sa.String(length=300), nullable=True),
    sa.Column('sent', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_valet_reservations_booking_id_bookings'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_valet_reservations'))
    )


def downgrade():
    op.drop_table('valet_reservations')
