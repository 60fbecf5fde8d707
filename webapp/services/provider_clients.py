"""Access to the app's provider clients for services."""

from __future__ import annotations

from flask import current_app


def provider_client(name: str):
    """The configured client for provider ``name`` (sandbox or real)."""
    return current_app.extensions["providers"].get(name)
