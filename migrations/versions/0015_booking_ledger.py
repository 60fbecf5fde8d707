"""Bookings: money as a ledger of charges and refunds, paid now or at the counter (issue 22)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 13:00:00

A booking kept one ``amount``: a change overwrote it, a cancellation hid it, and what was
paid at a rent-car counter looked paid through us. Now ``bookings.amount`` is what the booking
costs as it stands, ``amount_at_counter`` the part paid on the spot, ``cancellation_fee`` what a
cancelled booking still costs, and ``booking_ledger`` the charges and refunds that got there
(``webapp.bookings.ledger``). Existing bookings get one "opening" entry per settlement for what
they cost today, by the rules of that module as they were when this was written.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_at_counter', sa.Numeric(precision=10, scale=2), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('cancellation_fee', sa.Numeric(precision=10, scale=2), nullable=True))
    op.create_table(
        'booking_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('settlement', sa.String(length=8), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_ledger_booking_id_bookings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_ledger')),
    )
    with op.batch_alter_table('booking_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_ledger_booking_id'), ['booking_id'], unique=False)
    # the opening balance: what each booking costs today, all of it paid now (no booking had a counter part)
    op.execute(sa.text(
        "INSERT INTO booking_ledger (booking_id, created_at, settlement, amount, currency, reason) "
        "SELECT id, updated_at, 'now', amount, currency, 'opening' FROM bookings "
        "WHERE status IN ('active', 'reserved', 'completed') AND amount IS NOT NULL AND amount <> 0"))


def downgrade():
    with op.batch_alter_table('booking_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_ledger_booking_id'))
    op.drop_table('booking_ledger')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('cancellation_fee')
        batch_op.drop_column('amount_at_counter')
