"""booking core: idempotency keys per user, one remote booking per booking

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 08:30:00

An idempotency key is unique per user (another user's key used to be a 500),
and a provider's booking can be linked to one of ours only once: the database
itself refuses the double link that reconciliation once made.
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_bookings_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_bookings_user_idempotency_key', ['user_id', 'idempotency_key'])
        batch_op.create_unique_constraint('uq_bookings_provider_ref', ['provider', 'provider_ref'])


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_bookings_provider_ref', type_='unique')
        batch_op.drop_constraint('uq_bookings_user_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_bookings_idempotency_key', ['idempotency_key'])
