"""Seoul lots: a romanised name beside the Hangul, searchable (issue 10)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 11:00:00

Reserved slot in the chain: filled in by the change that needs it.
"""


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
