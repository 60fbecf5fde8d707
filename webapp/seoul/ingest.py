"""The ``ParklandWRT.svc`` receiver use case: one operator push, one transaction.

Steps, in the order ``services.seoul_protocol`` expects:

1. ``parse_push`` -> 0011 (field absent) / 0100 (bad value);
2. the key: 0020 unregistered, 0021 suspended, 0010 over its daily limit;
3. which lot sent it: ``resolve_infra_id`` over the key's lots (their sealed
   secrets are opened only for ParkWritePost/ParkOperPost) -> 0200 / 0100;
4. store, and note the outcome on the lot.

The answer is the seed's JSON (2.2.1.x 출력결과). Our own failures are 0001
(database or sealing trouble) and 0990 (anything else): logged with their
traceback, never shown in the answer.

Counting requests (0010): in Redis with ``REDIS_URL``, else in one
``seoul_request_counters`` row per key and Seoul day; each worker adds its
requests to the store every ``FLUSH_EVERY`` requests or ``FLUSH_SECONDS``,
and at every request near the key's limit (see ``request_counts``: the
count is what the protocol needs at once only near the limit). Every
request with a live key counts, refused ones included, as with any quota.

Round trips: the key and the lot id come from a per-worker cache that lives
a few seconds (``receiver_cache``: an admin change is in force everywhere
within ``SEOUL_RECEIVER_CACHE_SECONDS``). A ParkStatPost/ParkStatPost2 is
then (between two writes of the count) written with two statements and no
read: the sample's ``INSERT`` and one ``UPDATE`` of the lot that moves the
live figure only if the sample is newer (a ``CASE`` in SQL) and notes the
push; on PostgreSQL both go in one statement (``_one_statement_sample``), a
transaction of its own when the count waits (one round trip: no BEGIN and
COMMIT). There these two methods also commit without waiting for the WAL
flush (``synchronous_commit = off`` for their transaction only): a crash of
the database server may lose the last fraction of a second of occupancy
samples, never corrupts anything, and the operator's next push carries the
live figure again; SQLite's ``synchronous=NORMAL`` in WAL mode
(``webapp/__init__.py``) makes the same trade for every write.

Time of a sample: ParkStatPost carries none, so it is the receive time.
ParkStatPost2 reports the totals right after the entry/exit at
``occur_time``; an operator replaying events buffered during an outage sends
old ``occur_time``s, so a past ``occur_time`` dates the sample (a future one,
clock skew, is clamped to now). The lot's live figure only moves forward: an
older sample goes into the history alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, String, bindparam, case, func, insert, or_, select, true, update
from sqlalchemy.exc import SQLAlchemyError

from webapp.core.clock import SEOUL, utcnow
from webapp.core.columns import UTCDateTime
from webapp.core.sealing import SealingError, keyring_from_config
from webapp.extensions import db
from webapp.seoul import receiver_cache, request_counts
from webapp.seoul.fields import (
    INVALID_CODE_VALUE,
    KEY_UNAVAILABLE,
    METHODS,
    OK,
    OVER_LIMIT,
    PARK_OPER,
    PARK_SPACE,
    PARK_STAT,
    PARK_STAT2,
    PARK_WRITE,
    SYSTEM_ERROR,
    UNDEFINED_ERROR,
    UNREGISTERED_KEY,
)
from webapp.seoul.mac import SEALING_PURPOSE
from webapp.seoul.models import (
    KEY_ISSUED,
    SeoulLot,
    SeoulLotOperation,
    SeoulOccupancySample,
    SeoulOperatorKey,
    SeoulSpace,
)
from webapp.seoul.protocol import (
    ParkOper,
    ParkSpace,
    ParkStat,
    ParkStat2,
    ParkWrite,
    ParsedPush,
    SeoulProtocolError,
    needs_lot_secrets,
    parse_push,
    resolve_infra_id,
    result_body,
)

log = logging.getLogger(__name__)

#: requests per key and Seoul day when an admin gives no limit (the seed's 2.1 quotes 25,000
#: for its search API and 100,000 for its map API; a lot pushing once a minute needs 1,440)
DEFAULT_REQUEST_LIMIT = 100_000

HTTP_OK = 200
HTTP_OUR_FAULT = 500  # 0001/0990: the body is still the protocol's JSON


@dataclass(frozen=True)
class PushOutcome:
    """What the receiver answers: the seed's JSON body and an HTTP status."""

    body: dict[str, str]
    status: int = HTTP_OK

    @property
    def result_state(self) -> str:
        return self.body["result_state"]


