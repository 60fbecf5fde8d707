"""The parking & mobility booking app.

``create_app()`` is the one place that wires configuration, extensions,
provider clients, blueprints, error handlers and CLI commands.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.config import PROJECT_ROOT, Config, config_from_environment


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers and one writer work at once across gunicorn workers;
    # synchronous=NORMAL: in WAL mode a commit no longer waits for an fsync (the WAL is synced at
    # checkpoints), so a power cut may lose the last commits but never corrupts the file;
    # foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    """Build the Flask app.

    Args:
        config: a ``Config`` instance, a config name ("development", "testing",
            "production"), or None to read ``APP_ENV``/``FLASK_ENV``.
        overrides: settings that win over the config (tests use this).

    Raises:
        ConfigurationError: e.g. production without ``SECRET_KEY``.
    """
    if not isinstance(config, Config):
        config = config_from_environment(config)
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "static"), instance_path=str(config.INSTANCE_PATH),
                instance_relative_config=False)
    app.config.from_object(config)
    app.config.update(overrides)
    app.config["INSTANCE_PATH"].mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from webapp.web.log_privacy import install_log_masking

    install_log_masking()  # e-mail addresses masked in every log line and traceback

    _init_extensions(app)
    _init_providers(app)
    from webapp.web.routing import install_converters

    install_converters(app)  # before any rule is added: ids past a SQL INTEGER are 404s, not 500s
    _register_blueprints(app)
    _init_features(app)
    from webapp.web.errors import register_error_handlers
    from webapp.web.security import install_security_headers
    from webapp.web.static_files import install_static_files

    register_error_handlers(app)
    install_security_headers(app)
    install_static_files(app)  # fingerprinted, year-cached assets; compressed responses; /favicon.ico
    from webapp.cli import register_commands

    register_commands(app)
    if not app.config.get("MAP_TILE_URL") and not app.testing:
        logging.getLogger(__name__).warning(
            "no base map: set MAP_TILE_URL and MAP_TILE_ATTRIBUTION (README \"Map tiles\"); the map shows labels")
    return app


def _init_extensions(app: Flask) -> None:
    from flask_login import current_user

    from webapp.accounts.users import load_user
    from webapp.extensions import babel, csrf, csrf_signing_keys, db, limiter, login_manager, mail, migrate
    from webapp.web import read_commits
    from webapp.web.hypermedia import htmx
    from webapp.web.locale import current_language, formatting_locale
    from webapp.web.rate_limits import RateLimitHit  # noqa: F401 - its storages and table, before the limiter

    event.listen(Engine, "connect", _sqlite_pragmas)
    db.init_app(app)
    read_commits.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    if not app.config.get("WTF_CSRF_SECRET_KEY"):
        app.config["WTF_CSRF_SECRET_KEY"] = csrf_signing_keys(app.config)  # tokens survive a key rotation
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=formatting_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    from webapp.web.access import LOGIN_TO_SEE, unauthorized

    login_manager.login_message = LOGIN_TO_SEE
    # guests browse; a login is asked for to book (back to where they were, with a neutral note)
    login_manager.unauthorized_handler(unauthorized)

    from webapp.web.form_errors import present

    app.jinja_env.globals["present"] = present

    @app.context_processor
    def inject_globals():
        return {"current_language": current_language(), "languages": LANGUAGE_NAMES, "user": current_user}


LANGUAGE_NAMES = {"en": "English", "fi": "Suomi", "sv": "Svenska", "ko": "한국어"}


def _init_providers(app: Flask) -> None:
    from webapp.core.provider import ProviderClients

    app.extensions["providers"] = ProviderClients(app.config["PROVIDERS"], app.config["SANDBOX_DIR"])


def _register_blueprints(app: Flask) -> None:
    """The shared areas' blueprints, then each feature's (see ``webapp/features.py``)."""
    from webapp.accounts import auth_views, profile_views, vehicle_views
    from webapp.bookings import admin_views, support_views
    from webapp.bookings import views as booking_views
    from webapp.maps import views as map_views
    from webapp.push import views as push_views
    from webapp.web import locale, offline

    for module in (auth_views, profile_views, vehicle_views, booking_views, map_views, admin_views, support_views,
                   locale, push_views, offline):
        _register(app, module.bp)


def _register(app: Flask, blueprint) -> None:
    app.register_blueprint(blueprint)
    # a blueprint with more to wire (context processors, template filters) does it in init_app
    module = sys.modules[blueprint.import_name]
    if hasattr(module, "init_app"):
        module.init_app(app)


def _init_features(app: Flask) -> None:
    """Let every feature of ``webapp/features.py`` plug itself in."""
    from webapp.accounts import booking_mail as _booking_mail  # noqa: F401 - confirmations and reminders job
    from webapp.bookings import jobs as _booking_jobs  # noqa: F401 - the sweep's job (bookings is no feature)
    from webapp.bookings.registry import register_feature
    from webapp.core.provider import resolve
    from webapp.features import FEATURES
    from webapp.maps.layers import register_layer
    from webapp.push import models as _push_models  # noqa: F401 - devices, settings, deliveries
    from webapp.push import reminders as _push_reminders  # noqa: F401 - the push notifications job

    for spec in FEATURES:
        for target in spec.blueprints:
            _register(app, resolve(target))
        if spec.map_layer:
            register_layer(app, resolve(spec.map_layer)())
        if spec.cli:
            app.cli.add_command(resolve(spec.cli))
        if spec.demo_data:
            app.extensions.setdefault("demo_loaders", []).append(resolve(spec.demo_data))
        if spec.jobs:
            resolve(spec.jobs)
        register_feature(app, spec)
