"""The map's list, counts and views from indexes at the size of a real deployment (issue 18)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 14:00:00

At 10,000 Seoul lots and APDS car parks the list under the map sorted and counted every row
(52 % of the /map page's time, bench/map.py), and a map view counted and grouped its places by
reading the table. Now:

- ``seoul_lots``: partial indexes holding only the lots the map shows (named and placed, as
  ``map_layer._described`` selects them): by romanised name, by Hangul name (Korean pages) and by
  position; the list's first page is the first rows of one, the count (and the layer's version)
  reads the smallest, a view's count and groups read the position index. A push changes none of
  these columns, so the receiver's updates of a lot do not touch them. The position index carries the
  name too: with it, every column of the "shown" condition is in one index, which SQLite needs to
  count from the index alone.
- ``apds_places``: by name (the list), by position (a view), by the copy's and the free-space
  figures' fetch times (the freshness checks and the layer's version read their newest and
  oldest), and by tariff set and zone (one price per set: the old index on the tariff alone is
  replaced by this one, which it was a prefix of).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

DESCRIBED = 'name IS NOT NULL AND latitude IS NOT NULL AND longitude IS NOT NULL'
SEOUL_INDEXES = (('ix_seoul_lots_map_roman', ['name_roman', 'name', 'id']),
                 ('ix_seoul_lots_map_name', ['name', 'id']),
                 ('ix_seoul_lots_map_position', ['longitude', 'latitude', 'name']))
APDS_INDEXES = (('ix_apds_places_name', ['name', 'place_id']),
                ('ix_apds_places_position', ['longitude', 'latitude']),
                ('ix_apds_places_fetched_at', ['fetched_at']),
                ('ix_apds_places_occupancy_fetched_at', ['occupancy_fetched_at']),
                ('ix_apds_places_tariff_key_time_zone', ['tariff_key', 'time_zone']))


def upgrade():
    for name, columns in SEOUL_INDEXES:
        op.create_index(name, 'seoul_lots', columns, unique=False, sqlite_where=sa.text(DESCRIBED),
                        postgresql_where=sa.text(DESCRIBED))
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        batch_op.drop_index('ix_apds_places_tariff_key')
        for name, columns in APDS_INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        for name, _columns in reversed(APDS_INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index('ix_apds_places_tariff_key', ['tariff_key'], unique=False)
    for name, _columns in reversed(SEOUL_INDEXES):
        op.drop_index(name, table_name='seoul_lots')
