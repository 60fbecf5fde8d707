"""Helsinki areas and APDS places: a search column for the list (issue 10)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 11:00:00

The list under the map searched by loading every area with its geometry and
matching in Python (bench/map.py). ``search_text`` holds the normalised words a
search matches (``webapp.maps.search.search_text``: case-folded, and again
without accents); the models fill it on every write, this backfills the rows
that exist. A ``LIKE '%word%'`` scan of the narrow column is a few milliseconds
at 10,000 areas, so no index on it: a b-tree cannot serve a substring match.
The list's order (zone, code), the map's viewport filter (the centre) and the
copy's freshness check (oldest fetch) get an index each.
"""
import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _search_text(*parts):
    # the same rule as webapp.maps.search.search_text, frozen here as migrations must not follow app code
    folded = " ".join(unicodedata.normalize("NFKC", " ".join(p for p in parts if p)).casefold().split())
    plain = unicodedata.normalize("NFKC", "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)))
    return folded if plain == folded else f"{folded} {plain}"


def _texts(value):
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return list((value or {}).values())


def upgrade():
    with op.batch_alter_table('helsinki_areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_helsinki_areas_zone_area_id', ['zone', 'area_id'], unique=False)
        batch_op.create_index('ix_helsinki_areas_centre', ['centre_lon', 'centre_lat'], unique=False)
        batch_op.create_index('ix_helsinki_areas_fetched_at', ['fetched_at'], unique=False)
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    areas = sa.table('helsinki_areas', sa.column('area_id', sa.String), sa.column('name', sa.JSON),
                     sa.column('street', sa.JSON), sa.column('postal_code', sa.String),
                     sa.column('search_text', sa.Text))
    for row in connection.execute(sa.select(areas.c.area_id, areas.c.name, areas.c.street, areas.c.postal_code)):
        connection.execute(areas.update().where(areas.c.area_id == row.area_id).values(
            search_text=_search_text(row.area_id, *_texts(row.name), *_texts(row.street), row.postal_code)))
    places = sa.table('apds_places', sa.column('place_id', sa.String), sa.column('name', sa.String),
                      sa.column('address', sa.String), sa.column('search_text', sa.Text))
    for row in connection.execute(sa.select(places.c.place_id, places.c.name, places.c.address)):
        connection.execute(places.update().where(places.c.place_id == row.place_id).values(
            search_text=_search_text(row.name, row.address)))


def downgrade():
    with op.batch_alter_table('apds_places', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('helsinki_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_helsinki_areas_fetched_at')
        batch_op.drop_index('ix_helsinki_areas_centre')
        batch_op.drop_index('ix_helsinki_areas_zone_area_id')
        batch_op.drop_column('search_text')
