"""helsinki areas and street parkings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:07:59.441030
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('helsinki_areas',
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('zone', sa.Integer(), nullable=True),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('street', sa.JSON(), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=True),
    sa.Column('centre_lon', sa.Double(), nullable=True),
    sa.Column('centre_lat', sa.Double(), nullable=True),
    sa.Column('max_capacity', sa.Integer(), nullable=True),
    sa.Column('max_time_in_minutes', sa.Integer(), nullable=True),
    sa.Column('resident_parking_codes', sa.JSON(), nullable=False),
    sa.Column('special_parking_codes', sa.JSON(), nullable=False),
    sa.Column('tariffs', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area_id', name=op.f('pk_helsinki_areas'))
    )
    op.create_table('helsinki_day_types',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('day_type', sa.String(length=16), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_helsinki_day_types'))
    )
    op.create_table('street_parkings',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('zone', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_street_parkings_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_street_parkings'))
    )
    with op.batch_alter_table('street_parkings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_parkings_area_id'), ['area_id'], unique=False)



def downgrade():
    with op.batch_alter_table('street_parkings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_street_parkings_area_id'))

    op.drop_table('street_parkings')
    op.drop_table('helsinki_day_types')
    op.drop_table('helsinki_areas')
