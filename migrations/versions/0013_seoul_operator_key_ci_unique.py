"""Seoul operator keys: unique whatever their case (issue 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 11:00:00

``MYKEY123`` and ``mykey123`` are one key to a person reading or typing it. The
admin's check compared without case, but two requests at once could both pass
it, and nothing stopped a key written to the table another way: a unique index
on ``lower(key)`` (an expression index; SQLite and PostgreSQL both have them)
makes the database refuse the second.

Keys that already clash are not merged or renamed here (each is an operator's
credential, typed into its systems): the upgrade stops and names them, and an
admin suspends and replaces one of each pair before upgrading again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

INDEX = 'uq_seoul_operator_keys_lower_key'

keys = sa.table('seoul_operator_keys', sa.column('key', sa.String))


def upgrade():
    lowered = sa.func.lower(keys.c.key)
    clashes = op.get_bind().execute(
        sa.select(lowered).group_by(lowered).having(sa.func.count() > 1).order_by(lowered)
    ).scalars().all()
    if clashes:
        shown = ", ".join(f"{key[:4]}…" for key in clashes)
        raise RuntimeError(f"Seoul operator keys differ only in case ({shown}): replace one of each pair, "
                           "then run the upgrade again")
    op.create_index(INDEX, 'seoul_operator_keys', [sa.text('lower(key)')], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name='seoul_operator_keys')
