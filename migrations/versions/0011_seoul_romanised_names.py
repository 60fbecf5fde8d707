"""Seoul lots: a romanised name beside the Hangul, searchable (issue 10)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 11:00:00

``seoul_lots.name_roman`` and ``seoul_lot_operations.memo_roman`` hold the lot's name and
memo (where operators put the address) in Revised Romanization, so that drivers who read no
Hangul can read and search them. The models keep them in step on every write; this revision
fills them in for the lots already stored, with the same function.
"""
import sqlalchemy as sa
from alembic import op

from webapp.seoul.romanise import romanise

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ROMAN_NAME_LENGTH = 256  # webapp.seoul.models.ROMAN_NAME_LENGTH when this revision was written

# the tables as they are at this revision (not the models, which move on)
lots = sa.table('seoul_lots', sa.column('id', sa.Integer), sa.column('name', sa.String),
                sa.column('name_roman', sa.String))
operations = sa.table('seoul_lot_operations', sa.column('lot_id', sa.Integer), sa.column('notify_memo', sa.String),
                      sa.column('memo_roman', sa.Text))


def upgrade():
    with op.batch_alter_table('seoul_lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_roman', sa.String(length=256), nullable=True))
    with op.batch_alter_table('seoul_lot_operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('memo_roman', sa.Text(), nullable=True))

    connection = op.get_bind()
    for lot_id, name in connection.execute(sa.select(lots.c.id, lots.c.name).where(lots.c.name.is_not(None))).all():
        connection.execute(lots.update().where(lots.c.id == lot_id)
                           .values(name_roman=romanise(name)[:ROMAN_NAME_LENGTH]))
    for lot_id, memo in connection.execute(sa.select(operations.c.lot_id, operations.c.notify_memo)
                                           .where(operations.c.notify_memo.is_not(None))).all():
        connection.execute(operations.update().where(operations.c.lot_id == lot_id).values(memo_roman=romanise(memo)))


def downgrade():
    with op.batch_alter_table('seoul_lot_operations', schema=None) as batch_op:
        batch_op.drop_column('memo_roman')
    with op.batch_alter_table('seoul_lots', schema=None) as batch_op:
        batch_op.drop_column('name_roman')
