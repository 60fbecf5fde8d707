"""Composition root for provider clients: the real API or the embedded sandbox.

The only module (with ``sandbox_transport``) that imports both ``providers``
and ``sandbox``. With ``PROVIDER_<NAME>_URL`` unset a client talks to its
sandbox in-process through ``httpx.WSGITransport``; set, it talks to that URL.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from .config import SANDBOX_BASE_URLS, ProviderSettings
from .providers.http import HttpSettings, build_http_client
from .sandbox import create_sandbox
from .sandbox_transport import SandboxTransport


def _construct(name: str, http: httpx.Client, settings: ProviderSettings, base_url: str):
    # imported per provider so a worker loads only the clients it uses
    creds = settings.credentials
    if name == "helsinki":
        from .providers.helsinki import HelsinkiClient

        return HelsinkiClient(http, creds["username"], creds["password"])
    if name == "apds":
        from .providers.apds import ApdsClient

        return ApdsClient(http, creds["token"])
    if name == "rentcar":
        from .providers.rentcar import RentcarClient

        return RentcarClient(http, creds["uid"], creds["passcode"])
    if name == "parking247":
        from .providers.parking247 import Parking247Client

        return Parking247Client(http, creds["key"], creds["secret"], base_url)
    raise KeyError(name)


class ProviderClients:
    """Lazily built provider clients, one per provider, shared by the app's threads.

    Building on first use keeps start-up fast and lets tests swap settings
    before any client exists.
    """

    def __init__(self, settings: dict[str, ProviderSettings], sandbox_dir: Path) -> None:
        self._settings = settings
        self._sandbox_dir = sandbox_dir
        self._clients: dict[str, object] = {}
        self._sandboxes: dict[str, object] = {}
        self._lock = threading.Lock()

    def get(self, name: str):
        """Return the client for provider ``name`` (building it on first use)."""
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self._build(name)
            return self._clients[name]

    def sandbox_app(self, name: str):
        """The in-process sandbox app for ``name`` (tests use its fault switch and clock)."""
        if name not in self._sandboxes:
            settings = self._settings[name]
            self._sandboxes[name] = create_sandbox(name, self._sandbox_dir, dict(settings.credentials))
        return self._sandboxes[name]

    def _build(self, name: str):
        settings = self._settings[name]
        if settings.uses_sandbox:
            base_url = SANDBOX_BASE_URLS[name]
            transport = SandboxTransport(self.sandbox_app(name))
        else:
            base_url, transport = settings.base_url, None
        # a 247Parking request is signed with a single-use nonce: resending it is refused,
        # so that client gets no transport-level retries
        retries = 0 if name == "parking247" else 2
        http = build_http_client(
            HttpSettings(name, base_url, connect_timeout=min(3.0, settings.timeout), read_timeout=settings.timeout,
                         retries=retries),
            transport=transport,
        )
        return _construct(name, http, settings, base_url)

    def close(self) -> None:
        """Close every HTTP client built so far."""
        for client in self._clients.values():
            http = getattr(client, "http", None) or getattr(client, "_http", None)
            if http is not None:
                http.close()
        self._clients.clear()
