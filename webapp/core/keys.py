"""``flask --app app keys rotate``: re-seal stored secrets under the current key.

Rotating a key, in order: put the new key in ``SECRET_KEY`` (or ``SEALING_KEY``)
and the old one in ``SECRET_KEY_FALLBACKS`` (or ``SEALING_KEY_FALLBACKS``),
restart, run ``keys rotate``, then drop the old key from the fallbacks. Every
feature that stores sealed secrets registers how to re-seal them with
``register_sealed_store`` (core knows no feature).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.core.sealing import SealingError, keyring_from_config

log = logging.getLogger(__name__)

keys_cli = AppGroup("keys", help="Secret keys: re-seal stored secrets after a key rotation.")

#: re-seals one store's secrets and returns (re-sealed, unreadable)
Resealer = Callable[[], tuple[int, int]]


def register_sealed_store(app: Flask, name: str, reseal: Resealer) -> None:
    """Let ``keys rotate`` re-seal the secrets of one store (e.g. "Seoul lot secrets")."""
    app.extensions.setdefault("sealed_stores", {})[name] = reseal


def reseal_rows(rows: Iterable, purpose: str, describe: Callable[[object], str]) -> tuple[int, int]:
    """Seal each row's ``sealed_secret`` anew under the current key (the caller commits).

    Args:
        rows: objects with a ``sealed_secret`` attribute (a feature's query).
        purpose: the sealing purpose the secrets were sealed for.
        describe: names a row in the log ("Seoul lot 7").

    Returns:
        (resealed, unreadable): a secret no key of the ring opens is left as it is and logged.
    """
    keyring = keyring_from_config(current_app.config)
    resealed = unreadable = 0
    for row in rows:
        try:
            row.sealed_secret = keyring.reseal(row.sealed_secret, purpose)
        except SealingError:
            unreadable += 1
            log.warning("%s: no sealing key opens its secret; left as it is", describe(row))
        else:
            resealed += 1
    return resealed, unreadable


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