def is_method(name: str) -> bool:
    """Whether ``name`` is one of the five ``ParklandWRT.svc`` methods (else the route is a 404)."""
    return name in METHODS


def seoul_day(now: datetime):
    """The Seoul calendar day of ``now``: the window a key's request limit counts in."""
    return now.astimezone(SEOUL).date()


def receive_push(method: str, form: Mapping, now: datetime | None = None) -> PushOutcome:
    """Handle one push to ``/WCFB/ParklandWRT.svc/<method>`` and commit it.

    Args:
        method: one of the five method names (check with ``is_method`` first).
        form: the decoded form, name -> list of values in the order received.
        now: the receive time (tests pass a fixed one).

    Returns:
        The answer: ``{"result_state": "0000"}`` or a code with a message.
        Nothing is raised: every failure is a result code.
    """
    now = now or utcnow()
    try:
        parsed = parse_push(method, form)
    except SeoulProtocolError as error:
        return _refused_while_parsing(method, form, error, now)
    except (ValueError, TypeError, AttributeError, RecursionError, OverflowError) as error:
        # a value the parser cannot even read (not text): refused as an invalid value, never raised
        log.warning("Seoul %s push unreadable: %s", method, type(error).__name__)
        return PushOutcome(result_body(INVALID_CODE_VALUE, "Invalid code value: the request could not be read"))
    try:
        outcome = _receive(parsed, now)
        db.session.commit()
        request_counts.committed()
        return outcome
    except SeoulProtocolError as error:
        # the quota count and the lot's outcome are kept; nothing else was written
        db.session.commit()
        request_counts.committed()
        return PushOutcome(error.body())
    except (SQLAlchemyError, SealingError):
        _roll_back()
        log.exception("Seoul %s push from key %s failed on our side", method, parsed.key[:8])
        return PushOutcome(result_body(SYSTEM_ERROR), HTTP_OUR_FAULT)
    except Exception:
        _roll_back()
        log.exception("Seoul %s push from key %s failed unexpectedly", method, parsed.key[:8])
        return PushOutcome(result_body(UNDEFINED_ERROR), HTTP_OUR_FAULT)


def _roll_back() -> None:
    db.session.rollback()
    request_counts.rolled_back()  # the counts this transaction wrote are written again later


#: the methods stored as one occupancy sample, without loading the lot (module docstring)
_SAMPLE_METHODS = frozenset({PARK_STAT, PARK_STAT2})


def _receive(parsed: ParsedPush, now: datetime) -> PushOutcome:
    key = _count_request(parsed.key, seoul_day(now))
    if parsed.method in _SAMPLE_METHODS:
        return _receive_sample(key, parsed, now)
    lots_of_key = select(SeoulLot).where(SeoulLot.key_id == key.id).order_by(SeoulLot.id)
    if needs_lot_secrets(parsed.method):
        # the protected infra_id names no lot: try every lot's secret (seed 2.2.1.1 나-마)
        lots = list(db.session.scalars(lots_of_key))
        candidates = [(lot.infra_id, _secret_of(lot)) for lot in lots]
    else:
        lots = list(db.session.scalars(lots_of_key.where(SeoulLot.infra_id == parsed.infra_id)))
        candidates = [(lot.infra_id, None) for lot in lots]
    infra_id = resolve_infra_id(parsed, candidates)
    lot = next(lot for lot in lots if lot.infra_id == infra_id)
    try:
        _check_sync_time(lot, parsed, now)
    except SeoulProtocolError as error:
        _note_result(lot, parsed.method, error.result_code, error.message, now)
        raise
    _STORE[parsed.method](lot, parsed, now)
    _note_result(lot, parsed.method, OK, None, now)
    log.debug("Seoul %s stored for lot %s", parsed.method, lot.id)
    return PushOutcome(result_body())


