"""The operator's side of the Seoul protocol: one-off pushes, the occupancy simulator, the demo lots.

Everything here reaches our receiver the way a lot operator's system would:
through ``providers.seoul.SeoulPushClient`` over HTTP to a given URL, or
in-process onto this very app (``httpx.WSGITransport``). The in-process call
runs in an empty ``contextvars`` context, so the receiver gets its own app
context and database session, as a request from outside would — the
caller's session is never committed by the receiver's commit.

The demo lots are registered through the protocol itself: an admin step
issues the key and the lots' ids and secrets, then each lot's ParkWritePost,
ParkOperPost, history (ParkStatPost2 with past ``occur_time``s), ParkStatPost
and ParkSpacePost arrive as pushes.
"""

from __future__ import annotations

import contextvars
import logging
import math
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from flask import current_app

from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ServiceError
from webapp.core.http import HttpSettings, build_http_client
from webapp.seoul import admin as seoul_admin
from webapp.seoul.fields import KST, METHODS, PARK_OPER, PARK_SPACE, PARK_STAT, PARK_WRITE
from webapp.seoul.operator.demo_data import DEMO_KEY, DEMO_LOTS, DEMO_REQUEST_LIMIT, FEES_BY_CLASS, PROFILES, DemoLot
from webapp.seoul.operator.push_client import PushResult, SeoulPushClient, SpaceReport
from webapp.seoul.tariffs import WEEKDAY, day_kind

log = logging.getLogger(__name__)

IN_PROCESS_URL = "http://receiver.in-process"
MAX_SIMULATED_MINUTES = 7 * 24 * 60
METHOD_NAMES = tuple(METHODS)


class ReceiverUnreachableError(ServiceError):
    """The receiver at the given URL did not answer (or answered without a result)."""

    status_code = 502


def protects_infra_id(method: str) -> bool:
    """Whether ``method`` sends infra_id SEED-protected, so the push needs the lot's secret."""
    return METHODS[method].encrypted_infra_id
# plates: 2-3 digits, a Hangul syllable, 4 digits (12가3456, 123가4567)
_PLATE_SYLLABLES = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주하허호"


@contextmanager
def quiet_http_logs(verbose: bool = False, also: tuple[str, ...] = ()):
    """Silence the one-line-per-request logs of httpx and our HTTP layer (and ``also``) while a feed runs."""
    loggers = [logging.getLogger(name) for name in ("httpx", "webapp.providers", *also)]
    levels = [logger.level for logger in loggers]
    if not verbose:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _isolated(app) -> Callable:
    def call(environ, start_response):
        # an empty context: the receiver pushes its own app context and session
        return contextvars.Context().run(app, environ, start_response)

    return call


@contextmanager
def receiver_client(url: str | None = None) -> Iterator[SeoulPushClient]:
    """A push client aimed at ``url`` (real HTTP) or, when None, at this app in-process; closed on exit."""
    if url:
        http = build_http_client(HttpSettings("seoul", url.rstrip("/") + "/", retries=0))
    else:
        app = current_app._get_current_object()
        http = httpx.Client(transport=httpx.WSGITransport(app=_isolated(app)), base_url=IN_PROCESS_URL)
    with http:
        yield SeoulPushClient(http)


def _space_reports(pairs: list[tuple[str, str]]) -> list[SpaceReport]:
    lists = {name: [v for n, v in pairs if n == name]
             for name in ("floor_class", "floor_number", "parking_space_id", "parking_space_status")}

    def at(name: str, i: int) -> str | None:
        values = lists[name]
        return values[i] if i < len(values) and values[i] != "" else None

    # the texts go out as typed (format_value passes text through): the receiver judges them
    return [SpaceReport(space_id, at("floor_class", i), at("floor_number", i), at("parking_space_status", i))
            for i, space_id in enumerate(lists["parking_space_id"])]


def push_fields(method: str, key: str, infra_id: str, fields: list[tuple[str, str]], secret_hex: str | None = None,
                url: str | None = None) -> PushResult:
    """Send one push with fields given as text (the ``seoul push`` command).

    Args:
        method: one of the five method names.
        key: the operator key.
        infra_id: the lot id in clear (protected here for ParkWritePost/ParkOperPost).
        fields: (name, value) pairs by documented name; ParkSpacePost takes
            repeated floor_class/floor_number/parking_space_id/parking_space_status.
        secret_hex: the lot's secret as 32 hex digits (ParkWritePost/ParkOperPost only).
        url: the receiver's root URL; None pushes in-process to this app.

    Returns:
        The receiver's answer.

    Raises:
        ValueError: unknown method or field, a missing required field or secret.
        ReceiverUnreachableError: the receiver could not be reached.
    """
    try:
        return _push_fields(method, key, infra_id, fields, secret_hex, url)
    except ProviderError as error:
        raise ReceiverUnreachableError(str(error)) from error


