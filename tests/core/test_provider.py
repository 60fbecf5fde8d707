"""The composition root: sandbox in-process by default, the same client over real HTTP when a URL is set."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_url_each_client_talks_to_its_sandbox_in_process(app):
    providers = app.extensions["providers"]
    companies = providers.get("rentcar").company_list()
    assert companies and all(c.name for c in companies)
    assert providers.get("parking247").test_call().code == 200
    assert isinstance(providers.get("rentcar")._http._transport._inner, httpx.WSGITransport)
    assert (Path(app.config["SANDBOX_DIR"]) / "rentcar.sqlite3").exists()


def test_sandbox_state_is_shared_between_app_instances(tmp_path):
    first, second = make_app(tmp_path), make_app(tmp_path)
    # two processes' worth of apps on one instance folder see one provider
    for app in (first, second):
        assert app.extensions["providers"].get("rentcar").company_list()
    assert first.config["SANDBOX_DIR"] == second.config["SANDBOX_DIR"]


def test_cli_serves_a_sandbox_over_real_http_and_the_client_uses_it(tmp_path):
    port = _free_port()
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "APP_ENV": "testing", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "sandbox", "serve", "rentcar", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"sandbox did not start: {server.stdout.read1().decode(errors='replace')}")
        app = make_app(tmp_path / "app")
        app.config["PROVIDERS"]["rentcar"] = app.config["PROVIDERS"]["rentcar"].__class__(
            "rentcar", f"http://127.0.0.1:{port}/", app.config["PROVIDERS"]["rentcar"].credentials, 5.0)
        from webapp.core.provider import ProviderClients

        clients = ProviderClients(app.config["PROVIDERS"], app.config["SANDBOX_DIR"])
        client = clients.get("rentcar")
        assert isinstance(client._http._transport._inner, httpx.HTTPTransport)
        assert client.company_list()
        clients.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
