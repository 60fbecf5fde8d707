"""`flask --app app sandbox valet-reset-credentials`: 247Parking's "Reset API credentials" on the sandbox."""

from __future__ import annotations

import pytest

from webapp.core.errors import ProviderAuthError


def test_reset_issues_a_new_pair_and_the_apps_old_one_is_refused_at_once(app):
    client = app.extensions["providers"].get("parking247")
    assert client.test_call().code == 200

    result = app.test_cli_runner().invoke(args=["sandbox", "valet-reset-credentials"])

    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if line.startswith("PROVIDER_"))
    assert set(lines) == {"PROVIDER_PARKING247_KEY", "PROVIDER_PARKING247_SECRET"}
    with pytest.raises(ProviderAuthError):
        client.test_call()


def test_reset_with_demo_restores_the_seed_pair(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["sandbox", "valet-reset-credentials"])

    result = runner.invoke(args=["sandbox", "valet-reset-credentials", "--demo"])

    assert "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM" in result.output
    assert app.extensions["providers"].get("parking247").test_call().code == 200
