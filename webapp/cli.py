"""App-wide commands: ``flask --app app sandbox|demo|users …``.

Each feature brings its own group (``helsinki``, ``seoul`` …) through its ``ProviderSpec``.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.accounts import users, vehicles
from webapp.accounts.cli import users_cli
from webapp.bookings.cli import bookings_cli
from webapp.config import PROVIDER_NAMES, SANDBOX_DEMO_CREDENTIALS
from webapp.core.jobs import jobs_cli
from webapp.core.keys import keys_cli
from webapp.push.cli import push_cli

sandbox_cli = AppGroup("sandbox", help="Serve a provider sandbox over real HTTP.")
demo_cli = AppGroup("demo", help="Demo data for `make run`.")

DEMO_DRIVER = ("driver@example.com", "driver-demo-pass")
DEMO_ADMIN = ("admin@example.com", "admin-demo-pass")


@sandbox_cli.command("serve")
@click.argument("name", type=click.Choice(PROVIDER_NAMES))
@click.option("--port", type=int, required=True)
@click.option("--latency", type=float, default=0.0, help="Fault: seconds of delay before every answer.")
@click.option("--fail-status", type=int, default=None, help="Fault: answer every request with this status.")
def serve_sandbox(name: str, port: int, latency: float, fail_status: int | None) -> None:
    """Serve sandbox NAME on 127.0.0.1:PORT (its state stays in instance/sandbox/)."""
    from werkzeug.serving import run_simple

    sandbox = current_app.extensions["providers"].sandbox_app(name)
    faults = sandbox.extensions["faults"]
    faults.served_over_http = True
    faults.latency, faults.status = latency, fail_status
    click.echo(f"sandbox {name} on http://127.0.0.1:{port}/ (point PROVIDER_{name.upper()}_URL at it)")
    run_simple("127.0.0.1", port, sandbox, threaded=True, use_reloader=False)


@sandbox_cli.command("rentcar-cost")
def rentcar_cost() -> None:
    """Print the rent-car sandbox's API cost per KST day, agency and cmd (seed 001 "API 목록과 비용")."""
    sandbox = current_app.extensions["providers"].sandbox_app("rentcar")
    rows = sandbox.test_client().get("/_sandbox/cost").get_json()["rows"]
    for row in rows:
        click.echo(f"{row['day']}  {row['uid']:<16} {row['cmd']:<32} {row['calls']:>6} calls  {row['cost']:>10.4f}")
    click.echo(f"total {sum(row['cost'] for row in rows):.4f} calls of API cost")


@sandbox_cli.command("valet-reset-credentials")
@click.option("--demo", is_flag=True, help="Issue the seed's example pair again (what the app uses by default).")
def valet_reset_credentials(demo: bool) -> None:
    """247Parking's "Reset API credentials" (seed 004): a new key and secret; the old pair is dead at once."""
    sandbox = current_app.extensions["providers"].sandbox_app("parking247")
    seed_pair = SANDBOX_DEMO_CREDENTIALS["parking247"]
    pair = (seed_pair["key"], seed_pair["secret"]) if demo else ()
    key, secret = sandbox.extensions["parking247"].reset_credentials(*pair)
    click.echo(f"PROVIDER_PARKING247_KEY={key}\nPROVIDER_PARKING247_SECRET={secret}")
    if not demo:
        click.echo("The app signs with these only once both are set; `--demo` restores the seed's example pair.")


@demo_cli.command("load")
def load_demo() -> None:
    """Create the demo driver (with a vehicle) and the demo admin, then each feature's demo data; safe to rerun."""
    email, password = DEMO_DRIVER
    driver = users.find_user_by_email(email)
    if driver is None:
        driver = users.register_user(email, password, password, name="Demo Driver")
        users.update_profile(driver.id, "Demo Driver", "+358 40 123 4567", None)
        vehicles.add_vehicle(driver.id, "FI", "ABC-123", "Demo car", make_default=True)
    users.create_admin(*DEMO_ADMIN)
    for hook in current_app.extensions.get("demo_loaders", []):
        hook()
    click.echo(f"demo driver {DEMO_DRIVER[0]} / {DEMO_DRIVER[1]}; demo admin {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}"
               " (demo only)")


def register_commands(app: Flask) -> None:
    """Attach the app-wide command groups to ``app``."""
    for group in (users_cli, bookings_cli, sandbox_cli, demo_cli, jobs_cli, keys_cli, push_cli):
        app.cli.add_command(group)
