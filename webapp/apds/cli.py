"""``flask --app app apds …``: the local copy of the places, our webhook subscription, and the operators' side.

The operator commands drive the embedded platform's car parks like their cameras
would (a plate enters or leaves a place), then let the platform deliver its events::

    flask --app app apds operator enter 805432 "BD18 SMR"
    flask --app app apds operator leave 805432 "BD18 SMR"
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from webapp.apds import events, places
from webapp.apds.jobs import drive_demo_traffic
from webapp.apds.operator_side import ENTER, LEAVE, OperatorSideUnavailableError, deliver_events_now, drive_car
from webapp.apds.wire import parse_instant
from webapp.core.errors import ProviderError, ValidationError

apds_cli = AppGroup("apds", help="APDS car parks (Manchester, London).")
operator_cli = AppGroup("operator", help="The car-park operators' side of the embedded platform.")
apds_cli.add_command(operator_cli)

DEMO_FIRST_MOVES = 6


def load_demo_places() -> None:
    """Demo data hook: copy the platform's car parks and subscribe to its events."""
    count = places.sync_places()
    subscription = events.ensure_subscription(events.webhook_url())
    click.echo(f"{count} APDS car parks loaded; events go to {subscription.endpoint}")
    # a fresh demo shows cars already inside; the demo feed (jobs.demo_car_park_traffic) keeps them moving
    click.echo(f"{drive_demo_traffic(DEMO_FIRST_MOVES)} demo cars drove in or out")


@apds_cli.command("sync")
def sync_command() -> None:
    """Refresh the local copy of the car parks, their rights and rate tables."""
    try:
        count = places.sync_places()
    except ProviderError as error:
        raise click.ClickException(f"the platform did not answer: {error}") from None
    click.echo(f"{count} car parks synchronised")


@apds_cli.command("subscribe")
@click.option("--url", default=None,
              help="Our receiver's public URL (default: APDS_WEBHOOK_URL, else the receiver on PUBLIC_BASE_URL).")
def subscribe_command(url: str | None) -> None:
    """Subscribe our webhook receiver to the platform's session and assigned-right events."""
    try:
        subscription = events.ensure_subscription(url or events.webhook_url())
    except ProviderError as error:
        raise click.ClickException(f"the platform did not answer: {error}") from None
    click.echo(f"subscribed {subscription.endpoint} (subscription {subscription.subscription_id})")


@apds_cli.command("deliver")
def deliver_command() -> None:
    """Let the embedded platform send its due events now (the job runner does it every minute)."""
    report = deliver_events_now()
    if report is None:
        raise click.ClickException("a real platform delivers its own events")
    click.echo(json.dumps(report))


def _drive(action: str, place: str, plate: str, at: str | None) -> None:
    try:
        when = parse_instant(at) if at else None
    except ValueError:
        raise click.BadParameter("an ISO 8601 instant, e.g. 2026-11-27T13:05:00Z", param_hint="--at") from None
    try:
        move = drive_car(action, place, plate, when)
    except OperatorSideUnavailableError as error:
        raise click.ClickException(error.message) from None
    except ValidationError as refused:
        raise click.ClickException(" ".join(refused.errors.values())) from None
    click.echo(f"{action}: session {move.session_id} version {move.version}")
    click.echo(f"events: {json.dumps(move.delivered)}")


@operator_cli.command("enter")
@click.argument("place")
@click.argument("plate")
@click.option("--at", default=None, help="When (ISO 8601; default now).")
def enter_command(place: str, plate: str, at: str | None) -> None:
    """The entry camera sees PLATE at PLACE: the platform opens a session and notifies."""
    _drive(ENTER, place, plate, at)


@operator_cli.command("leave")
@click.argument("place")
@click.argument("plate")
@click.option("--at", default=None, help="When (ISO 8601; default now).")
def leave_command(place: str, plate: str, at: str | None) -> None:
    """The exit camera sees PLATE leave PLACE: the session closes with the rate table's amount."""
    _drive(LEAVE, place, plate, at)
