"""A version of each Seoul lot's samples apart from the rest of its data (issue 18)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:00:00

An operator pushes a sample a minute. When that raised ``data_version`` too, the lot page drew its floor
grid again after every sample, though only the chart reads samples (bench/seoul.py: the first visit after
a sample was 8x a trivial page). ``sample_version`` is raised by samples alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seoul_lots') as batch:
        batch.add_column(sa.Column('sample_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('seoul_lots') as batch:
        batch.drop_column('sample_version')