#: a sync_time may run ahead of our clock by this much (an operator's clock or zone set wrong)
SYNC_AHEAD = timedelta(days=1)


def _check_sync_time(lot: SeoulLot, parsed: ParsedPush, now: datetime) -> None:
    """Refuse (0100) a ParkWritePost/ParkOperPost older than what the lot holds, or far in the future.

    A replayed or delayed older push must not roll the lot's name, hours or
    fees back; an equal sync_time is the same description sent again. A
    sync_time far ahead would make every honest push after it look old.
    """
    if parsed.method == PARK_WRITE:
        stored = lot.sync_time
    elif parsed.method == PARK_OPER:
        stored = lot.operation.sync_time if lot.operation is not None else None
    else:
        return
    if parsed.sync_time > now + SYNC_AHEAD:
        raise SeoulProtocolError(INVALID_CODE_VALUE, "Invalid code value: sync_time is in the future", "sync_time")
    if stored is not None and parsed.sync_time < stored:
        raise SeoulProtocolError(INVALID_CODE_VALUE, "Invalid code value: sync_time is older than the lot's last "
                                 "update", "sync_time")


def _count_request(key_text: str, day) -> receiver_cache.KeyEntry:
    """Look the key up and count this request against it (0020/0021/0010 as SeoulProtocolError)."""
    key = receiver_cache.operator_key(key_text)
    if key is None:
        raise SeoulProtocolError(UNREGISTERED_KEY, field="key")
    if key.status != KEY_ISSUED:
        raise SeoulProtocolError(KEY_UNAVAILABLE, field="key")
    count = request_counts.count_request(key.id, day, key.request_limit)
    if count is None:  # the key was removed since it was cached
        receiver_cache.forget_all()
        raise SeoulProtocolError(UNREGISTERED_KEY, field="key")
    if count > key.request_limit:
        raise SeoulProtocolError(OVER_LIMIT, field="key")
    return key


def _receive_sample(key: receiver_cache.KeyEntry, parsed: ParsedPush, now: datetime) -> PushOutcome:
    """Store a ParkStatPost/ParkStatPost2 with two statements (module docstring)."""
    lot_id = receiver_cache.lot_id(key.id, parsed.infra_id)
    resolve_infra_id(parsed, [] if lot_id is None else [(parsed.infra_id, None)])  # 0100 when not a lot of the key
    if not _STORE[parsed.method](lot_id, parsed, now):
        receiver_cache.forget_lot(key.id, parsed.infra_id)  # removed since it was cached
        resolve_infra_id(parsed, [])
    log.debug("Seoul %s stored for lot %s", parsed.method, lot_id)
    return PushOutcome(result_body())


def _secret_of(lot: SeoulLot) -> bytes:
    return keyring_from_config(current_app.config).unseal(lot.sealed_secret, SEALING_PURPOSE)


def _note_result(lot: SeoulLot, method: str, state: str, message: str | None, now: datetime) -> None:
    lot.last_method, lot.last_result_state, lot.last_push_at = method, state, now
    lot.last_message = (message or "")[:200] or None


def _refused_while_parsing(method: str, form: Mapping, error: SeoulProtocolError, now: datetime) -> PushOutcome:
    """Answer a push the parser refused: count it against its key, note it on its lot.

    Every request of a live key counts (module docstring), a malformed one too:
    otherwise a client sending garbage would never meet its limit. A key over
    its limit is answered 0010 whatever else is wrong. The lot is noted only
    when a clear infra_id names it, a best effort for the admin pages.
    """
    key_text = _first(form, "key", "Key")
    if not key_text:
        return PushOutcome(error.body())
    answer = error
    try:
        try:
            _count_request(key_text, seoul_day(now))
        except SeoulProtocolError as key_error:
            if key_error.result_code == OVER_LIMIT:
                answer = key_error
        infra_id = _first(form, "infra_id", "Infra_id")
        if infra_id and method in METHODS and not METHODS[method].encrypted_infra_id:
            lot = db.session.scalar(
                select(SeoulLot).join(SeoulOperatorKey)
                .where(SeoulOperatorKey.key == key_text, SeoulLot.infra_id == infra_id)
            )
            if lot is not None:
                _note_result(lot, method, answer.result_code, answer.message, now)
        db.session.commit()
        request_counts.committed()
    except SQLAlchemyError:
        _roll_back()
        log.warning("could not count or record a refused Seoul push", exc_info=True)
    return PushOutcome(answer.body())