def _push_fields(method: str, key: str, infra_id: str, fields: list[tuple[str, str]], secret_hex: str | None,
                 url: str | None) -> PushResult:
    if method not in METHODS:
        raise ValueError(f"unknown method {method}; use one of {', '.join(METHODS)}")
    with receiver_client(url) as client:
        if method in (PARK_WRITE, PARK_OPER):
            if not secret_hex:
                raise ValueError(f"{method} protects infra_id: give --secret")
            secret = bytes.fromhex(secret_hex)
            send = client.park_write if method == PARK_WRITE else client.park_oper
            return send(key, infra_id, secret, dict(fields))
        if method == PARK_STAT:
            values = dict(fields)
            if set(values) != {"current_parking"}:
                raise ValueError("ParkStatPost takes exactly current_parking=N")
            return client.park_stat(key, infra_id, values["current_parking"])
        if method == PARK_SPACE:
            counts = [v for n, v in fields if n == "count"]
            if len(counts) != 1:
                raise ValueError("ParkSpacePost needs count=N once")
            return client.park_space(key, infra_id, counts[0], _space_reports(fields))
        return client.park_stat2(key, infra_id, dict(fields))


# --- the operator's model of a lot ---------------------------------------------------


def target_share(profile: str, when: datetime) -> float:
    """How full a lot of ``profile`` usually is at ``when`` (hourly curve, linearly interpolated)."""
    local = when.astimezone(KST)
    weekday_curve, weekend_curve = PROFILES[profile]
    curve = weekday_curve if day_kind(local.date()) == WEEKDAY else weekend_curve
    hour = local.hour + local.minute / 60
    low = int(hour) % 24
    return curve[low] + (curve[(low + 1) % 24] - curve[low]) * (hour - int(hour))


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: means here stay well under 20
    limit, k, p = math.exp(-min(mean, 30.0)), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class LotFeed:
    """The operator's live state of one lot: which spaces hold a car."""

    lot: DemoLot
    rng: random.Random
    occupied: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.spaces = [(f"{fc}{number}-{i:03d}", fc, number) for fc, number, count in self.lot.floors
                       for i in range(1, count + 1)]

    def fill_to(self, share: float) -> None:
        wanted = max(0, min(len(self.spaces), round(share * len(self.spaces))))
        self.occupied = set(self.rng.sample([s[0] for s in self.spaces], wanted))

    @property
    def current(self) -> int:
        return len(self.occupied)

    def minute(self, when: datetime) -> list[tuple[str, datetime]]:
        """Cars in and out during the minute starting ``when``: [(I/O, time)], in time order."""
        capacity = len(self.spaces)
        gap = target_share(self.lot.profile, when) * capacity * self.rng.uniform(.95, 1.05) - self.current
        churn = capacity * 0.003
        arrivals = _poisson(self.rng, max(0.0, gap) * 0.12 + churn)
        departures = _poisson(self.rng, max(0.0, -gap) * 0.12 + churn)
        events = [("I", when + timedelta(seconds=self.rng.randrange(60))) for _ in range(arrivals)]
        events += [("O", when + timedelta(seconds=self.rng.randrange(60))) for _ in range(departures)]
        applied = []
        for inout, at in sorted(events, key=lambda e: e[1]):
            free = [s[0] for s in self.spaces if s[0] not in self.occupied]
            pool = free if inout == "I" else sorted(self.occupied)
            if pool:
                space = self.rng.choice(pool)
                (self.occupied.add if inout == "I" else self.occupied.discard)(space)
                applied.append((inout, at))
        return applied

    def plate(self) -> str:
        return f"{self.rng.randint(10, 399)}{self.rng.choice(_PLATE_SYLLABLES)}{self.rng.randint(1000, 9999)}"

    def stat2_fields(self, inout: str | None, at: datetime) -> dict:
        share = self.current / max(1, len(self.spaces))
        info = lot_info(self.lot)
        return {
            "current_parking": self.current,
            "disabled_parking": min(info["disabled"], round(info["disabled"] * share)),
            "regular_parking": round(self.current * 0.15),
            "nanum_parking": min(info["nanumcar"], round(info["nanumcar"] * share)),
            "elect_parking": min(info["electcar"], round(info["electcar"] * share)),
            "garden_parking": min(info["motorbike"], round(info["motorbike"] * share)),
            "inout_gubun": inout, "car_num": self.plate() if inout else None, "occur_time": at,
        }

    def space_reports(self) -> list[SpaceReport]:
        return [SpaceReport(space_id, fc, number, space_id in self.occupied) for space_id, fc, number in self.spaces]


