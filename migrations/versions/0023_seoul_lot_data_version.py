"""A version of each Seoul lot's data, for the lot page to keep what it computed from it (issue 18)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 22:10:00

The lot page reads a day of one-minute samples and every space of the lot at each visit (35 ms with
124 spaces, 16x a trivial page, bench/seoul.py). ``data_version`` is raised by every write of the lot's
data, so the page keeps its chart and floors per version and computes them once per change.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seoul_lots') as batch:
        batch.add_column(sa.Column('data_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('seoul_lots') as batch:
        batch.drop_column('data_version')
