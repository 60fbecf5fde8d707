"""``flask --app app push …``: Web Push from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.push import reminders
from webapp.push.keys import push_enabled

push_cli = AppGroup("push", help="Web Push notifications.")


@push_cli.command("send-due")
def send_due() -> None:
    """Send the notifications due now, as the every-minute job does (safe beside the job runner: each goes once)."""
    if not push_enabled():
        raise click.ClickException("push is off: VAPID_PRIVATE_KEY is not set")
    click.echo(f"push notifications sent: {reminders.send_due()}")
