"""``flask --app app bookings …``: the booking core from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.bookings import reconcile

bookings_cli = AppGroup("bookings", help="Bookings of every provider.")


@bookings_cli.command("reconcile")
def reconcile_now() -> None:
    """Run one reconciliation sweep now (safe to repeat and to run beside the job runner)."""
    click.echo(f"reconciliation sweep: {reconcile.sweep()}")
