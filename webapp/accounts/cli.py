"""``flask --app app users …``: account administration from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.accounts import users
from webapp.core.errors import ValidationError

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.password_option(prompt="Password for the admin (at least 10 characters)")
def create_admin(email: str, password: str) -> None:
    """Create an admin account EMAIL (or promote an existing account)."""
    try:
        user = users.create_admin(email, password)
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"admin {user.email} is ready")
