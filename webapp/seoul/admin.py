"""Managing Seoul operator keys and their lots (admin pages and the ``seoul`` CLI).

A lot's secret key is given once, as 32 hex digits (16 bytes, the SEED-128
key of seed 2.2.1), sealed at once with the app's ``SECRET_KEY`` and never
returned, logged or shown again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ValidationError
from webapp.core.keys import reseal_rows
from webapp.core.sealing import keyring_from_config
from webapp.extensions import db
from webapp.seoul import receiver_cache, request_counts
from webapp.seoul.ingest import DEFAULT_REQUEST_LIMIT, seoul_day
from webapp.seoul.mac import PAD_BYTE, SEALING_PURPOSE
from webapp.seoul.models import KEY_ISSUED, KEY_STATUSES, SeoulLot, SeoulOperatorKey

log = logging.getLogger(__name__)

# keys are handed to operators and typed into their systems: plain ASCII, no spaces
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{4,64}")
# infra_id fills one SEED block, ASCII only (webapp.seoul.mac)
_INFRA_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,16}")
_HEX32 = re.compile(r"[0-9A-Fa-f]{32}")
MAX_REQUEST_LIMIT = 100_000_000


@dataclass(frozen=True)
class KeyUsage:
    """A key as the admin list shows it."""

    id: int
    key: str
    status: str
    request_limit: int
    used_today: int
    lot_count: int
    created_at: datetime

    @property
    def over_limit(self) -> bool:
        return self.used_today >= self.request_limit


def _check_limit(request_limit: int | None) -> int:
    limit = DEFAULT_REQUEST_LIMIT if request_limit is None else request_limit
    if not 1 <= limit <= MAX_REQUEST_LIMIT:
        raise ValidationError({"request_limit": str(_l("Use a limit from 1 to %(n)s requests a day.",
                                                         n=f"{MAX_REQUEST_LIMIT:,}"))})
    return limit


def add_key(key: str, request_limit: int | None = None) -> SeoulOperatorKey:
    """Issue an operator key (committed).

    Args:
        key: 4 to 64 letters, digits, '-', '_' or '.'.
        request_limit: requests allowed per Seoul day; default ``DEFAULT_REQUEST_LIMIT``.

    Returns:
        The new key, status "issued".

    Raises:
        ValidationError: malformed or taken key, or a limit out of range.
    """
    key = (key or "").strip()
    if not _KEY_PATTERN.fullmatch(key):
        raise ValidationError({"key": str(_l("Use 4 to 64 letters, digits, '-', '_' or '.'."))})
    limit = _check_limit(request_limit)
    # compared without case: MYKEY123 and mykey123 are one key to a person reading or typing it
    taken = select(SeoulOperatorKey.id).where(func.lower(SeoulOperatorKey.key) == key.lower())
    if db.session.scalar(taken) is not None:
        raise ValidationError({"key": str(_l("This key exists already."))})
    row = SeoulOperatorKey(key=key, status=KEY_ISSUED, request_limit=limit, created_at=utcnow())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # issued a moment ago by another request (the index on lower(key), migration 0013)
        db.session.rollback()
        raise ValidationError({"key": str(_l("This key exists already."))}) from None
    receiver_cache.forget_all()
    log.info("Seoul operator key %s… issued (limit %d a day)", key[:4], limit)
    return row


def find_key(key: str) -> SeoulOperatorKey | None:
    """The key row for ``key`` text, or None."""
    return db.session.scalar(select(SeoulOperatorKey).where(SeoulOperatorKey.key == (key or "").strip()))


def get_key_usage(key_id: int) -> KeyUsage:
    """One key as the admin pages show it (for the suspend confirmation).

    Raises:
        NotFoundError: no such key.
    """
    for usage in list_keys():
        if usage.id == key_id:
            return usage
    raise NotFoundError("no such key")


def _get_key(key_id: int) -> SeoulOperatorKey:
    row = db.session.get(SeoulOperatorKey, key_id)
    if row is None:
        raise NotFoundError("no such key")
    return row


def set_key_status(key_id: int, status: str) -> SeoulOperatorKey:
    """Suspend ("suspended": pushes get 0021) or reactivate ("issued") a key (committed).

    Raises:
        NotFoundError: no such key.
        ValidationError: unknown status.
    """
    if status not in KEY_STATUSES:
        raise ValidationError({"status": "unknown status"})
    row = _get_key(key_id)
    row.status = status
    db.session.commit()
    # this worker refuses a suspended key at once; the others within SEOUL_RECEIVER_CACHE_SECONDS
    receiver_cache.forget_all()
    log.info("Seoul operator key %s… is now %s", row.key[:4], status)
    return row


def set_key_status_by_key(key: str, status: str) -> SeoulOperatorKey:
    """``set_key_status`` for the key text (the CLI). Raises NotFoundError/ValidationError."""
    row = find_key(key)
    if row is None:
        raise NotFoundError("no such key")
    return set_key_status(row.id, status)


def set_key_limit(key_id: int, request_limit: int) -> SeoulOperatorKey:
    """Change a key's daily request limit (committed). Raises NotFoundError/ValidationError."""
    row = _get_key(key_id)
    row.request_limit = _check_limit(request_limit)
    db.session.commit()
    receiver_cache.forget_all()
    return row


