"""A guest's booking form kept on the server while they log in (issue 22)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00

A guest who sends a booking form is asked to log in; what they typed came back only in part
(choices in the URL, never names, remarks or a discount code). The whole form is now sealed into
``login_form_stashes`` for at most two hours, named by a token in the guest's session
(``webapp.accounts.form_stash``).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_form_stashes',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('endpoint', sa.String(length=80), nullable=False),
        sa.Column('path', sa.String(length=2000), nullable=False),
        sa.Column('sealed_fields', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_form_stashes')),
    )
    with op.batch_alter_table('login_form_stashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_form_stashes_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_form_stashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_form_stashes_created_at'))
    op.drop_table('login_form_stashes')
