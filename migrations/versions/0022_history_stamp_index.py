"""The stamp of a driver's bookings, and the history's kind filter, from indexes alone (issue 18)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 19:40:00

The history's monthly totals are kept per state of the driver's bookings, named by a stamp: their
count, the sum of their versions and the newest id (``webapp.bookings.history.history_stamp``). Read
from the table that stamp cost 1.2 ms at 1,000 bookings on SQLite (bench/pages.py), a third of the
totals it saves; ``(user_id, version, id)`` answers it from the index.

The history filtered to one kind counted its past from the table (1.3 ms at 1,000 bookings);
``(user_id, kind, status, ends_at)`` counts it from the index (0.08 ms).

The admin's search finds a driver by any part of the name: on PostgreSQL a trigram GIN index on
``lower(name)`` answers it (a scan of 20,000 users was 4.3 ms of every partial search); on SQLite it
is a b-tree on ``lower(name)``, as the model declares it.
"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


INDEXES = (('ix_bookings_user_version', ['user_id', 'version', 'id']),
           ('ix_bookings_user_kind_status_ends', ['user_id', 'kind', 'status', 'ends_at']))


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, 'bookings', columns, unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')  # as migration 0014
        op.execute('CREATE INDEX ix_users_name_search ON users USING gin (lower(name) gin_trgm_ops)')
    else:
        op.execute('CREATE INDEX ix_users_name_search ON users (lower(name))')


def downgrade():
    op.drop_index('ix_users_name_search', table_name='users')
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name='bookings')
