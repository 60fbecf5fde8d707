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


@bookings_cli.command("settle-list")
@click.argument("listing", type=click.File("r", encoding="utf-8-sig"))
@click.option("--provider", required=True, help="Whose list it is, e.g. parking247.")
@click.option("--admin", "admin_email", required=True, help="The admin account the settlements are audited under.")
@click.option("--complete-until", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%z"]),
              default=None, help="The list holds every reservation made up to this moment (UTC unless it has an "
                                 "offset): our unknown bookings made before it and not in the list were never made.")
def settle_list(listing, provider: str, admin_email: str, complete_until) -> None:
    """Settle a provider's unknown bookings from its own list of reservations (CSV: our reference and the
    provider's number), e.g. 247Parking's partner list after an outage (``webapp.bookings.support``)."""
    from datetime import UTC

    from webapp.accounts.users import find_user_by_email
    from webapp.bookings import support
    from webapp.core.errors import ValidationError

    admin = find_user_by_email(admin_email)
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"{admin_email} is not an admin account")
    if complete_until is not None and complete_until.tzinfo is None:
        complete_until = complete_until.replace(tzinfo=UTC)
    try:
        report = support.settle_from_list(admin.id, provider, support.parse_list(listing.read()), complete_until,
                                          "cli")
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{provider}: {report}")
    for problem in report.problems:
        click.echo(f"    {problem}")