def _first(form: Mapping, *names: str) -> str | None:
    for name in names:
        values = form.get(name)
        if values:
            return values if isinstance(values, str) else values[0]
    return None


# --- storing each method ---------------------------------------------------------


def _store_write(lot: SeoulLot, push: ParkWrite, now: datetime) -> None:
    lot.name, lot.in_charge, lot.phone = push.parking_lot_name, push.in_charge, push.phone
    for name in ("capacity", "bike_racks", "compact", "women", "disabled", "electcar", "nanumcar", "motorbike", "bus"):
        setattr(lot, name, getattr(push, name))
    lot.longitude, lot.latitude = push.position_longitude, push.position_latitude
    lot.sync_time, lot.info_updated_at = push.sync_time, now


def _minutes(value) -> int | None:
    return None if value is None else value.minutes


def _store_oper(lot: SeoulLot, push: ParkOper, now: datetime) -> None:
    operation = lot.operation or SeoulLotOperation(lot=lot)
    values = {
        "visitor_access": push.visitor_access, "position_class": push.position_class,
        "night_free_open": push.night_free_open,
        "weekday_begin": push.weekday_begin_time.minutes, "weekday_end": push.weekday_end_time.minutes,
        "weekend_begin": _minutes(push.weekend_begin_time), "weekend_end": _minutes(push.weekend_end_time),
        "holiday_begin": _minutes(push.holiday_begin_time), "holiday_end": _minutes(push.holiday_end_time),
        "rates": push.rates, "time_rate": push.time_rate, "add_rates": push.add_rates,
        "add_time_rate": push.add_time_rate, "day_maximum": push.day_maximum,
        "day_monthly": push.day_monthly, "night_monthly": push.night_monthly,
        "all_day_monthly": push.all_day_monthly, "rotation_code": push.no_driving_rotation_system,
        "discount_compact": push.compact_car, "discount_disabled": push.disabled,
        "discount_national_merit": push.national_merit, "discount_many_children": push.many_children,
        "store_discount": push.store_discount, "notify_memo": push.notify_memo,
        "sync_time": push.sync_time, "updated_at": now,
    }
    for name, value in values.items():
        setattr(operation, name, value)
    db.session.add(operation)


#: ParkStatPost2's occur_time may run ahead of our clock by this much before it is clamped
CLOCK_SKEW = timedelta(minutes=5)


_SAMPLE_EXTRAS = {"disabled_parking": Integer(), "regular_parking": Integer(), "nanum_parking": Integer(),
                  "elect_parking": Integer(), "garden_parking": Integer(), "inout": String()}
# bound values, each named once and used wherever the statements need it
_LOT, _CURRENT = bindparam("lot", type_=Integer()), bindparam("current", type_=Integer())
_SAMPLE_AT, _RECEIVED = bindparam("sample_at", type_=UTCDateTime()), bindparam("received", type_=UTCDateTime())
_SAMPLE_METHOD = bindparam("sample_method", type_=String())
_NEWER = or_(SeoulLot.current_at.is_(None), SeoulLot.current_at <= _SAMPLE_AT)
#: built once: a push only binds values (a compiled statement from the cache, no SQL building per push)
_NOTE_SAMPLE = (
    update(SeoulLot).where(SeoulLot.id == _LOT)
    .values(current_parking=case((_NEWER, _CURRENT), else_=SeoulLot.current_parking),
            current_at=case((_NEWER, _SAMPLE_AT), else_=SeoulLot.current_at),
            last_method=_SAMPLE_METHOD, last_result_state=OK, last_message=None, last_push_at=_RECEIVED,
            sample_version=SeoulLot.sample_version + 1)  # Core: the ORM's listener does not see this write
)
_INSERT_SAMPLE = insert(SeoulOccupancySample)


