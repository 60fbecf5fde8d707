"""accounts: booking notices (confirmation and reminder mails, each sent once)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:40:00

Sessions end on the server through ``users.session_epoch`` (already there since
0001; it is now drawn at random at logout and password change), so this
revision only adds the table that makes each booking mail go once.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'booking_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_notices_booking_id_bookings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_notices')),
        sa.UniqueConstraint('booking_id', 'kind', name='uq_booking_notices_booking_kind'),
    )
    with op.batch_alter_table('booking_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_notices_booking_id'), ['booking_id'], unique=False)


def downgrade():
    with op.batch_alter_table('booking_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_notices_booking_id'))
    op.drop_table('booking_notices')
