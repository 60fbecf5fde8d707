from pathlib import Path

import pytest

from webapp.config import (
    SANDBOX_DEMO_CREDENTIALS,
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    config_from_environment,
    provider_settings,
)


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigurationError):
        ProductionConfig({"INSTANCE_PATH": str(tmp_path)})


def test_production_uses_secure_cookies(tmp_path):
    config = ProductionConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40})
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SECRET_KEY == "x" * 40


def test_development_key_is_generated_once_and_kept(tmp_path, caplog):
    first = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path)}).SECRET_KEY
    assert "generated a development key" in caplog.text
    second = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path)}).SECRET_KEY
    assert first == second and len(first) == 64
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_instance(tmp_path):
    config = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert f"sqlite:///{tmp_path}/app.sqlite3" == config.SQLALCHEMY_DATABASE_URI
    assert config.RATELIMIT_STORAGE_URI == "parkgo-db://"  # shared by every worker (webapp/web/rate_limits.py)


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    config = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                                "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config.RATELIMIT_STORAGE_URI == "parkgo-redis://127.0.0.1:6379/0"  # the database while it is down


def test_provider_without_url_uses_sandbox_with_demo_credentials():
    settings = provider_settings("helsinki", {})
    assert settings.uses_sandbox
    assert settings.credentials == SANDBOX_DEMO_CREDENTIALS["helsinki"]


def test_provider_url_and_credentials_come_from_environment():
    settings = provider_settings("rentcar", {"PROVIDER_RENTCAR_URL": "https://rent.example/",
                                             "PROVIDER_RENTCAR_PASSCODE": "real", "PROVIDER_RENTCAR_TIMEOUT": "4"})
    assert not settings.uses_sandbox
    assert settings.base_url == "https://rent.example/"
    assert settings.credentials == {"uid": "demo-agency", "passcode": "real"}
    assert settings.timeout == 4.0


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigurationError):
        config_from_environment("staging", {})