def lot_info(lot: DemoLot) -> dict:
    """The lot's ParkWritePost fields (without name, capacity and sync time)."""
    capacity = lot.capacity
    return {
        "compact": capacity // 10, "women": capacity // 10 if capacity >= 30 else 0,
        "disabled": max(1, math.ceil(capacity * 0.03)), "electcar": max(1, capacity // 20),
        "nanumcar": 2 if capacity >= 100 else 1, "motorbike": 10 if lot.profile == "park" else 4,
        "bike_racks": 20 if lot.profile == "park" else 6, "bus": 5 if lot.profile == "park" else 0,
    }


def oper_fields(lot: DemoLot, synced: datetime) -> dict:
    """The lot's ParkOperPost fields."""
    rates, time_rate, add_rates, add_time_rate, day_max, day_pass, night_pass, all_day_pass = \
        FEES_BY_CLASS[lot.position_class]
    weekday, weekend, holiday = lot.hours
    shops = lot.profile in ("shopping", "station")
    memo = f"{lot.address} ({lot.district})" + (" · 주변 상가 이용 시 2시간 무료" if shops else "")
    return {
        "visitor_access": lot.visitor_access, "position_class": lot.position_class,
        "night_free_open": lot.profile == "office",
        "weekday_begin_time": weekday[0], "weekday_end_time": weekday[1],
        "weekend_begin_time": weekend[0] if weekend else None, "weekend_end_time": weekend[1] if weekend else None,
        "holiday_begin_time": holiday[0] if holiday else None, "holiday_end_time": holiday[1] if holiday else None,
        "rates": rates, "time_rate": time_rate, "add_rates": add_rates, "add_time_rate": add_time_rate,
        "day_maximum": day_max, "day_monthly": day_pass, "night_monthly": night_pass,
        "all_day_monthly": all_day_pass, "no_driving_rotation_system": 5 if lot.profile == "office" else 1,
        "compact_car": 50, "disabled": 80, "national_merit": 50, "many_children": 50 if shops else 30,
        "store_discount": shops, "notify_memo": memo, "sync_time": synced,
    }


def write_fields(lot: DemoLot, synced: datetime) -> dict:
    """The lot's ParkWritePost fields."""
    number = 1000 + int(lot.infra_id[-3:])
    return {"parking_lot_name": lot.name, "in_charge": f"{lot.district} 시설관리공단", "phone": f"02-2133-{number}",
            "capacity": lot.capacity, **lot_info(lot), "sync_time": synced,
            "position_longitude": lot.longitude, "position_latitude": lot.latitude}


@dataclass
class FeedStats:
    """How the receiver answered a run of pushes."""

    pushes: int = 0
    results: Counter = field(default_factory=Counter)

    def note(self, result: PushResult) -> PushResult:
        self.pushes += 1
        self.results[result.result_state] += 1
        return result

    @property
    def refused(self) -> int:
        return self.pushes - self.results.get("0000", 0)


def _feeds(lots: Iterable[DemoLot], seed: int | None) -> list[LotFeed]:
    rng = random.Random(seed)
    return [LotFeed(lot, random.Random(rng.random())) for lot in lots]


def simulate(minutes: int, url: str | None = None, speed: float = 1.0, key: str = DEMO_KEY,
             start: datetime | None = None, seed: int | None = None, grid_every: int = 5,
             progress: Callable[[int, FeedStats], None] | None = None, sleep: Callable = time.sleep) -> FeedStats:
    """Drive the demo lots for ``minutes`` simulated minutes through the receiver.

    Each minute, for each lot: arrivals and departures follow the lot's
    time-of-day curve, each one a ParkStatPost2 (car number, I/O, occur_time);
    then a ParkStatPost with the total; every ``grid_every`` minutes a
    ParkSpacePost with the whole floor grid.

    Args:
        minutes: simulated minutes, 1 to ``MAX_SIMULATED_MINUTES``.
        url: the receiver's root; None for this app in-process.
        speed: simulated seconds per real second (1 = real time, 60 = a minute
            a second, 0 = no waiting).
        key: the operator key the demo lots are registered under.
        start: the first simulated minute; default now.
        seed: random seed for a repeatable run.
        grid_every: minutes between floor-grid pushes.
        progress: called after each simulated minute with (minute, stats).
        sleep: the waiting function (tests pass a no-op).

    Returns:
        Counts of pushes by result code.

    Raises:
        ValueError: ``minutes`` out of range or a negative ``speed``.
        ReceiverUnreachableError: the receiver stopped answering.
    """
    if not 1 <= minutes <= MAX_SIMULATED_MINUTES:
        raise ValueError(f"simulate 1 to {MAX_SIMULATED_MINUTES} minutes")
    if speed < 0:
        raise ValueError("speed cannot be negative")
    stats = FeedStats()
    when = (start or utcnow()).replace(second=0, microsecond=0)
    feeds = _feeds(DEMO_LOTS, seed)
    for feed in feeds:
        feed.fill_to(target_share(feed.lot.profile, when))
    try:
        with receiver_client(url) as client:
            _run(client, key, feeds, minutes, when, speed, grid_every, stats, progress, sleep)
    except ProviderError as error:
        raise ReceiverUnreachableError(str(error)) from error
    return stats


def _run(client, key, feeds, minutes, when, speed, grid_every, stats, progress, sleep) -> None:
    started = time.monotonic()
    for minute in range(minutes):
        for feed in feeds:
            for inout, at in feed.minute(when):
                stats.note(client.park_stat2(key, feed.lot.infra_id, feed.stat2_fields(inout, at)))
            stats.note(client.park_stat(key, feed.lot.infra_id, feed.current))
            if minute % grid_every == 0 or minute == minutes - 1:
                stats.note(client.park_space(key, feed.lot.infra_id, feed.lot.capacity, feed.space_reports()))
        when += timedelta(minutes=1)
        if progress:
            progress(minute + 1, stats)
        if speed > 0 and minute < minutes - 1:
            sleep(max(0.0, started + (minute + 1) * 60 / speed - time.monotonic()))


def backfill(hours: int, step_minutes: int = 30, url: str | None = None, key: str = DEMO_KEY,
             now: datetime | None = None, seed: int | None = None, feeds: list[LotFeed] | None = None) -> FeedStats:
    """Send the past ``hours`` of each demo lot as ParkStatPost2 samples with past occur_times.

    One sample per lot every ``step_minutes`` (the operator replaying its
    counts); the receiver files each at its occur_time (``services.seoul_ingest``).

    Returns:
        Counts of pushes by result code.

    Raises:
        ReceiverUnreachableError: the receiver stopped answering.
    """
    stats = FeedStats()
    now = (now or utcnow()).replace(second=0, microsecond=0)
    try:
        with receiver_client(url) as client:
            for feed in feeds or _feeds(DEMO_LOTS, seed):
                for step in range(hours * 60 // step_minutes, 0, -1):
                    at = now - timedelta(minutes=step * step_minutes)
                    noise = feed.rng.uniform(-.04, .04)
                    feed.fill_to(min(1.0, max(0.0, target_share(feed.lot.profile, at) + noise)))
                    inout = feed.rng.choice("IO")
                    stats.note(client.park_stat2(key, feed.lot.infra_id, feed.stat2_fields(inout, at)))
    except ProviderError as error:
        raise ReceiverUnreachableError(str(error)) from error
    return stats


def load_demo(now: datetime | None = None, history_hours: int = 24, history_step: int = 60) -> int:
    """Register the demo key's lots through the protocol, with ``history_hours`` of samples.

    Idempotent: does nothing when the demo key already has lots.

    Returns:
        The number of lots registered (0 when they were there already).

    Raises:
        RuntimeError: the receiver refused a registration push (a bug: the demo must load).
    """
    if seoul_admin.key_has_lots(DEMO_KEY):
        return 0
    with quiet_http_logs(also=(seoul_admin.__name__,)):  # 36 "lot registered" lines say nothing here
        return _load_demo(now, history_hours, history_step)


def _load_demo(now: datetime | None, history_hours: int, history_step: int) -> int:
    if seoul_admin.find_key(DEMO_KEY) is None:
        seoul_admin.add_key(DEMO_KEY, DEMO_REQUEST_LIMIT)
    now = now or utcnow()
    synced = now.astimezone(KST)
    feeds = _feeds(DEMO_LOTS, seed=20261123)
    with receiver_client() as client:
        for feed in feeds:
            lot = feed.lot
            secret = secrets.token_bytes(16)  # lives only in this loop and, sealed, in the database
            seoul_admin.add_lot(DEMO_KEY, lot.infra_id, secret.hex())
            for result in (client.park_write(DEMO_KEY, lot.infra_id, secret, write_fields(lot, synced)),
                           client.park_oper(DEMO_KEY, lot.infra_id, secret, oper_fields(lot, synced))):
                if not result.ok:
                    raise RuntimeError(f"demo lot {lot.infra_id} refused: {result.result_state} {result.message}")
        if history_hours:
            backfill(history_hours, history_step, now=now, feeds=feeds)
        for feed in feeds:
            feed.fill_to(target_share(feed.lot.profile, now))
            for result in (client.park_stat(DEMO_KEY, feed.lot.infra_id, feed.current),
                           client.park_space(DEMO_KEY, feed.lot.infra_id, feed.lot.capacity, feed.space_reports())):
                if not result.ok:
                    raise RuntimeError(f"demo lot {feed.lot.infra_id} refused: {result.result_state}")
    return len(feeds)