def _padded(infra_id: str) -> bytes:
    return infra_id.encode("ascii").ljust(16, PAD_BYTE)


def add_lot(key: str, infra_id: str, secret_hex: str) -> SeoulLot:
    """Register a lot under an operator key, with its secret sealed (committed).

    Args:
        key: the operator key text.
        infra_id: the lot id we issue: 1 to 16 letters, digits, '-', '_' or '.'.
        secret_hex: the lot's 16-byte secret as 32 hex digits.

    Returns:
        The lot (no information yet: that comes with the operator's ParkWritePost).

    Raises:
        ValidationError: unknown key, malformed id or secret, or an id that
            clashes with one of the key's lots (the same, or the same once
            padded with '0' as the SEED block pads it, e.g. "17" and "170").
    """
    key_row = find_key(key)
    if key_row is None:
        raise ValidationError({"key": str(_l("There is no such operator key."))})
    infra_id = (infra_id or "").strip()
    if not _INFRA_ID_PATTERN.fullmatch(infra_id):
        raise ValidationError({"infra_id": str(_l("Use 1 to 16 letters, digits, '-', '_' or '.'."))})
    secret_hex = (secret_hex or "").strip()
    if not _HEX32.fullmatch(secret_hex):
        raise ValidationError({"secret": str(_l("The secret key is 32 hexadecimal digits (16 bytes)."))})
    existing = db.session.scalars(select(SeoulLot.infra_id).where(SeoulLot.key_id == key_row.id))
    if any(_padded(other) == _padded(infra_id) for other in existing):
        raise ValidationError({"infra_id": str(_l("This key already has a lot with this id."))})
    keyring = keyring_from_config(current_app.config)
    lot = SeoulLot(key_id=key_row.id, infra_id=infra_id, created_at=utcnow(),
                   sealed_secret=keyring.seal(bytes.fromhex(secret_hex), SEALING_PURPOSE))
    db.session.add(lot)
    db.session.commit()
    receiver_cache.forget_all()
    log.info("Seoul lot %s registered under key %s…", infra_id, key_row.key[:4])
    return lot


def list_keys(now: datetime | None = None) -> list[KeyUsage]:
    """Every key with today's request count (Seoul day) and its number of lots."""
    day = seoul_day(now or utcnow())
    keys = list(db.session.scalars(select(SeoulOperatorKey).order_by(SeoulOperatorKey.key)))
    used = request_counts.used_on(day, [k.id for k in keys])
    lots = dict(db.session.execute(select(SeoulLot.key_id, func.count()).group_by(SeoulLot.key_id)).all())
    return [
        KeyUsage(k.id, k.key, k.status, k.request_limit, used.get(k.id, 0), lots.get(k.id, 0), k.created_at)
        for k in keys
    ]


def list_lots_for_admin() -> list[SeoulLot]:
    """Every lot with its key, newest push first (lots never pushed last)."""
    return list(db.session.scalars(
        select(SeoulLot).options(selectinload(SeoulLot.operator_key))
        .order_by(SeoulLot.last_push_at.desc().nulls_last(), SeoulLot.id)
    ))


def key_has_lots(key: str) -> bool:
    """Whether ``key`` exists and has at least one lot (the demo loader's idempotency check)."""
    return db.session.scalar(
        select(func.count()).select_from(SeoulLot).join(SeoulOperatorKey).where(SeoulOperatorKey.key == key)
    ) > 0


def reseal_lot_secrets() -> tuple[int, int]:
    """Seal every lot's secret anew under the current sealing key (``flask --app app keys rotate``).

    Returns:
        (resealed, unreadable): lots whose secret no key of the ring opens
        are left as they are and logged by id; their pushes answer 0001
        until the admin registers the secret again.
    """
    counts = reseal_rows(db.session.scalars(select(SeoulLot).order_by(SeoulLot.id)), SEALING_PURPOSE,
                         lambda lot: f"Seoul lot {lot.id}")
    db.session.commit()
    return counts
