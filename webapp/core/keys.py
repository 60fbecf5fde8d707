"""``flask --app app keys rotate``: re-seal stored secrets under the current key.

Rotating a key, in order: put the new key in ``SECRET_KEY`` (or ``SEALING_KEY``)
and the old one in ``SECRET_KEY_FALLBACKS`` (or ``SEALING_KEY_FALLBACKS``),
restart, run ``keys rotate``, then drop the old key from the fallbacks. Every
feature that stores sealed secrets registers how to re-seal them with
``register_sealed_store`` (core knows no feature).
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

keys_cli = AppGroup("keys", help="Secret keys: re-seal stored secrets after a key rotation.")

#: re-seals one store's secrets and returns (re-sealed, unreadable)
Resealer = Callable[[], tuple[int, int]]


def register_sealed_store(app: Flask, name: str, reseal: Resealer) -> None:
    """Let ``keys rotate`` re-seal the secrets of one store (e.g. "Seoul lot secrets")."""
    app.extensions.setdefault("sealed_stores", {})[name] = reseal


@keys_cli.command("rotate")
def rotate() -> None:
    """Re-seal every stored secret under the current key; exits 1 if any could not be opened."""
    unreadable_total = 0
    for name, reseal in sorted(current_app.extensions.get("sealed_stores", {}).items()):
        resealed, unreadable = reseal()
        click.echo(f"{name}: {resealed} re-sealed, {unreadable} unreadable")
        unreadable_total += unreadable
    if unreadable_total:
        raise click.ClickException(f"{unreadable_total} secrets open under no configured key; "
                                   "add the old key to the fallbacks and run again")
