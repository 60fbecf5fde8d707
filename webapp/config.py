"""Settings from environment variables, with documented defaults.

Every setting is read here and nowhere else. Secrets (SECRET_KEY, provider
credentials) come only from the environment; the sandbox demo credentials
below are public demo values that only the embedded emulators accept.
"""

from __future__ import annotations

import logging
import os
import secrets
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import webapp.features  # noqa: F401 - registers every feature's API settings
from webapp.core.provider import api_names, api_spec, provider_settings

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

# The provider settings (PROVIDER_<NAME>_URL, …_TIMEOUT, credentials) are declared by each
# feature's ApiSpec (webapp/<feature>/__init__.py) and read here with provider_settings().
PROVIDER_NAMES = api_names()

#: the public demo credentials each embedded sandbox accepts (documented in README)
SANDBOX_DEMO_CREDENTIALS: dict[str, dict[str, str]] = {name: dict(api_spec(name).demo_credentials)
                                                        for name in PROVIDER_NAMES}


def tile_origin(tile_url: str | None) -> str | None:
    """The origin the CSP must allow images from for ``tile_url`` (``https://tile.example.org``;
    a ``{s}`` subdomain placeholder becomes the CSP's ``*``)."""
    parts = urlsplit(tile_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


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


def _development_vapid_key(instance_path: Path) -> str:
    """Load or create the development VAPID private key (PEM) kept in ``instance/vapid_private.pem``.

    Web Push signs every message with it (RFC 8292); browsers subscribed under one key refuse
    messages signed with another, so it is generated once and kept, like the development SECRET_KEY.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key_file = instance_path / "vapid_private.pem"
    if key_file.exists():
        return key_file.read_text()
    instance_path.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    key_file.write_text(pem)
    key_file.chmod(0o600)
    log.warning("VAPID_PRIVATE_KEY is not set: generated a development key in %s", key_file)
    return pem


def _key_list(text: str | None) -> list[str]:
    """Keys from a comma-separated environment variable (blank entries ignored)."""
    return [key.strip() for key in (text or "").split(",") if key.strip()]


#: the address of `make run`, the default of PUBLIC_BASE_URL
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


#: the push services of Chrome/Edge (FCM), Firefox (autopush), Edge on Windows (WNS) and Safari (APNs)
KNOWN_PUSH_SERVICES = ("fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com")


#: the values of HELSINKI_BACKEND, the default first
HELSINKI_BACKENDS = ("city-api", "parkkihubi")


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
    # the storage falls back from Redis to the database by itself (webapp/web/rate_limits.py); memory is
    # the last resort, per process, only while the database does not answer either (a warning is logged)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # failed logins only; see webapp/accounts/login_limits.py for who counts against what
    LOGIN_LIMIT_PER_IP = "20 per 10 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 10 minutes"  # one account from one client
    LOGIN_LIMIT_PER_ACCOUNT_ANY_CLIENT = "100 per hour"  # one account from clients it does not know
    REGISTER_LIMIT_PER_IP = "10 per hour"
    RESET_LIMIT_PER_IP = "10 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link works
    USE_CDN_ASSETS = False
    # jobs (webapp/core/jobs.py) queue in INSTANCE_PATH/jobs.sqlite3, or in Redis when REDIS_URL is set
    JOBS_IMMEDIATE = False
    # Argon2id parameters for PasswordHasher (time_cost, memory_cost, parallelism …); None: argon2-cffi's
    # current defaults (RFC 9106 low-memory profile). Only TestingConfig lowers them.
    PASSWORD_HASH_PARAMETERS: dict | None = None

    def __init__(self, environ: os._Environ | dict = os.environ, instance_path: Path = DEFAULT_INSTANCE) -> None:
        self.INSTANCE_PATH = Path(environ.get("INSTANCE_PATH", instance_path))
        secret = environ.get("SECRET_KEY")
        if not secret:
            secret = self.missing_secret_key()
        self.SECRET_KEY = secret
        # rotation: the previous keys, comma-separated, still open sessions (Flask 3.1) and sealed secrets
        self.SECRET_KEY_FALLBACKS = _key_list(environ.get("SECRET_KEY_FALLBACKS"))
        # sealing of stored secrets (core/sealing.py) may use keys of its own; default: the ones above
        self.SEALING_KEY = environ.get("SEALING_KEY") or None
        self.SEALING_KEY_FALLBACKS = _key_list(environ.get("SEALING_KEY_FALLBACKS"))
        self.SQLALCHEMY_DATABASE_URI = environ.get("DATABASE_URL") or f"sqlite:///{self.INSTANCE_PATH / 'app.sqlite3'}"
        # a database error's text carries its statement's parameters (e-mails, phones, plates) into the
        # log; they are hidden unless LOG_SQL_PARAMETERS=1 is set for a debugging session
        self.SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": environ.get("LOG_SQL_PARAMETERS") != "1"}
        self.REDIS_URL = environ.get("REDIS_URL") or None
        # abuse limits count in Redis, and in the database while Redis does not answer; without Redis in
        # the database: every worker sees the same counts (webapp/web/rate_limits.py)
        self.RATELIMIT_STORAGE_URI = f"parkgo-{self.REDIS_URL}" if self.REDIS_URL else "parkgo-db://"
        # how long a worker reuses a Seoul operator key and lot it read (webapp/seoul/receiver_cache.py): an
        # admin's suspension or new limit is in force in every worker within this many seconds
        self.SEOUL_RECEIVER_CACHE_SECONDS = float(environ.get("SEOUL_RECEIVER_CACHE_SECONDS", "5"))
        self.SANDBOX_DIR = Path(environ.get("SANDBOX_DIR", self.INSTANCE_PATH / "sandbox"))
        self.PROVIDERS = {name: provider_settings(name, environ) for name in PROVIDER_NAMES}
        # where Helsinki street parkings go: the city's parking API of seed 002 ("city-api"), or the city's
        # live parking hub ("parkkihubi", webapp/helsinki/hub.py); areas and tariffs come from the city API either way
        self.HELSINKI_BACKEND = (environ.get("HELSINKI_BACKEND") or HELSINKI_BACKENDS[0]).strip().lower()
        if self.HELSINKI_BACKEND not in HELSINKI_BACKENDS:
            raise ConfigurationError(f"HELSINKI_BACKEND must be one of {', '.join(HELSINKI_BACKENDS)}, "
                                     f"not {self.HELSINKI_BACKEND!r}")
        self.LOG_LEVEL = environ.get("LOG_LEVEL", "INFO")
        # mail (Flask-Mailman): `make run` starts a local catcher on 127.0.0.1:8025 that prints every
        # mail; production sets its SMTP server here
        self.MAIL_SERVER = environ.get("MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = int(environ.get("MAIL_PORT", "8025"))
        self.MAIL_USERNAME = environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = environ.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = environ.get("MAIL_USE_TLS") == "1"
        self.MAIL_USE_SSL = environ.get("MAIL_USE_SSL") == "1"
        self.MAIL_DEFAULT_SENDER = environ.get("MAIL_DEFAULT_SENDER", "ParkGo <no-reply@parkgo.example>")
        self.MAIL_TIMEOUT = 10
        # where drivers reach the app: links in mails sent by jobs, which have no request to take a host from
        public_base_url = (environ.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
        self.PUBLIC_BASE_URL = public_base_url or self.missing_public_base_url()
        # where the APDS platform delivers our events; unset: our receiver on PUBLIC_BASE_URL (webapp/apds/events.py)
        self.APDS_WEBHOOK_URL = (environ.get("APDS_WEBHOOK_URL") or "").strip() or None
        # street tiles come from a tile server on the internet: `make run` configures an openly licensed
        # one (README "Map tiles"); unset (tests, a deployment without one) the map shows labels instead
        self.MAP_TILE_URL = environ.get("MAP_TILE_URL") or None
        self.MAP_TILE_ORIGIN = environ.get("MAP_TILE_ORIGIN") or tile_origin(self.MAP_TILE_URL)
        self.MAP_TILE_ATTRIBUTION = environ.get("MAP_TILE_ATTRIBUTION", "")
        # Web Push (webapp/push): our VAPID key pair's private half, PEM (a newline may be written \\n);
        # the subject is how a push service reaches us about our traffic (RFC 8292 §2.1: mailto: or https:)
        vapid_key = (environ.get("VAPID_PRIVATE_KEY") or "").replace("\\n", "\n").strip()
        self.VAPID_PRIVATE_KEY = vapid_key or self.missing_vapid_key()
        self.VAPID_SUBJECT = environ.get("VAPID_SUBJECT") or "mailto:" + parseaddr(self.MAIL_DEFAULT_SENDER)[1]
        # the push services a subscription's endpoint may point to (a browser's vendor's; a host here also
        # matches its subdomains): the job posts to that address, so any other is refused (no request forgery)
        self.PUSH_SERVICE_HOSTS = _key_list(environ.get("PUSH_SERVICE_HOSTS")) or list(KNOWN_PUSH_SERVICES)
        # development and tests also accept a push service on this machine over plain HTTP (tests/support)
        self.PUSH_ALLOW_LOCAL_SERVICE = environ.get(
            "PUSH_ALLOW_LOCAL_SERVICE", "1" if self.ENV_NAME != "production" else "0") == "1"
        # seconds a push service keeps a notification for a device that is offline (its TTL header)
        self.PUSH_TTL_SECONDS = int(environ.get("PUSH_TTL_SECONDS", "3600"))

    def missing_secret_key(self) -> str:
        return _development_secret_key(self.INSTANCE_PATH)

    def missing_public_base_url(self) -> str:
        return DEVELOPMENT_BASE_URL

    def missing_vapid_key(self) -> str | None:
        return _development_vapid_key(self.INSTANCE_PATH)


class DevelopmentConfig(Config):
    """`make run`: SQLite in instance/, embedded sandboxes, generated key."""


class TestingConfig(Config):
    """pytest: a throw-away instance folder and relaxed cookies."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    ENV_NAME = "testing"
    TESTING = True
    # a job runs at once in the caller's thread: no consumer, no queue file, no Redis
    JOBS_IMMEDIATE = True
    # mail goes to app.extensions["mailman"].outbox, never to a server
    MAIL_BACKEND = "locmem"

    def __init__(self, environ=os.environ, instance_path: Path = DEFAULT_INSTANCE) -> None:
        super().__init__(environ, instance_path)
        # a developer's REDIS_URL must not carry counts from one test into another: the test's database
        self.RATELIMIT_STORAGE_URI = "parkgo-db://"
        # the cheapest Argon2id (argon2.profiles.CHEAPEST): strong hashing was a quarter of the suite's time
        self.PASSWORD_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}

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

    def missing_public_base_url(self) -> str:
        log.warning("PUBLIC_BASE_URL is not set: links in mails point to %s", DEVELOPMENT_BASE_URL)
        return DEVELOPMENT_BASE_URL

    def missing_vapid_key(self) -> str | None:
        # a key made up here would change at every deployment and silence every subscribed device
        log.warning("VAPID_PRIVATE_KEY is not set: push notifications are off (README, Configuration)")
        return None


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_from_environment(name: str | None = None, environ=os.environ) -> Config:
    """Pick the config class from ``name``, ``APP_ENV`` or ``FLASK_ENV`` (default development)."""
    name = name or environ.get("APP_ENV") or environ.get("FLASK_ENV") or "development"
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise ConfigurationError(f"unknown configuration {name!r}; use one of {sorted(CONFIGS)}") from exc
    return cls(environ)
