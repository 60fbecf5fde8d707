"""How a feature plugs into the app, and the one place that builds provider clients.

Each feature package declares one ``ProviderSpec`` in its ``__init__.py``
(name, booking kind, reference prefix, blueprints, map layer, CLI group, demo
data, jobs, booking adapter and, when we call an API, an ``ApiSpec``);
``webapp/features.py`` lists them. The spec names its parts as
``"module:attribute"`` strings so that reading the list imports no views,
and so that this module stays the only one that resolves a sandbox.

With ``PROVIDER_<NAME>_URL`` unset a client talks to its sandbox in-process
through ``SandboxTransport``; set, it talks to that URL with the credentials
from the environment.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport


@dataclass(frozen=True)
class ApiSpec:
    """An external API the app calls as a client.

    Attributes:
        name: the API's key: ``PROVIDER_<NAME>_*`` settings, ``sandbox serve NAME``.
        credentials: credential name -> environment variable that overrides it.
        demo_credentials: what the embedded sandbox accepts (public demo values).
        sandbox_base_url: the API root the client uses in front of the sandbox
            (never resolved: the in-process transport answers it).
        client: ``"module:factory"``; ``factory(http, credentials, base_url)`` builds the client.
        sandbox: ``"module:create_sandbox"``; ``create_sandbox(state_dir, credentials)`` builds the emulator.
        retries: transport-level retries for safe methods.
    """

    name: str
    credentials: dict[str, str]
    demo_credentials: dict[str, str]
    sandbox_base_url: str
    client: str
    sandbox: str
    retries: int = 2


@dataclass(frozen=True)
class ProviderSpec:
    """Everything the app needs to know to wire one feature.

    Attributes:
        name: the feature's package name (``helsinki``, ``seoul`` …).
        booking_kind: the ``Booking.kind`` it writes, if it books.
        reference_prefix: the two letters of our booking references (``HP-7K3M9Q``).
        api: the API it calls, if any.
        blueprints: ``"module:bp"`` of each blueprint it serves.
        map_layer: ``"module:factory"`` returning its ``MapLayer``.
        cli: ``"module:group"`` of its ``flask --app app <group>`` commands.
        demo_data: ``"module:load"``; ``make run`` calls it after migrating.
        adapter: ``"module:Adapter"``; the booking core's view of its bookings.
        jobs: ``"module"`` whose import registers its background jobs.
        describe: ``"module:function"``; ``function(booking, language)`` gives a booking's title in the
            page's language (else the title stored at booking time is shown).
        seller_for: ``"module:function"``; ``function(booking, language)`` gives the booking's seller as
            its receipt names it (``bookings.adapter.Seller``: the operator or company, and what the
            provider's data says of VAT).
    """

    name: str
    booking_kind: str | None = None
    reference_prefix: str | None = None
    api: ApiSpec | None = None
    blueprints: tuple[str, ...] = ()
    map_layer: str | None = None
    cli: str | None = None
    demo_data: str | None = None
    adapter: str | None = None
    jobs: str | None = None
    describe: str | None = None
    seller_for: str | None = None

    def __post_init__(self) -> None:
        if self.api is not None:
            _APIS[self.api.name] = self.api


#: API name -> its spec, filled as the feature packages are imported (the same in every process)
_APIS: dict[str, ApiSpec] = {}


def resolve(target: str):
    """Import ``"module:attribute"`` and return the attribute."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute) if attribute else importlib.import_module(module)


def api_spec(name: str) -> ApiSpec:
    """The registered API called ``name``. Raises KeyError for an unknown one."""
    return _APIS[name]


def api_names() -> tuple[str, ...]:
    """Every registered API name, in registration order."""
    return tuple(_APIS)


@dataclass(frozen=True)
class ProviderSettings:
    """Where one provider lives and how we log in to it."""

    name: str
    base_url: str | None  # None: the embedded sandbox
    credentials: dict[str, str]
    timeout: float

    @property
    def uses_sandbox(self) -> bool:
        return self.base_url is None


def provider_settings(name: str, environ: os._Environ | dict = os.environ) -> ProviderSettings:
    """Read ``PROVIDER_<NAME>_URL``, ``…_TIMEOUT`` and the credentials of API ``name``."""
    api = api_spec(name)
    prefix = f"PROVIDER_{name.upper()}"
    credentials = dict(api.demo_credentials)
    for key, env_name in api.credentials.items():
        if environ.get(env_name):
            credentials[key] = environ[env_name]
    return ProviderSettings(name, environ.get(f"{prefix}_URL") or None, credentials,
                            float(environ.get(f"{prefix}_TIMEOUT", "10")))


def create_sandbox(name: str, state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the sandbox app of API ``name`` with its state in ``state_dir``.

    Raises:
        KeyError: unknown API name.
    """
    factory: Callable[[Path, dict[str, str]], Flask] = resolve(api_spec(name).sandbox)
    state_dir.mkdir(parents=True, exist_ok=True)
    return factory(state_dir, credentials)


class ProviderClients:
    """Lazily built provider clients, one per API, shared by the app's threads.

    Building on first use keeps start-up fast and lets tests swap settings
    before any client exists.
    """

    def __init__(self, settings: dict[str, ProviderSettings], sandbox_dir: Path) -> None:
        self._settings = settings
        self._sandbox_dir = sandbox_dir
        self._clients: dict[str, object] = {}
        self._sandboxes: dict[str, Flask] = {}
        self._lock = threading.Lock()

    def get(self, name: str):
        """Return the client for API ``name`` (building it on first use)."""
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self._build(name)
            return self._clients[name]

    def sandbox_app(self, name: str) -> Flask:
        """The in-process sandbox app for ``name`` (tests use its fault switch and clock)."""
        if name not in self._sandboxes:
            self._sandboxes[name] = create_sandbox(name, self._sandbox_dir, dict(self._settings[name].credentials))
        return self._sandboxes[name]

    def _build(self, name: str):
        settings, api = self._settings[name], api_spec(name)
        if settings.uses_sandbox:
            base_url, transport = api.sandbox_base_url, SandboxTransport(self.sandbox_app(name))
        else:
            base_url, transport = settings.base_url, None
        http = build_http_client(
            HttpSettings(name, base_url, connect_timeout=min(3.0, settings.timeout), read_timeout=settings.timeout,
                         retries=api.retries),
            transport=transport,
        )
        return resolve(api.client)(http, dict(settings.credentials), base_url)

    def close(self) -> None:
        """Close every HTTP client built so far."""
        for client in self._clients.values():
            http = getattr(client, "http", None) or getattr(client, "_http", None)
            if http is not None:
                http.close()
        self._clients.clear()


def provider_client(name: str):
    """The current app's client for API ``name`` (sandbox or real)."""
    return current_app.extensions["providers"].get(name)
