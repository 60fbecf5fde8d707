"""Login and registration limits that slow an attacker without locking the owner out.

Three limits guard ``POST /login``; each counts failed attempts only:

* **account and client** (``LOGIN_LIMIT_PER_ACCOUNT``, 5 per 10 minutes): one
  client guessing one account's password. The client is the browser's known
  device when it has one, else its address, so another client's failures
  never block the owner's.
* **account, unknown clients** (``LOGIN_LIMIT_PER_ACCOUNT_ANY_CLIENT``, 100 per
  hour): many addresses against one account. A known device of the account
  is exempt: the owner's own browser still logs in during such an attack.
* **address** (``LOGIN_LIMIT_PER_IP``, 20 per 10 minutes): one address trying
  many accounts. Known devices are exempt, so a neighbour behind the same
  office or mobile NAT cannot lock everyone behind it out.

A *known device* is a browser that logged in to the account before: it keeps
a signed cookie listing tags of the accounts it logged in to (a keyed hash of
the e-mail, never the address) and a random device id.

Keys hold that tag instead of the e-mail: flask-limiter writes the key into its
"ratelimit … exceeded" log line and Redis stores it, and neither should hold
personal data. Without Redis, and while it is down (with a warning), the limits
count in the app's database, shared by every worker (``webapp/web/rate_limits.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.accounts.users import normalise_email
from webapp.extensions import client_ip

DEVICE_COOKIE = "known_device"
DEVICE_MAX_AGE = 365 * 24 * 3600
_MAX_ACCOUNTS_PER_DEVICE = 5  # a shared family laptop; older entries drop off


def _secret_keys() -> list[str]:
    # itsdangerous signs with the last key and accepts any: fallbacks first, the current key last
    config = current_app.config
    return [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]


def account_tag(email: str) -> str:
    """A keyed hash naming the account in limiter keys and the device cookie (never the e-mail)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), normalise_email(email).encode("utf-8"),
                      hashlib.sha256)
    return digest.hexdigest()[:24]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret_keys(), salt="known-device")


def _device() -> dict:
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return {}
    try:
        device = _serializer().loads(token, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return {}
    return device if isinstance(device, dict) else {}


def _submitted_tag() -> str:
    return account_tag(request.form.get("email", ""))


def is_known_device() -> bool:
    """Whether this browser logged in to the account named in the form before."""
    return _submitted_tag() in (_device().get("accounts") or ())


def account_key() -> str:
    """Limiter key: the account, whatever the client."""
    return "login-account:" + _submitted_tag()


def account_client_key() -> str:
    """Limiter key: the account from this client (its known-device id, else its address)."""
    device = _device()
    client = f"device:{device['id']}" if is_known_device() and device.get("id") else f"ip:{client_ip()}"
    return f"login-account-client:{_submitted_tag()}:{client}"


def ip_key() -> str:
    """Limiter key: the client's address."""
    return "login-ip:" + client_ip()


def register_key() -> str:
    """Limiter key for sign-ups: the client's address."""
    return "register-ip:" + client_ip()


def reset_ip_key() -> str:
    """Limiter key for password-reset requests: the client's address."""
    return "reset-ip:" + client_ip()


def reset_account_key() -> str:
    """Limiter key for password-reset requests: the account (a mailbox is not flooded with links)."""
    return "reset-account:" + _submitted_tag()


def failed_login(response: Response) -> bool:
    """Only failed attempts use up an allowance; a successful login redirects with 303."""
    return response.status_code != 303


def remember_device(response: Response, email: str) -> Response:
    """Mark this browser as a known device of the account it just logged in to."""
    device = _device()
    accounts = [tag for tag in (device.get("accounts") or ()) if tag != account_tag(email)]
    accounts = [*accounts, account_tag(email)][-_MAX_ACCOUNTS_PER_DEVICE:]
    token = _serializer().dumps({"id": device.get("id") or secrets.token_urlsafe(12), "accounts": accounts})
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response
