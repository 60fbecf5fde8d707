"""The address the app serves on is the one it gives out (issue 21).

``PORT=5110 make run`` subscribed ``http://127.0.0.1:5000/carparks/webhooks/apds`` and mailed links to port
5000: ticketless entries never reached the driver's page. ``make run`` now sets ``PUBLIC_BASE_URL`` from
``HOST``/``PORT``, the APDS subscription follows ``PUBLIC_BASE_URL`` (unless ``APDS_WEBHOOK_URL`` says
otherwise), and every setting the app reads from the environment is in the README's configuration table.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from webapp import create_app
from webapp.apds import events
from webapp.config import TestingConfig
from webapp.core.provider import api_names, api_spec

ROOT = Path(__file__).resolve().parents[1]


def _make_run(*args: str) -> str:
    """What ``make run`` would do (``make -n``: printed, nothing run)."""
    return subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True, env={"PATH": "/usr/bin:/bin"}).stdout


@pytest.mark.parametrize(("args", "expected"), [
    ((), "http://127.0.0.1:5000"),
    (("PORT=5110",), "http://127.0.0.1:5110"),
    (("HOST=0.0.0.0", "PORT=5111"), "http://127.0.0.1:5111"),  # listening everywhere: reached on loopback
    (("HOST=192.0.2.7", "PORT=8080"), "http://192.0.2.7:8080"),
    (("PORT=5110", "PUBLIC_BASE_URL=https://parkgo.example"), "https://parkgo.example"),
])
def test_make_run_gives_the_server_and_the_job_consumer_the_address_it_serves_on(args, expected):
    script = _make_run(*args)
    given = re.findall(r"PUBLIC_BASE_URL='([^']*)'", script)
    assert given and set(given) == {expected}
    assert re.search(r"PUBLIC_BASE_URL='[^']*' \S*flask --app app demo load", script)  # the demo subscribes too
    assert re.search(r"PUBLIC_BASE_URL='[^']*' \S*flask --app app jobs consume", script)


@pytest.mark.parametrize(("environ", "expected"), [
    ({"PUBLIC_BASE_URL": "http://127.0.0.1:5110"}, "http://127.0.0.1:5110/carparks/webhooks/apds"),
    ({"PUBLIC_BASE_URL": "https://parkgo.example/"}, "https://parkgo.example/carparks/webhooks/apds"),
    ({"PUBLIC_BASE_URL": "https://parkgo.example", "APDS_WEBHOOK_URL": "https://hooks.example/apds"},
     "https://hooks.example/apds"),
])
def test_the_apds_subscription_follows_public_base_url(tmp_path, environ, expected):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), **environ}))
    with app.app_context():
        assert events.webhook_url() == expected


def _read_from_the_environment() -> set[str]:
    names = set()
    for path in (ROOT / "webapp").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        names |= set(re.findall(r"environ(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text(encoding="utf-8")))
    names.discard("REQUEST_METHOD")  # a WSGI key, not a setting
    for name in api_names():
        names |= {f"PROVIDER_{name.upper()}_URL", f"PROVIDER_{name.upper()}_TIMEOUT"}
        names |= set(api_spec(name).credentials.values())
    return names


def _configuration_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def test_every_setting_the_app_reads_is_in_the_readmes_configuration_table(tmp_path):
    create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path)}))  # every feature's API registered
    table = _configuration_table()
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)", table))
    for row in table.splitlines():  # `PROVIDER_<NAME>_URL` ... for `HELSINKI`, `APDS` ...
        generic = re.search(r"`PROVIDER_<NAME>_([A-Z]+)`", row)
        if generic:
            named = set(re.findall(r"`([A-Z0-9]+)`", row.split("|")[3]))
            providers = named or {name.upper() for name in api_names()}
            listed |= {f"PROVIDER_{provider}_{generic.group(1)}" for provider in providers}
    missing = sorted(_read_from_the_environment() - listed)
    assert missing == []
