"""``flask --app app helsinki …`` and the Helsinki demo data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.core.errors import ProviderError
from webapp.helsinki import areas

helsinki_cli = AppGroup("helsinki", help="Helsinki street parking.")


def load_demo_areas() -> None:
    """Demo data hook: copy the city's areas so the first map view is immediate."""
    count = areas.sync_areas()
    click.echo(f"{count} Helsinki parking areas loaded from the city")


@helsinki_cli.command("sync")
def sync_helsinki() -> None:
    """Refresh the local copy of the city's parking areas and day types."""
    try:
        count = areas.sync_areas()
    except ProviderError as error:
        raise click.ClickException(f"the city did not answer: {error}") from None
    click.echo(f"{count} areas synchronised")
