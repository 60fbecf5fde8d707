"""A stamp of the set of APDS car parks we hold (issue 18)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:20:00

The car-park list's "page 40 of 400" counted 10,000 places at every visit, which PostgreSQL does by
visiting each row (2 ms of a 9 ms page, bench/pages.py). ``apds_copy.stamp`` is new whenever a car park
is added or removed, and the list keeps the count per stamp.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('apds_copy',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('stamp', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade():
    op.drop_table('apds_copy')
