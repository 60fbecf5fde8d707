"""Bookings: compact plate/phone/email columns for partial admin search (issue 12)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 11:00:00

The admin's partial search ("abc-1", "driver@", a phone typed any way) compared
upper(replace(replace(plate …))) and friends, which no index can answer: a full
scan of 100,000 bookings took 96-330 ms (bench/admin_lookup.py). Now the
normalised values are stored beside the typed ones (``plate_key``,
``email_lower``, ``phone_tail`` = the last eight digits, kept by the booking core
on every write), backfilled here, and indexed: plate and e-mail with GIN trigram
indexes on PostgreSQL (pg_trgm), which answer LIKE '%…%', and plain b-tree
indexes on SQLite, which each LIKE scans instead of the table; the phone with a
b-tree index on both, for equality.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

SEARCH_COLUMNS = ('plate_key', 'email_lower', 'phone_tail')
TRIGRAM_INDEXED = ('plate_key', 'email_lower')
BATCH = 5000


# The rules as they were when this migration was written (webapp.bookings.models keeps the live ones).
def _plate_key(plate):
    return ''.join(ch for ch in (plate or '').upper() if ch.isalnum())[:16]


def _email_lower(email):
    return (email or '').strip().lower()[:254] or None


def _phone_tail(phone):
    return ''.join(ch for ch in (phone or '') if ch.isdigit())[-8:] or None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate_key', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email_lower', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('phone_tail', sa.String(length=8), nullable=True))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        # the model has a Python default only (as every other column); the server default only filled old rows
        batch_op.alter_column('plate_key', server_default=None)

    connection = op.get_bind()
    bookings = sa.table('bookings', sa.column('id', sa.Integer), sa.column('plate', sa.String),
                        sa.column('contact_email', sa.String), sa.column('contact_phone', sa.String),
                        *(sa.column(name, sa.String) for name in SEARCH_COLUMNS))
    update = (sa.update(bookings).where(bookings.c.id == sa.bindparam('row_id'))
              .values(plate_key=sa.bindparam('new_plate_key'), email_lower=sa.bindparam('new_email_lower'),
                      phone_tail=sa.bindparam('new_phone_tail')))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(bookings.c.id, bookings.c.plate, bookings.c.contact_email, bookings.c.contact_phone)
            .where(bookings.c.id > last_id).order_by(bookings.c.id).limit(BATCH)).all()
        if not rows:
            break
        connection.execute(update, [
            {'row_id': row.id, 'new_plate_key': _plate_key(row.plate),
             'new_email_lower': _email_lower(row.contact_email), 'new_phone_tail': _phone_tail(row.contact_phone)}
            for row in rows])
        last_id = rows[-1].id

    if connection.dialect.name == 'postgresql':
        # trusted extension (PostgreSQL 13+): the database owner may create it
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name in TRIGRAM_INDEXED:
        op.create_index(f'ix_bookings_{name}_search', 'bookings', [name], unique=False,
                        postgresql_using='gin', postgresql_ops={name: 'gin_trgm_ops'})
    op.create_index('ix_bookings_phone_tail', 'bookings', ['phone_tail'], unique=False)


def downgrade():
    op.drop_index('ix_bookings_phone_tail', table_name='bookings')
    for name in TRIGRAM_INDEXED:
        op.drop_index(f'ix_bookings_{name}_search', table_name='bookings')
    # pg_trgm stays: other indexes may use it, and it holds no data
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        for name in reversed(SEARCH_COLUMNS):
            batch_op.drop_column(name)
