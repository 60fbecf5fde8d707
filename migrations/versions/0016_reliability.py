"""Reliability under outages: a fair sweep, dated next steps, shared abuse limits (issue 21)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:00:00

- ``bookings.last_checked_at``: the reconciliation sweep takes each provider's least recently checked
  unsettled bookings (it took the 500 oldest of all, so one provider's backlog starved the others);
- ``bookings.next_step_at``: by when the driver of an unknown booking hears what became of it;
- ``sweep_records``: each sweep's figures per provider, for the admins' "Needs attention" page;
- ``rate_limit_hits``: the abuse limits without Redis (or while it is down), shared by every worker
  (``webapp.web.rate_limits``; in memory they were per process).

Existing unknown bookings get no date here: the next sweep dates them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_step_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_bookings_provider_status_checked', ['provider', 'status', 'last_checked_at'],
                              unique=False)
    op.create_table(
        'sweep_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_records')),
    )
    with op.batch_alter_table('sweep_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_records_started_at'), ['started_at'], unique=False)
    op.create_table(
        'rate_limit_hits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits')),
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_key_at', ['key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_expires_at'))
        batch_op.drop_index('ix_rate_limit_hits_key_at')
    op.drop_table('rate_limit_hits')
    with op.batch_alter_table('sweep_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_records_started_at'))
    op.drop_table('sweep_records')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_provider_status_checked')
        batch_op.drop_column('next_step_at')
        batch_op.drop_column('last_checked_at')
