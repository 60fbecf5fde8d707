"""Seoul operator keys: unique whatever their case (issue 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 11:00:00

Reserved slot in the chain: filled in by the change that needs it.
"""


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
