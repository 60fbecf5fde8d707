"""Helsinki street parkings reported to the city's parking hub, parkkihubi (issue 19)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:00:00

With ``HELSINKI_BACKEND=parkkihubi`` each street parking is reported to the hub, which cannot be
read back: ``helsinki_hub_reports`` keeps, per booking, the hub's id (its only handle), the end the
hub should hold or that it should hold nothing, whether the hub confirmed it, and when to send it
again (``webapp/helsinki/hub.py``).
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'helsinki_hub_reports',
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('parking_id', sa.String(length=36), nullable=True),
        sa.Column('time_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('time_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recheck_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lost_creates', sa.Integer(), nullable=False),
        sa.Column('last_sent', sa.JSON(), nullable=True),
        sa.Column('last_answer', sa.JSON(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'],
                                name=op.f('fk_helsinki_hub_reports_booking_id_bookings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_helsinki_hub_reports')),
        sa.UniqueConstraint('parking_id', name=op.f('uq_helsinki_hub_reports_parking_id')),
    )
    with op.batch_alter_table('helsinki_hub_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helsinki_hub_reports_due_at'), ['due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('helsinki_hub_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helsinki_hub_reports_due_at'))
    op.drop_table('helsinki_hub_reports')
