"""``flask --app app seoul …``: operator keys, lots, a test push and the feed simulator.

Lot secrets are read from ``--secret`` or, when left out, asked for without
echo (a secret on the command line stays in the shell history); they are
never printed.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.core.errors import NotFoundError, ValidationError
from webapp.seoul import admin as seoul_admin
from webapp.seoul.operator import feed as seoul_feed
from webapp.seoul.operator.demo_data import DEMO_KEY

seoul_cli = AppGroup("seoul", help="Seoul parking lots: operator keys, lots, test pushes, the feed simulator.")
key_cli = AppGroup("key", help="Operator keys.")
lot_cli = AppGroup("lot", help="Lots under an operator key.")
seoul_cli.add_command(key_cli)
seoul_cli.add_command(lot_cli)


def _fail(error: Exception) -> click.ClickException:
    message = "; ".join(error.errors.values()) if isinstance(error, ValidationError) else str(error) or "not found"
    return click.ClickException(message)


@key_cli.command("add")
@click.argument("key")
@click.option("--limit", type=int, default=None, help="Requests a day (Seoul time); default 100,000.")
def add_key(key: str, limit: int | None) -> None:
    """Issue operator key KEY."""
    try:
        row = seoul_admin.add_key(key, limit)
    except ValidationError as error:
        raise _fail(error) from None
    click.echo(f"key {row.key} issued, {row.request_limit:,} requests a day")


def _set_status(key: str, status: str) -> None:
    try:
        row = seoul_admin.set_key_status_by_key(key, status)
    except (NotFoundError, ValidationError) as error:
        raise _fail(error) from None
    click.echo(f"key {row.key} is {row.status}")


@key_cli.command("suspend")
@click.argument("key")
def suspend_key(key: str) -> None:
    """Suspend KEY: its pushes get 0021 until it is reactivated."""
    _set_status(key, "suspended")


@key_cli.command("reactivate")
@click.argument("key")
def reactivate_key(key: str) -> None:
    """Reactivate a suspended KEY."""
    _set_status(key, "issued")


@key_cli.command("list")
def list_keys() -> None:
    """Keys with today's usage."""
    for usage in seoul_admin.list_keys():
        click.echo(f"{usage.key}\t{usage.status}\t{usage.used_today:,}/{usage.request_limit:,} today\t"
                   f"{usage.lot_count} lots")


@lot_cli.command("add")
@click.option("--key", required=True, help="The operator key the lot belongs to.")
@click.option("--infra-id", required=True, help="The lot id we issue (1-16 characters).")
@click.option("--secret", prompt="Secret key (32 hex digits)", hide_input=True,
              help="The lot's 16-byte secret as 32 hex digits; asked for when left out.")
def add_lot(key: str, infra_id: str, secret: str) -> None:
    """Register a lot; its secret is stored sealed and never shown again."""
    try:
        lot = seoul_admin.add_lot(key, infra_id, secret)
    except ValidationError as error:
        raise _fail(error) from None
    click.echo(f"lot {lot.infra_id} registered under {key}; its secret is sealed")


@lot_cli.command("list")
def list_lots() -> None:
    """Lots with their last push result."""
    for lot in seoul_admin.list_lots_for_admin():
        last = f"{lot.last_method} {lot.last_result_state} {lot.last_push_at:%Y-%m-%d %H:%M}Z" \
            if lot.last_push_at else "no push yet"
        click.echo(f"{lot.operator_key.key}\t{lot.infra_id}\t{lot.name or '(no ParkWritePost yet)'}\t{last}")


def _pairs(fields: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not field=value", param_hint="FIELDS")
        pairs.append((name, value))
    return pairs


@seoul_cli.command("push")
@click.argument("method", type=click.Choice(seoul_feed.METHOD_NAMES))
@click.argument("fields", nargs=-1)
@click.option("--key", required=True, help="The operator key.")
@click.option("--infra-id", required=True, help="The lot id, in clear (protected here when the method needs it).")
@click.option("--secret", default=None, help="32 hex digits; ParkWritePost/ParkOperPost only (asked for if left out).")
@click.option("--url", default=None, help="Receiver root, e.g. http://127.0.0.1:5000; default: this app in-process.")
def push(method: str, fields: tuple[str, ...], key: str, infra_id: str, secret: str | None, url: str | None) -> None:
    """Send one METHOD push with FIELDS as name=value (ParkSpacePost: repeat the list fields)."""
    if seoul_feed.protects_infra_id(method) and not secret:
        secret = click.prompt("Secret key (32 hex digits)", hide_input=True)
    try:
        result = seoul_feed.push_fields(method, key, infra_id, _pairs(fields), secret, url)
    except (ValueError, seoul_feed.ReceiverUnreachableError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{result.result_state} {result.message or result.description}")
    if not result.ok:
        raise SystemExit(1)


@seoul_cli.command("simulate")
@click.option("--minutes", type=click.IntRange(1, seoul_feed.MAX_SIMULATED_MINUTES), required=True,
              help="Simulated minutes to run.")
@click.option("--url", default=None, help="Receiver root over HTTP; default: this app in-process.")
@click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Simulated seconds per real second; 60 = a minute a second, 0 = no waiting.")
@click.option("--key", default=DEMO_KEY, show_default=True, help="The demo operator key.")
@click.option("--seed", type=int, default=None, help="Random seed for a repeatable run.")
@click.option("--verbose", is_flag=True, help="Log every HTTP push.")
def simulate(minutes: int, url: str | None, speed: float, key: str, seed: int | None, verbose: bool) -> None:
    """Drive the demo lots' occupancy through the receiver (arrivals, departures, totals, floor grids)."""

    def progress(minute: int, stats) -> None:
        if minute == minutes or minute % max(1, min(10, int(speed) or 10)) == 0:
            click.echo(f"minute {minute}/{minutes}: {stats.pushes} pushes, {stats.refused} refused")

    try:
        with seoul_feed.quiet_http_logs(verbose):
            stats = seoul_feed.simulate(minutes, url, speed, key, seed=seed, progress=progress)
    except seoul_feed.ReceiverUnreachableError as error:
        raise click.ClickException(f"the receiver did not answer: {error}") from None
    click.echo("results: " + ", ".join(f"{code} × {n}" for code, n in sorted(stats.results.items())))


@seoul_cli.command("backfill")
@click.option("--hours", type=click.IntRange(1, 7 * 24), default=24, show_default=True)
@click.option("--step", type=click.IntRange(1, 60), default=15, show_default=True, help="Minutes between samples.")
@click.option("--url", default=None, help="Receiver root over HTTP; default: this app in-process.")
@click.option("--key", default=DEMO_KEY, show_default=True)
def backfill(hours: int, step: int, url: str | None, key: str) -> None:
    """Replay the demo lots' past HOURS as ParkStatPost2 samples with past occur_times."""
    try:
        with seoul_feed.quiet_http_logs(False):
            stats = seoul_feed.backfill(hours, step, url, key)
    except seoul_feed.ReceiverUnreachableError as error:
        raise click.ClickException(f"the receiver did not answer: {error}") from None
    click.echo(f"{stats.pushes} samples sent, {stats.refused} refused")


def load_demo_lots() -> None:
    """The ``flask demo load`` hook: the demo key's lots through the protocol (skipped when present)."""
    count = seoul_feed.load_demo()
    if count:
        click.echo(f"{count} Seoul demo lots registered through ParklandWRT.svc under key {DEMO_KEY}")
    else:
        click.echo(f"Seoul demo lots already registered under key {DEMO_KEY}")
