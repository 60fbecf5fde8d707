"""Command-line tools: ``flask --app app users|sandbox|demo …``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .providers.errors import ProviderError
from .services import accounts, helsinki_areas, vehicles
from .services.errors import ValidationError

users_cli = AppGroup("users", help="Manage accounts.")
sandbox_cli = AppGroup("sandbox", help="Serve a provider sandbox over real HTTP.")
demo_cli = AppGroup("demo", help="Demo data for `make run`.")
helsinki_cli = AppGroup("helsinki", help="Helsinki street parking.")

DEMO_DRIVER = ("driver@example.com", "driver-demo-pass")
DEMO_ADMIN = ("admin@example.com", "admin-demo-pass")


@users_cli.command("create-admin")
@click.argument("email")
@click.password_option(prompt="Password for the admin (at least 10 characters)")
def create_admin(email: str, password: str) -> None:
    """Create an admin account EMAIL (or promote an existing account)."""
    try:
        user = accounts.create_admin(email, password)
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"admin {user.email} is ready")


@sandbox_cli.command("serve")
@click.argument("name", type=click.Choice(["helsinki", "apds", "rentcar", "parking247"]))
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


@demo_cli.command("load")
def load_demo() -> None:
    """Create the demo driver (with a vehicle) and the demo admin; safe to run again."""
    email, password = DEMO_DRIVER
    driver = accounts.find_user_by_email(email)
    if driver is None:
        driver = accounts.register_user(email, password, password, name="Demo Driver")
        accounts.update_profile(driver.id, "Demo Driver", "+358 40 123 4567", None)
        vehicles.add_vehicle(driver.id, "FI", "ABC-123", "Demo car", make_default=True)
    accounts.create_admin(*DEMO_ADMIN)
    for hook in current_app.extensions.get("demo_loaders", []):
        hook()
    click.echo(f"demo driver {DEMO_DRIVER[0]} / {DEMO_DRIVER[1]}; demo admin {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}"
               " (demo only)")


def load_demo_areas() -> None:
    """Demo data hook: copy the city's areas so the first map view is immediate."""
    count = helsinki_areas.sync_areas()
    click.echo(f"{count} Helsinki parking areas loaded from the city")


@helsinki_cli.command("sync")
def sync_helsinki() -> None:
    """Refresh the local copy of the city's parking areas and day types."""
    try:
        count = helsinki_areas.sync_areas()
    except ProviderError as error:
        raise click.ClickException(f"the city did not answer: {error}") from None
    click.echo(f"{count} areas synchronised")


def register_commands(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    for group in (users_cli, sandbox_cli, demo_cli, helsinki_cli):
        app.cli.add_command(group)
