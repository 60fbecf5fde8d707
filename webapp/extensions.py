"""Flask extensions, created unbound and bound in ``create_app``."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.utils import decode_cookie, encode_cookie
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations agree on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RotatingLoginManager(LoginManager):
    """Flask-Login whose remember-me cookie survives a key rotation, as Flask's session does.

    Flask-Login 0.6.3 checks the cookie's HMAC against ``SECRET_KEY`` alone
    (``flask_login.utils.decode_cookie``), so moving the old key to
    ``SECRET_KEY_FALLBACKS`` would log every remembered browser out. A cookie
    made under a fallback key is accepted here and written anew under the
    current key at the end of the request, so the old key can be dropped
    later; a cookie under no configured key is refused as before.
    """

    def _load_user_from_remember_cookie(self, cookie):
        if decode_cookie(cookie) is not None:
            return super()._load_user_from_remember_cookie(cookie)
        for key in current_app.config.get("SECRET_KEY_FALLBACKS") or ():
            payload = decode_cookie(cookie, key=key)
            if payload is not None:
                user = super()._load_user_from_remember_cookie(encode_cookie(payload))
                if user is not None:
                    session["_remember"] = "set"  # Flask-Login's after-request hook re-issues the cookie
                return user
        return None


def csrf_signing_keys(config) -> list[str]:
    """``WTF_CSRF_SECRET_KEY`` for Flask-WTF: the current key and its fallbacks.

    Flask-WTF 1.3 signs and checks CSRF tokens with one key; itsdangerous takes
    a list (it signs with the last and accepts any), so a form rendered before
    a key rotation still posts after it.
    """
    return [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = RotatingLoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
mail = Mail()
compress = Compress()  # bound by webapp.web.static_files.install_static_files


def client_ip() -> str:
    """The address rate limits count against (the socket peer; see README for proxies)."""
    return request.remote_addr or "unknown"
