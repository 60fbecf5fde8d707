"""``flask --app app apds …``: the local copy of the places, our webhook subscription, and the operators' side.

The operator commands drive the embedded platform's car parks like their cameras
would (a plate enters or leaves a place), then let the platform deliver its events::

    flask --app app apds operator enter 805432 "BD18 SMR"
    flask --app app apds operator leave 805432 "BD18 SMR"
"""

from __future__ import annotations

import json
import os

import click
from flask.cli import AppGroup

from webapp.apds import events, places
from webapp.apds.jobs import deliver_events_now, platform_sandbox
from webapp.core.errors import ProviderError

apds_cli = AppGroup("apds", help="APDS car parks (Manchester, London).")
operator_cli = AppGroup("operator", help="The car-park operators' side of the embedded platform.")
apds_cli.add_command(operator_cli)

DEFAULT_WEBHOOK_URL = "http://127.0.0.1:5000" + events.RECEIVER_PATH


def webhook_url() -> str:
    """Where the platform sends our events: ``APDS_WEBHOOK_URL``, else the local ``make run`` server."""
    return os.environ.get("APDS_WEBHOOK_URL") or DEFAULT_WEBHOOK_URL


def load_demo_places() -> None:
    """Demo data hook: copy the platform's car parks and subscribe to its events."""
    count = places.sync_places()
    subscription = events.ensure_subscription(webhook_url())
    click.echo(f"{count} APDS car parks loaded; events go to {subscription.endpoint}")


@apds_cli.command("sync")
def sync_command() -> None:
    """Refresh the local copy of the car parks, their rights and rate tables."""
    try:
        count = places.sync_places()
    except ProviderError as error:
        raise click.ClickException(f"the platform did not answer: {error}") from None
    click.echo(f"{count} car parks synchronised")


@apds_cli.command("subscribe")
@click.option("--url", default=None, help="Our receiver's public URL (default: APDS_WEBHOOK_URL or the local server).")
def subscribe_command(url: str | None) -> None:
    """Subscribe our webhook receiver to the platform's session and assigned-right events."""
    try:
        subscription = events.ensure_subscription(url or webhook_url())
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
    sandbox = platform_sandbox()
    if sandbox is None:
        raise click.ClickException("the operators' side exists only on the embedded platform")
    body = {"place": place, "plate": plate, **({"at": at} if at else {})}
    answer = sandbox.test_client().post(f"/_sandbox/operators/{action}", json=body)
    if answer.status_code >= 400:
        raise click.ClickException(answer.get_json().get("message", f"HTTP {answer.status_code}"))
    session = answer.get_json()
    click.echo(f"{action}: session {session['id']} version {session['version']}")
    click.echo(f"events: {json.dumps(deliver_events_now())}")


@operator_cli.command("enter")
@click.argument("place")
@click.argument("plate")
@click.option("--at", default=None, help="When (ISO 8601; default now).")
def enter_command(place: str, plate: str, at: str | None) -> None:
    """The entry camera sees PLATE at PLACE: the platform opens a session and notifies."""
    _drive("enter", place, plate, at)


@operator_cli.command("leave")
@click.argument("place")
@click.argument("plate")
@click.option("--at", default=None, help="When (ISO 8601; default now).")
def leave_command(place: str, plate: str, at: str | None) -> None:
    """The exit camera sees PLATE leave PLACE: the session closes with the rate table's amount."""
    _drive("exit", place, plate, at)
