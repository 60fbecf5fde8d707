"""A guest's filled-in form, kept on the server while they log in.

A guest may fill in a booking form and send it; booking asks for a login first
(``web.access.unauthorized``). Everything they typed — names, e-mail, remarks, a discount code as well
as the choices — must be there again when they come back, or the price changes under them. It must
not travel in the URL (access logs, browser history, the ``Referer``) nor in the session cookie (4 KB
at most, and readable by the browser). So the form's fields are sealed (``core.sealing``, AES-GCM,
purpose ``PURPOSE``) into one row of ``login_form_stashes``; the session keeps only a random token,
and the form's page takes the row back — once — when it shows the form again after the login.

The CSRF token is never kept (the form comes back with a fresh one). A stash lives ``TTL`` at most:
each new one deletes those past it. It is not re-sealed by ``keys rotate``: it lives far shorter than
an old key stays among the fallbacks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from webapp.accounts.models import LoginFormStash
from webapp.core.clock import utcnow
from webapp.core.sealing import SealingError, keyring_from_config
from webapp.extensions import db

log = logging.getLogger(__name__)

PURPOSE = "login-form-stash"
TTL = timedelta(hours=2)
#: never kept: the form is shown again with a fresh token
NOT_KEPT = frozenset({"csrf_token"})
#: bounds on what one stash holds (far above any form of the app; a request cannot fill the table)
MAX_FIELDS = 200
MAX_VALUE = 5_000


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: the longest page address a stash keeps (its column's length)
MAX_PATH = 2000


def stash_form(endpoint: str, path: str, fields: Iterable[tuple[str, str]], now: datetime | None = None) -> str:
    """Keep the fields of a form sent to ``endpoint``, to be shown again on ``path`` (committed).

    Args:
        endpoint: the endpoint the form was sent to (``valet.submit``).
        path: the page that shows the form again after the login.
        fields: ``(name, value)`` pairs in form order, repeated names for multiple values.

    Returns:
        The token that takes the fields back (``take_form``): the session keeps it.
    """
    now = now or utcnow()
    kept = [(str(name), str(value)[:MAX_VALUE]) for name, value in fields if name not in NOT_KEPT][:MAX_FIELDS]
    token = secrets.token_urlsafe(32)
    sealed = keyring_from_config(current_app.config).seal(json.dumps(kept, ensure_ascii=False), PURPOSE)
    db.session.execute(delete(LoginFormStash).where(LoginFormStash.created_at < now - TTL))
    db.session.add(LoginFormStash(id=_row_id(token), created_at=now, endpoint=endpoint, path=path,
                                  sealed_fields=sealed))
    db.session.commit()
    return token


def take_form(token: str | None, endpoint: str, path: str, now: datetime | None = None) -> list[tuple[str, str]] | None:
    """The fields kept under ``token`` for a form of ``endpoint`` shown on ``path``; the stash is gone after.

    Returns:
        The ``(name, value)`` pairs, or None: no such stash, another form or page, too old, or
        sealed under a key no longer configured. A stash for another form or page stays.
    """
    if not token:
        return None
    now = now or utcnow()
    row = db.session.get(LoginFormStash, _row_id(token))
    if row is None or row.endpoint != endpoint or row.path != path:
        return None
    sealed, created_at = row.sealed_fields, row.created_at
    db.session.delete(row)
    db.session.commit()
    if created_at < now - TTL:
        return None
    try:
        return [(name, value) for name, value in json.loads(keyring_from_config(current_app.config)
                                                          .unseal(sealed, PURPOSE))]
    except (SealingError, ValueError, TypeError):
        log.warning("a login form stash could not be opened; the form is shown empty")
        return None


def discard_form(token: str | None) -> None:
    """Forget a stash (a newer form replaces it); committed."""
    if token:
        db.session.execute(delete(LoginFormStash).where(LoginFormStash.id == _row_id(token)))
        db.session.commit()
