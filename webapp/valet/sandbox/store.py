"""State of the 247Parking sandbox: its own SQLite file (partners, used nonces, reservations).

A nonce may be used once (seed 004 "Nonce"); the primary key makes the check
atomic across server processes. Nonces older than the accepted clock window
can be forgotten: a request that old is refused as expired anyway.

Partner credentials live here too, so "Reset API credentials" (seed 004)
kills the old pair at once in every process serving this state folder.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, String, Table, Text, delete, select, update
from sqlalchemy.exc import IntegrityError

from webapp.core.sandbox_kit import open_sqlite

DB_FILENAME = "parking247.sqlite3"

metadata = MetaData()

nonces = Table(
    "nonces",
    metadata,
    Column("api_key", String, primary_key=True),
    Column("nonce", String, primary_key=True),
    Column("timestamp", Integer, nullable=False, index=True),
)

partners = Table(
    "partners",
    metadata,
    Column("api_key", String, primary_key=True),
    Column("secret", String, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

reservations = Table(
    "reservations",
    metadata,
    Column("number", String, primary_key=True),  # "S123456"; matched case-insensitively (stored upper)
    Column("api_key", String, nullable=False),
    Column("status", String, nullable=False),
    Column("total", String, nullable=False),
    Column("voucher_id", String, nullable=False, unique=True),
    Column("fields", Text, nullable=False),  # the reservation's parameters as JSON
)

#: what 247Parking refunded for each cancelled reservation (its own record: the API does not answer it)
cancellations = Table(
    "cancellations",
    metadata,
    Column("number", String, primary_key=True),
    Column("refund", String, nullable=False),
    Column("cancelled_at", String, nullable=False),
)


@dataclass(frozen=True)
class Reservation:
    """One stored reservation."""

    number: str
    api_key: str
    status: str
    total: str
    voucher_id: str
    fields: dict


def open_store(state_dir: Path) -> Engine:
    """Open (and create if new) the sandbox's SQLite file in WAL mode."""
    engine = open_sqlite(state_dir / DB_FILENAME)
    metadata.create_all(engine)
    return engine


def use_nonce(engine: Engine, api_key: str, nonce: str, timestamp: int, oldest_accepted: int) -> bool:
    """Record ``nonce`` for ``api_key``; False if it was used before.

    Args:
        timestamp: the request's signed timestamp.
        oldest_accepted: the oldest timestamp the API still accepts; nonces of
            older requests are pruned, since replaying them fails as expired.
    """
    with engine.connect() as conn:
        conn.execute(delete(nonces).where(nonces.c.timestamp < oldest_accepted))
        try:
            conn.execute(nonces.insert().values(api_key=api_key, nonce=nonce, timestamp=timestamp))
        except IntegrityError:
            conn.rollback()
            return False
        conn.commit()
    return True


# -- partners -----------------------------------------------------------------------


def ensure_partner(engine: Engine, api_key: str, secret: str) -> None:
    """Create the demo partner with this pair when the sandbox has no partner yet."""
    with engine.begin() as conn:
        if conn.execute(select(partners.c.api_key).limit(1)).first() is None:
            conn.execute(partners.insert().values(api_key=api_key, secret=secret, active=True))


def partner(engine: Engine, api_key: str) -> tuple[str, bool] | None:
    """``(secret, active)`` of the partner with ``api_key``, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(partners.c.secret, partners.c.active).where(partners.c.api_key == api_key)).first()
    return (row.secret, bool(row.active)) if row else None


def reset_credentials(engine: Engine, api_key: str | None = None, secret: str | None = None) -> tuple[str, str]:
    """Invalidate every active pair and issue a new one (seed 004 "Reset API credentials").

    Args:
        api_key, secret: the new pair; random ones by default (tests and
            ``--demo`` pass the seed's pair back).

    Returns:
        The new ``(api_key, secret)``.
    """
    api_key = api_key or secrets.token_urlsafe(36)
    secret = secret or secrets.token_urlsafe(28)
    with engine.begin() as conn:
        conn.execute(update(partners).values(active=False))
        conn.execute(delete(partners).where(partners.c.api_key == api_key))
        conn.execute(partners.insert().values(api_key=api_key, secret=secret, active=True))
    return api_key, secret


# -- reservations -------------------------------------------------------------------


def add_reservation(engine: Engine, api_key: str, fields: dict, total: str) -> Reservation:
    """Store a new active reservation under a fresh ``S`` + 6 digits number."""
    while True:
        number = f"S{secrets.randbelow(900000) + 100000}"
        voucher_id = secrets.token_hex(12)
        try:
            with engine.begin() as conn:
                conn.execute(reservations.insert().values(number=number, api_key=api_key, status="active",
                                                          total=total, voucher_id=voucher_id,
                                                          fields=json.dumps(fields)))
        except IntegrityError:
            continue  # the number (or voucher id) was taken: draw again
        return Reservation(number, api_key, "active", total, voucher_id, fields)


def get_reservation(engine: Engine, number: str) -> Reservation | None:
    """The reservation ``number`` (any case), or None."""
    return _one(engine, reservations.c.number == (number or "").upper())


def get_by_voucher(engine: Engine, voucher_id: str) -> Reservation | None:
    """The reservation whose voucher id is ``voucher_id``, or None."""
    return _one(engine, reservations.c.voucher_id == voucher_id)


def save_reservation(engine: Engine, number: str, *, fields: dict | None = None, total: str | None = None,
                     status: str | None = None) -> None:
    """Update the given columns of reservation ``number``."""
    values = {key: value for key, value in (("fields", json.dumps(fields) if fields is not None else None),
                                            ("total", total), ("status", status)) if value is not None}
    with engine.begin() as conn:
        conn.execute(update(reservations).where(reservations.c.number == number.upper()).values(**values))


def record_cancellation(engine: Engine, number: str, refund: str, cancelled_at: str) -> None:
    """Keep what was refunded for cancelling ``number`` (the first cancellation only: a repeat is harmless)."""
    with engine.begin() as conn:
        if conn.execute(select(cancellations.c.number).where(cancellations.c.number == number.upper())).first():
            return
        conn.execute(cancellations.insert().values(number=number.upper(), refund=refund, cancelled_at=cancelled_at))


def refund_of(engine: Engine, number: str) -> str | None:
    """What was refunded for cancelling ``number``, or None when it was not cancelled."""
    with engine.connect() as conn:
        return conn.execute(select(cancellations.c.refund).where(cancellations.c.number == (number or "").upper())
                            ).scalar()


def all_reservations(engine: Engine) -> list[Reservation]:
    """Every reservation (tests and the conformance driver read the provider's side with it)."""
    with engine.connect() as conn:
        rows = conn.execute(select(reservations)).all()
    return [_row(row) for row in rows]


def _one(engine: Engine, condition) -> Reservation | None:
    with engine.connect() as conn:
        row = conn.execute(select(reservations).where(condition)).first()
    return _row(row) if row else None


def _row(row) -> Reservation:
    return Reservation(row.number, row.api_key, row.status, row.total, row.voucher_id, json.loads(row.fields))
