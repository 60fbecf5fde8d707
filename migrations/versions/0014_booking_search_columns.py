"""Bookings: compact plate/phone/email columns for partial admin search (issue 12)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 11:00:00

Reserved slot in the chain: filled in by the change that needs it.
"""


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
