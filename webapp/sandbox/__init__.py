"""Faithful emulators of the external provider APIs.

Each sandbox is a small Flask app in its own package, built by
``create_sandbox(state_dir, credentials)``. It keeps its state in its own SQLite
file under ``state_dir`` (``instance/sandbox/`` by default), never in the app's
tables, so several server processes see one provider and a booking the app
forgets is still there, as with the real provider.

Sandboxes import nothing from the app except the shared crypto helpers.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

#: provider name -> module that defines ``create_sandbox``
SANDBOX_MODULES = {
    "helsinki": "webapp.sandbox.helsinki",
    "apds": "webapp.sandbox.apds",
    "rentcar": "webapp.sandbox.rentcar",
    "parking247": "webapp.sandbox.parking247",
}


def create_sandbox(name: str, state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the sandbox app for provider ``name``.

    Args:
        name: one of ``SANDBOX_MODULES``.
        state_dir: folder for the sandbox's SQLite file (created if missing).
        credentials: the demo credentials the sandbox accepts.

    Raises:
        KeyError: unknown sandbox name.
    """
    module = importlib.import_module(SANDBOX_MODULES[name])
    state_dir.mkdir(parents=True, exist_ok=True)
    return module.create_sandbox(state_dir, credentials)
