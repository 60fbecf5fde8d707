"""rent-car rentals, API cost per action, shared availability cache

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rentals',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('company_code', sa.String(length=20), nullable=False),
    sa.Column('company_name', sa.String(length=60), nullable=False),
    sa.Column('mid', sa.Integer(), nullable=False),
    sa.Column('model_name', sa.String(length=80), nullable=False),
    sa.Column('model_english', sa.String(length=80), nullable=False),
    sa.Column('dealer_ref', sa.String(length=50), nullable=False),
    sa.Column('revnum', sa.String(length=40), nullable=True),
    sa.Column('option_ins', sa.Integer(), nullable=False),
    sa.Column('insid', sa.Integer(), nullable=True),
    sa.Column('cover_name', sa.String(length=60), nullable=False),
    sa.Column('extras', sa.JSON(), nullable=False),
    sa.Column('car_fee', sa.Integer(), nullable=False),
    sa.Column('insurance_fee', sa.Integer(), nullable=False),
    sa.Column('extras_fee', sa.Integer(), nullable=False),
    sa.Column('custfee', sa.Integer(), nullable=False),
    sa.Column('change_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('same_day_minutes', sa.Integer(), nullable=False),
    sa.Column('driver_name', sa.String(length=50), nullable=False),
    sa.Column('driver_phone', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_rentals_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_rentals'))
    )
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rentals_dealer_ref'), ['dealer_ref'], unique=False)

    op.create_table('rentcar_api_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rentcar_api_costs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rentcar_api_costs'))
    )
    with op.batch_alter_table('rentcar_api_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rentcar_api_costs_day'), ['day'], unique=False)

    op.create_table('rentcar_availability',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rentcar_availability'))
    )
    with op.batch_alter_table('rentcar_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rentcar_availability_fetched_at'), ['fetched_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rentcar_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rentcar_availability_fetched_at'))
    op.drop_table('rentcar_availability')
    with op.batch_alter_table('rentcar_api_costs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rentcar_api_costs_day'))
    op.drop_table('rentcar_api_costs')
    with op.batch_alter_table('rentals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rentals_dealer_ref'))
    op.drop_table('rentals')