def _one_statement_sample():
    """PostgreSQL: the lot's update, the sample's insert and ``synchronous_commit = off`` in one statement.

    ``WITH noted AS (UPDATE seoul_lots … RETURNING id), relaxed AS (SELECT set_config(…, true))
    INSERT INTO seoul_occupancy_samples … SELECT … FROM noted, relaxed RETURNING id``: one round
    trip where three were needed (module docstring); nothing is inserted when no lot was noted.
    """
    samples = SeoulOccupancySample.__table__
    noted = _NOTE_SAMPLE.returning(SeoulLot.id).cte("noted")
    relaxed = select(func.set_config("synchronous_commit", "off", true()).label("relaxed")).cte("relaxed")
    extras = [bindparam(name, type_=kind) for name, kind in _SAMPLE_EXTRAS.items()]
    values = select(noted.c.id, _SAMPLE_AT, _RECEIVED, _SAMPLE_METHOD, _CURRENT, *extras).select_from(noted)
    values = values.join(relaxed, true())
    columns = ["lot_id", "at", "received_at", "method", "current_parking", *_SAMPLE_EXTRAS]
    return insert(samples).from_select(columns, values).returning(samples.c.id)


_PG_SAMPLE = _one_statement_sample()


def _add_sample(lot_id: int, at: datetime, now: datetime, method: str, current: int, **extra) -> bool:
    """File a sample, move the lot's live figure if the sample is newer, note the push; False if no such lot."""
    noting = {"lot": lot_id, "sample_at": at, "current": current, "sample_method": method, "received": now}
    if db.engine.dialect.name == "postgresql":
        # the push's one statement is a transaction of its own when nothing else of the push is in the session's
        # yet (the day's count waits in this worker): no BEGIN and COMMIT round trips, one instead of three
        options = {} if db.session().in_transaction() else {"isolation_level": "AUTOCOMMIT"}
        connection = db.session.connection(execution_options=options)
        return connection.execute(_PG_SAMPLE, {**noting, **dict.fromkeys(_SAMPLE_EXTRAS), **extra}).first() \
            is not None
    connection = db.session.connection()
    if not connection.execute(_NOTE_SAMPLE, noting).rowcount:
        return False
    connection.execute(_INSERT_SAMPLE, {"lot_id": lot_id, "at": at, "received_at": now, "method": method,
                                        "current_parking": current, **extra})
    return True


def _store_stat(lot_id: int, push: ParkStat, now: datetime) -> bool:
    return _add_sample(lot_id, now, now, PARK_STAT, push.current_parking)


def _store_stat2(lot_id: int, push: ParkStat2, now: datetime) -> bool:
    at = now
    if push.occur_time is not None:
        at = min(push.occur_time, now) if push.occur_time <= now + CLOCK_SKEW else now
    return _add_sample(lot_id, at, now, PARK_STAT2, push.current_parking, disabled_parking=push.disabled_parking,
                       regular_parking=push.regular_parking, nanum_parking=push.nanum_parking,
                       elect_parking=push.elect_parking, garden_parking=push.garden_parking,
                       inout=push.inout_gubun)


def _store_space(lot: SeoulLot, push: ParkSpace, now: datetime) -> None:
    # The seed's sample lists 3 spaces with count=40: a push updates the spaces it names and
    # leaves the others as they were; an unknown (empty) floor or status keeps the stored one.
    lot.space_count = push.count
    if not push.spaces:
        return
    existing = {s.space_id: s for s in db.session.scalars(select(SeoulSpace).where(SeoulSpace.lot_id == lot.id))}
    for state in push.spaces:
        space = existing.get(state.parking_space_id)
        if space is None:
            space = SeoulSpace(lot_id=lot.id, space_id=state.parking_space_id)
            db.session.add(space)
        if state.floor_class is not None:
            space.floor_class = state.floor_class
        if state.floor_number is not None:
            space.floor_number = state.floor_number
        if state.occupied is not None:
            space.occupied = state.occupied
        space.updated_at = now


#: the store of each method: ParkStatPost/ParkStatPost2 take the lot's id (``_receive_sample``), the others the lot
_STORE = {PARK_WRITE: _store_write, PARK_OPER: _store_oper, PARK_STAT: _store_stat, PARK_SPACE: _store_space,
          PARK_STAT2: _store_stat2}
