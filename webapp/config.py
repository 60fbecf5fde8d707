"""Settings from environment variables, with documented defaults.

Every setting is read here and nowhere else. Secrets (SECRET_KEY, provider
credentials) come only from the environment; the sandbox demo credentials
below are public demo values that only the embedded emulators accept.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

PROVIDER_NAMES = ("helsinki", "apds", "rentcar", "parking247")

# Demo credentials of the embedded sandboxes (documented in README): they are
# what the emulators accept, not real secrets. Real credentials override them
# through the environment variables named in PROVIDER_CREDENTIAL_ENV.
SANDBOX_DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "helsinki": {"username": "client_00", "password": "secret password"},
    "apds": {"token": "apds-demo-token"},
    "rentcar": {"uid": "demo-agency", "passcode": "demo-passcode"},
    # seed 004's example key and secret
    "parking247": {
        "key": "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM",
        "secret": "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK",
    },
}

#: provider -> credential name -> environment variable
PROVIDER_CREDENTIAL_ENV: dict[str, dict[str, str]] = {
    "helsinki": {"username": "PROVIDER_HELSINKI_USERNAME", "password": "PROVIDER_HELSINKI_PASSWORD"},
    "apds": {"token": "PROVIDER_APDS_TOKEN"},
    "rentcar": {"uid": "PROVIDER_RENTCAR_UID", "passcode": "PROVIDER_RENTCAR_PASSCODE"},
    "parking247": {"key": "PROVIDER_PARKING247_KEY", "secret": "PROVIDER_PARKING247_SECRET"},
}

#: API root used when a provider runs as the embedded sandbox (never resolved:
#: the WSGI transport answers it in-process)
SANDBOX_BASE_URLS = {
    "helsinki": "https://helsinki.sandbox/",
    "apds": "https://apds.sandbox/",
    "rentcar": "https://rentcar.sandbox/",
    # the signature covers the base URL, so the sandbox uses the real root
    "parking247": "https://api.247parking.nl/v1/",
}


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
    """Read ``PROVIDER_<NAME>_URL``, ``…_TIMEOUT`` and the credentials of one provider."""
    prefix = f"PROVIDER_{name.upper()}"
    base_url = environ.get(f"{prefix}_URL") or None
    credentials = dict(SANDBOX_DEMO_CREDENTIALS[name])
    for key, env_name in PROVIDER_CREDENTIAL_ENV[name].items():
        if environ.get(env_name):
            credentials[key] = environ[env_name]
    return ProviderSettings(name, base_url, credentials, float(environ.get(f"{prefix}_TIMEOUT", "10")))


def _development_secret_key(instance_path: Path) -> str:
    """Load or create the development key kept in ``instance/secret_key``."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    log.warning("SECRET_KEY is not set: generated a development key in %s", key_file)
    return key


class ConfigurationError(RuntimeError):
    """The environment does not allow the app to start safely."""


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    TESTING = False
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024  # the largest legitimate form is a few KB
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    LANGUAGES = ("en", "fi", "sv", "ko")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "webapp" / "translations")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_LIMIT_PER_IP = "20 per 10 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 10 minutes"
    USE_CDN_ASSETS = False

    def __init__(self, environ: os._Environ | dict = os.environ, instance_path: Path = DEFAULT_INSTANCE) -> None:
        self.INSTANCE_PATH = Path(environ.get("INSTANCE_PATH", instance_path))
        secret = environ.get("SECRET_KEY")
        if not secret:
            secret = self.missing_secret_key()
        self.SECRET_KEY = secret
        self.SQLALCHEMY_DATABASE_URI = environ.get("DATABASE_URL") or f"sqlite:///{self.INSTANCE_PATH / 'app.sqlite3'}"
        self.REDIS_URL = environ.get("REDIS_URL") or None
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.SANDBOX_DIR = Path(environ.get("SANDBOX_DIR", self.INSTANCE_PATH / "sandbox"))
        self.PROVIDERS = {name: provider_settings(name, environ) for name in PROVIDER_NAMES}
        self.LOG_LEVEL = environ.get("LOG_LEVEL", "INFO")
        # street tiles need the internet, so they are off unless configured
        self.MAP_TILE_URL = environ.get("MAP_TILE_URL") or None
        self.MAP_TILE_ORIGIN = environ.get("MAP_TILE_ORIGIN") or None
        self.MAP_TILE_ATTRIBUTION = environ.get("MAP_TILE_ATTRIBUTION", "")

    def missing_secret_key(self) -> str:
        return _development_secret_key(self.INSTANCE_PATH)


class DevelopmentConfig(Config):
    """`make run`: SQLite in instance/, embedded sandboxes, generated key."""


class TestingConfig(Config):
    """pytest: a throw-away instance folder and relaxed cookies."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, environ=os.environ, instance_path: Path = DEFAULT_INSTANCE) -> None:
        super().__init__(environ, instance_path)
        # a developer's REDIS_URL must not carry counts from one test into another
        self.RATELIMIT_STORAGE_URI = "memory://"

    def missing_secret_key(self) -> str:
        return "testing-secret-key-not-for-production"


class ProductionConfig(Config):
    """Behind TLS: secure cookies and a mandatory SECRET_KEY."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def missing_secret_key(self) -> str:
        raise ConfigurationError("SECRET_KEY must be set in production (see README, Configuration).")


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_from_environment(name: str | None = None, environ=os.environ) -> Config:
    """Pick the config class from ``name``, ``APP_ENV`` or ``FLASK_ENV`` (default development)."""
    name = name or environ.get("APP_ENV") or environ.get("FLASK_ENV") or "development"
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise ConfigurationError(f"unknown configuration {name!r}; use one of {sorted(CONFIGS)}") from exc
    return cls(environ)
