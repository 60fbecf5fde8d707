"""A stamp per set of places (Helsinki areas, Seoul lots, APDS car parks), in place of apds_copy (issue 18)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:00:00

PostgreSQL counts a table by visiting every row while the live figures keep its visibility map clear: the
three counts of /map were 3-5 ms of a 12 ms page, a search's count 10 ms (bench/map.py). ``place_sets``
holds a stamp per set, new whenever a place is added, removed, moved or renamed, and the map and the lists
keep their counts, matches and groups per stamp. It generalises 0025's ``apds_copy``, which it replaces.
Each set gets a first stamp here, so that a database upgraded with its places keeps counts from the
first visit (a set without a stamp is counted at every visit until its next write).
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('place_sets',
                    sa.Column('name', sa.String(length=32), nullable=False),
                    sa.Column('stamp', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('name'))
    place_sets = sa.table('place_sets', sa.column('name', sa.String), sa.column('stamp', sa.String))
    op.bulk_insert(place_sets, [{'name': name, 'stamp': uuid.uuid4().hex} for name in ('helsinki', 'seoul', 'apds')])
    op.drop_table('apds_copy')


def downgrade():
    op.create_table('apds_copy',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('stamp', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.drop_table('place_sets')
