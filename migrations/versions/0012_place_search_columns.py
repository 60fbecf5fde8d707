"""Helsinki areas and APDS places: a search column for the list (issue 10)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 11:00:00

Reserved slot in the chain: filled in by the change that needs it.
"""


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
