"""A driver's history from indexes at 1,000 bookings of theirs and 100,000 in all (issue 18)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 16:20:00

The history read all of a driver's bookings from the table for each of its parts (bench/pages.py:
1.5-2.5 ms each at 1,000 bookings on SQLite, five parts). Now each part reads an index:

- ``(user_id, status, ends_at)``: the bookings now and upcoming (a few statuses, ending later) and
  the count of the past ones, from the index alone;
- ``(user_id, coalesce(starts_at, created_at))``: the past, newest first, as the page orders it:
  a page is the next 25 entries of the index, not a sort of every booking;
- ``(user_id, plate)``: the vehicle filter's plates, from the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

INDEXES = (('ix_bookings_user_status_ends', ['user_id', 'status', 'ends_at']),
           ('ix_bookings_user_started', ['user_id', sa.text('coalesce(starts_at, created_at)')]),
           ('ix_bookings_user_plate', ['user_id', 'plate']))


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, 'bookings', columns, unique=False)


def downgrade():
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name='bookings')
