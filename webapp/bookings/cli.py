"""``flask --app app bookings …``: the booking core from the shell."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from webapp.bookings import reconcile
from webapp.core.clock import utcnow

bookings_cli = AppGroup("bookings", help="Bookings of every provider.")


@bookings_cli.command("reconcile")
def reconcile_now() -> None:
    """Run one reconciliation sweep now (safe to repeat and to run beside the job runner)."""
    click.echo(f"reconciliation sweep: {reconcile.sweep()}")


@bookings_cli.command("unknown")
def list_unknown() -> None:
    """List bookings whose provider side is not known (unknown, or pending too long), oldest first,
    each with what we know of it — for a provider with no look-up call, exactly what was sent."""
    rows = reconcile.unsettled(utcnow())
    for booking in rows:
        click.echo(f"{booking.public_ref}  {booking.provider:<10} {booking.status.value:<8} "
                   f"created {booking.created_at:%Y-%m-%d %H:%M} UTC  {booking.plate or '-'}  {booking.title}")
        if booking.next_step_at is not None:
            late = "  OVERDUE" if booking.next_step_at < utcnow() else ""
            click.echo(f"    next step by {booking.next_step_at:%Y-%m-%d %H:%M} UTC{late}")
        last = booking.events[-1] if booking.events else None
        if last is not None and last.message:
            click.echo(f"    last event: {last.message}")
        if booking.provider_payload:
            click.echo("    " + json.dumps(booking.provider_payload, ensure_ascii=False, sort_keys=True))
    click.echo(f"{len(rows)} booking(s) need attention")
