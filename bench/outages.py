"""Outage bench: every booking provider under the fault mix, then the sweep past every deadline, then support.

What issue 21 asked of the four providers that book, as a script that must come out clean:

1. Each sandbox — the City of Helsinki, the APDS platform (pay-by-phone), the rent-car server (reserve) and
   247Parking (book) — is served on its own free 127.0.0.1 port by ``flask --app app sandbox serve NAME``
   (its own process and state folder). The app is built in-process on a throw-away database (a SQLite file,
   or with ``--database-url``/``DATABASE_URL`` a fresh PostgreSQL database dropped at the end) and reaches
   each sandbox over HTTP with a 1 s read timeout.
2. ``--attempts`` bookings per provider through the feature's own use case, in waves of ``--concurrency``
   that share one fault kind: none, latency past the timeout, 500, 502, 503, 504, 429, reply dropped after
   commit, late commit (the sandbox's switch). Every ``DOUBLE_EVERY``-th attempt re-submits the previous key.
3. Faults off, the hung requests finished, two sweeps at once with ``now`` past every provider's deadline,
   then one more. 247Parking has no look-up call: its unknown bookings wait for support, who then settles
   them from 247Parking's partner list (``bookings.support.settle_from_list``, complete up to that moment).
4. Each provider's own store (its SQLite file) against our bookings, per provider: attempts, active or
   reserved, failed, unknown left (and of them without a dated next step), lost (the provider holds it,
   no booking of ours knows it), duplicated, cross-linked, failed but at the provider, and exceptions.
   Must be 0: lost, duplicated, cross-linked, failed but at the provider, undated, exceptions — and, after
   support's list, unknown left. The exit status is 1 otherwise.

    .venv/bin/python bench/outages.py [--attempts 27] [--concurrency 3] [--providers helsinki,apds,...]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/outages.py

Only 127.0.0.1; every wait is bounded; the sandbox processes and the throw-away database are removed at
the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench._harness import throwaway_database  # noqa: E402 - after the path set-up, like the other benches

#: the app's read timeout towards every provider, seconds
TIMEOUT = 1.0
#: just past the timeout: the provider handles the request after the app gave up
LATENCY = 1.2
#: how long a dropped reply / late commit keeps the client waiting (past the timeout)
HANG = 1.5
DOUBLE_EVERY = 10
SANDBOX_START_LIMIT = 60.0
ATTEMPT_JOIN_LIMIT = 90.0
SWEEP_JOIN_LIMIT = 600.0
#: the sweep runs this far in the future: past every provider's deadline (Helsinki 5 min, APDS 5, rent-car 10)
PAST_EVERY_DEADLINE = timedelta(minutes=15)

FAULTS: dict[str, dict] = {
    "none": {},
    "latency": {"latency": LATENCY},
    "http 500": {"status": 500},
    "http 502": {"status": 502},
    "http 503": {"status": 503},
    "http 504": {"status": 504},
    "http 429": {"status": 429},
    "dropped reply": {"drop_after_commit": None, "hang_seconds": HANG},
    "late commit": {"late_commit": None, "hang_seconds": HANG},
}
KINDS = tuple(FAULTS)
HOLDS = ("active", "reserved", "completed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedSandbox:
    """``flask --app app sandbox serve NAME --port N`` in its own process group and state folder."""

    def __init__(self, name: str, folder: Path, path: str = "") -> None:
        self.name, self.folder = name, folder
        self.port = _free_port()
        self.root = f"http://127.0.0.1:{self.port}/"
        self.url = self.root + path
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "DATABASE_URL", "REDIS_URL"))}
        env.update({"INSTANCE_PATH": str(folder), "APP_ENV": "testing", "LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(ROOT)})
        folder.mkdir(parents=True, exist_ok=True)
        self._log = (folder / "sandbox.log").open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "sandbox", "serve", name, "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        import httpx

        self.http = httpx.Client(base_url=self.root, timeout=10)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SANDBOX_START_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.name} sandbox exited: "
                                   f"{(self.folder / 'sandbox.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                self.faults("none", 0)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the {self.name} sandbox did not answer within {SANDBOX_START_LIMIT:.0f} s")

    def faults(self, kind: str, count: int) -> None:
        body = {key: (count if value is None else value) for key, value in FAULTS[kind].items()}
        self.http.post("_sandbox/faults", json=body).raise_for_status()

    def store(self, filename: str) -> sqlite3.Connection:
        """The provider's own store, read-only (its truth, never through our client)."""
        return sqlite3.connect(f"file:{self.folder / 'sandbox' / filename}?mode=ro", uri=True, timeout=10)

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


@dataclass
class Attempt:
    """One press of the provider's book button."""

    index: int
    kind: str
    user_id: int
    vehicle_id: int
    key: str
    double_of: int | None = None
    outcome: str = ""
    public_ref: str | None = None
    request: object = None  # what the press sends (rent-car: the quote the driver saw)


# -- the four providers ------------------------------------------------------------------------------------


class Provider:
    """One provider's part of the bench: its sandbox, its drivers, its book button and its truth."""

    name = ""  # the sandbox's name, the API's name and Booking.provider
    path = ""  # the API root below the served sandbox's root
    store_file = ""
    country, plates = "FI", ("ABC-123", "XYZ-789", "BCD-234")

    def setup(self, app) -> None:
        """What every attempt needs (places, areas), with the faults off."""

    def prepare(self, app, attempt: Attempt) -> None:
        """Work done before the press, faults off (rent-car: the quote the driver looks at)."""

    def book(self, app, attempt: Attempt):
        raise NotImplementedError

    def remote(self, sandbox: ServedSandbox) -> list[tuple[str, str | None, bool]]:
        """The provider's bookings: (its id, the reference of ours it carries, still holding)."""
        raise NotImplementedError


class Helsinki(Provider):
    name, store_file = "helsinki", "helsinki.sqlite3"

    def setup(self, app) -> None:
        from webapp.helsinki import areas

        areas.sync_areas()
        self.area_id = next(a for a in areas.list_areas() if (a.max_time_in_minutes or 0) >= 120).area_id

    def book(self, app, attempt: Attempt):
        from webapp.core.clock import utcnow
        from webapp.helsinki import parkings

        now = utcnow()
        return parkings.start_parking(attempt.user_id, self.area_id, attempt.vehicle_id, now + timedelta(minutes=60),
                                      attempt.key, now=now, confirm_overlap=True)

    def remote(self, sandbox):
        with sandbox.store(self.store_file) as connection:
            rows = connection.execute("SELECT parking_id, device_id FROM parkings").fetchall()
        return [(parking_id, (device_id or "").removeprefix("parkgo:"), True) for parking_id, device_id in rows]


class ApdsPayByPhone(Provider):
    name, store_file = "apds", "apds_platform.sqlite3"
    country, plates = "GB", ("BD18 SMR", "LV68 RTE", "YK70 NMB")
    place = "805432"  # Manchester Arndale

    def setup(self, app) -> None:
        from webapp.apds import places

        places.sync_places()

    def book(self, app, attempt: Attempt):
        from webapp.apds import sessions
        from webapp.core.clock import utcnow

        return sessions.start_session(attempt.user_id, self.place, attempt.vehicle_id, 60, attempt.key,
                                      now=utcnow(), confirm_overlap=True)

    def remote(self, sandbox):
        with sandbox.store(self.store_file) as connection:
            rows = connection.execute("SELECT id, document FROM sessions").fetchall()
        found = []
        for session_id, document in rows:
            carried = [t.get("transactionId", "") for s in json.loads(document).get("segments") or ()
                       for t in s.get("financialTransactions") or ()]
            ours = next((t.removeprefix("parkgo:") for t in carried if t.startswith("parkgo:")), None)
            found.append((session_id, ours, True))
        return found


class RentcarReserve(Provider):
    name, store_file = "rentcar", "rentcar.sqlite3"
    country, plates = "KR", ("12가3456", "34나5678", "56다7890")
    company, mid, model = "HALLA", 10101, "모닝"

    def prepare(self, app, attempt: Attempt) -> None:
        from webapp.core.clock import SEOUL, utcnow
        from webapp.rentcar import rentals

        day = (utcnow().astimezone(SEOUL) + timedelta(days=20 + attempt.index // 2)).replace(
            hour=10, minute=0, second=0, microsecond=0)
        start, end = day, day + timedelta(days=1)
        quote = rentals.quote_rental(attempt.user_id, self.company, self.mid, start, end)
        choice = quote.cover("none")
        attempt.request = rentals.ReserveRequest(
            company_code=self.company, mid=self.mid, start=start, end=end, cover="none", extras=(),
            seen_car_fee=choice.car_fee, seen_insurance_fee=choice.insurance_fee, seen_extras_fee=0,
            model_name=self.model, company_name="한라렌트카", min_age=quote.offer.min_age, name="Kim",
            phone="010-1234-5678", cutoff_hours=24, same_day_minutes=60)

    def book(self, app, attempt: Attempt):
        from webapp.rentcar import rentals

        return rentals.reserve_rental(attempt.user_id, attempt.request, attempt.key)

    def remote(self, sandbox):
        with sandbox.store(self.store_file) as connection:
            rows = connection.execute("SELECT revnum, dealerrevnum, state FROM reservations").fetchall()
        return [(revnum, dealer, state != "취소") for revnum, dealer, state in rows]


class ValetBook(Provider):
    name, path, store_file = "parking247", "v1/", "parking247.sqlite3"
    country, plates = "NL", ("97-KGT-1", "12-ABC-3", "45-XYZ-6")

    def book(self, app, attempt: Attempt):
        from webapp.core.clock import utcnow
        from webapp.valet import reservations
        from webapp.valet.pricing import ValetChoice

        drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=3 + attempt.index % 20)
        choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                             arrival=drop_off + timedelta(days=7), persons=2, payment="ideal", wash=1)
        request = reservations.ValetRequest(choice=choice, vehicle_id=attempt.vehicle_id, car="Opel Astra, zwart",
                                            first_name="Anna", last_name="de Vries",
                                            email=f"driver{attempt.user_id}@example.com", mobile="+31 6 1234 5678")
        return reservations.book_valet(attempt.user_id, request, attempt.key, confirm_overlap=True)

    def remote(self, sandbox):
        with sandbox.store(self.store_file) as connection:
            rows = connection.execute("SELECT number, fields, status FROM reservations").fetchall()
        return [(number, (json.loads(fields).get("referentienummer") or "").split(" ")[0] or None,
                 status != "canceled") for number, fields, status in rows]

    def partner_list(self, sandbox: ServedSandbox) -> str:
        """247Parking's list of our reservations, as its partner account gives it."""
        return sandbox.http.get("_sandbox/partner-list.csv").text


PROVIDERS = {provider.name: provider for provider in (Helsinki(), ApdsPayByPhone(), RentcarReserve(), ValetBook())}


# -- the run ---------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """What one provider's run observed."""

    provider: Provider
    sandbox: ServedSandbox
    attempts: list[Attempt] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _drivers(app, provider: Provider, count: int) -> list[tuple[int, int]]:
    from webapp.accounts import users, vehicles

    drivers = []
    for n, plate in enumerate(provider.plates[:count]):
        user = users.register_user(f"{provider.name}-{n}@example.com", "bench password", "bench password")
        drivers.append((user.id, vehicles.add_vehicle(user.id, provider.country, plate).id))
    return drivers


def plan(count: int, drivers: list[tuple[int, int]], wave: int) -> list[list[Attempt]]:
    from webapp.bookings.operations import new_idempotency_key

    attempts: list[Attempt] = []
    for index in range(count):
        kind = KINDS[(index // wave) % len(KINDS)]
        if index % DOUBLE_EVERY == DOUBLE_EVERY - 1 and attempts:
            first = attempts[-1]
            attempts.append(Attempt(index, kind, first.user_id, first.vehicle_id, first.key, double_of=first.index,
                                    request=first.request))
            continue
        user_id, vehicle_id = drivers[index % len(drivers)]
        attempts.append(Attempt(index, kind, user_id, vehicle_id, new_idempotency_key()))
    return [attempts[n:n + wave] for n in range(0, count, wave)]


def _press(app, run: Run, attempt: Attempt, lock: threading.Lock) -> None:
    from webapp.core.errors import ConflictError, ProviderFailedError, ValidationError

    with app.app_context():
        try:
            booking = run.provider.book(app, attempt)
            attempt.outcome, attempt.public_ref = str(booking.status), booking.public_ref
        except (ProviderFailedError, ValidationError, ConflictError) as error:  # refused: failed, nothing booked
            from webapp.bookings.operations import find_by_key

            attempt.outcome = f"refused ({type(error).__name__})"
            booking = find_by_key(attempt.user_id, attempt.key)
            attempt.public_ref = booking.public_ref if booking is not None else None
        except Exception:  # whatever else escapes is a bench failure, counted and shown
            attempt.outcome = "EXCEPTION"
            with lock:
                run.unexpected.append(f"{run.provider.name} attempt {attempt.index} ({attempt.kind}):\n"
                                      f"{traceback.format_exc()}")


def run_provider(app, run: Run, count: int, concurrency: int) -> None:
    lock = threading.Lock()
    with app.app_context():
        run.provider.setup(app)
        drivers = _drivers(app, run.provider, min(concurrency, len(run.provider.plates)))
    for wave in plan(count, drivers, concurrency):
        run.sandbox.faults("none", 0)
        with app.app_context():
            for attempt in wave:
                if attempt.double_of is None:
                    try:
                        run.provider.prepare(app, attempt)
                    except Exception:
                        run.unexpected.append(f"{run.provider.name} prepare {attempt.index}:\n"
                                              f"{traceback.format_exc()}")
                else:
                    attempt.request = next((a.request for a in run.attempts + wave if a.index == attempt.double_of),
                                           attempt.request)
        run.sandbox.faults(wave[0].kind, len(wave))
        threads = [threading.Thread(target=_press, args=(app, run, attempt, lock), daemon=True) for attempt in wave]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(ATTEMPT_JOIN_LIMIT)
            if thread.is_alive():
                raise RuntimeError(f"{run.provider.name}: an attempt did not end in {ATTEMPT_JOIN_LIMIT:.0f} s")
        run.attempts.extend(wave)
        if wave[0].kind in ("latency", "dropped reply", "late commit"):
            # the requests the provider still handles must finish under this wave's switch, not the next one's
            time.sleep(max(HANG, LATENCY) + 0.3)
    time.sleep(max(HANG, LATENCY) + 0.5)  # the provider finishes what it handles late
    run.sandbox.faults("none", 0)


def sweeps(app, now, threads: int) -> tuple[list[str], list[str]]:
    """``threads`` sweeps at once, each in its own app context; returns (reports, tracebacks)."""
    from webapp.bookings.reconcile import sweep

    reports, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(threads)

    def one() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                report = sweep(now=now)
            except Exception:
                with lock:
                    errors.append(traceback.format_exc())
                return
            with lock:
                reports.append(report)

    workers = [threading.Thread(target=one, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(SWEEP_JOIN_LIMIT)
        if worker.is_alive():
            errors.append(f"a sweep did not end within {SWEEP_JOIN_LIMIT:.0f} s")
    return reports, errors


def compare(app, run: Run) -> dict[str, int]:
    """The provider's own store against our bookings of that provider."""
    from sqlalchemy import select

    from webapp.bookings.models import Booking
    from webapp.extensions import db

    remote = run.provider.remote(run.sandbox)
    with app.app_context():
        rows = db.session.execute(select(Booking.public_ref, Booking.user_id, Booking.idempotency_key, Booking.status,
                                         Booking.provider_ref, Booking.next_step_at)
                                  .where(Booking.provider == run.provider.name)).all()
    ours = {row.public_ref: row for row in rows}
    holding = [(rid, ref) for rid, ref, live in remote if live]
    carried = defaultdict(list)
    for rid, ref in holding:
        carried[ref].append(rid)
    by_id = {rid: ref for rid, ref, _live in remote}
    linked = Counter(row.provider_ref for row in rows if row.provider_ref)
    statuses = Counter(str(row.status) for row in rows)
    presses = {a.index: a.public_ref for a in run.attempts}
    unsettled = [row for row in rows if str(row.status) in ("unknown", "pending")]
    return {
        "attempts": len(run.attempts),
        "active/reserved": sum(statuses[s] for s in HOLDS),
        "failed": statuses["failed"],
        "unknown left": len(unsettled),
        "undated": sum(1 for row in unsettled if row.next_step_at is None),
        "lost": sum(1 for rid, ref in holding if ref not in ours
                    or (str(ours[ref].status) in HOLDS and ours[ref].provider_ref != rid)),
        "duplicated": (sum(len(ids) - 1 for ids in carried.values() if len(ids) > 1)
                       + sum(1 for a in run.attempts if a.double_of is not None and a.public_ref
                             and presses.get(a.double_of) and a.public_ref != presses[a.double_of])
                       + sum(n - 1 for n in Counter((r.user_id, r.idempotency_key) for r in rows).values() if n > 1)),
        "cross-linked": (sum(1 for row in rows if row.provider_ref and by_id.get(row.provider_ref) not in
                             (None, row.public_ref))
                         + sum(n - 1 for n in linked.values() if n > 1)
                         + sum(1 for row in rows if str(row.status) in ("active", "reserved")
                               and row.provider_ref not in by_id)),
        "failed at provider": sum(1 for row in rows if str(row.status) == "failed" and row.public_ref in carried),
        "exceptions": len(run.unexpected),
    }


COLUMNS = ("attempts", "active/reserved", "failed", "unknown left", "undated", "lost", "duplicated", "cross-linked",
           "failed at provider", "exceptions")
MUST_BE_ZERO = ("undated", "lost", "duplicated", "cross-linked", "failed at provider", "exceptions")


def _table(title: str, figures: dict[str, dict[str, int]]) -> None:
    print(title)
    print(f"{'provider':<12}" + "".join(f"{column:>19}" for column in COLUMNS))
    for name, row in figures.items():
        print(f"{name:<12}" + "".join(f"{row[column]:>19}" for column in COLUMNS))


def _outcomes(runs: list[Run]) -> None:
    print("what each press returned, per fault kind (a double submit shows the first press's booking):")
    for run in runs:
        by_kind = defaultdict(Counter)
        for attempt in run.attempts:
            by_kind[attempt.kind][attempt.outcome] += 1
        cells = "; ".join(f"{kind}: " + ", ".join(f"{o} {n}" for o, n in sorted(by_kind[kind].items()))
                          for kind in KINDS if kind in by_kind)
        print(f"  {run.provider.name}: {cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=27, help="bookings per provider (default 27)")
    parser.add_argument("--concurrency", type=int, default=3, help="presses at once per wave (default 3)")
    parser.add_argument("--providers", default=",".join(PROVIDERS), help="comma-separated, default all four")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="postgresql+psycopg://… : a throw-away database is created on that server")
    args = parser.parse_args()
    chosen = [PROVIDERS[name] for name in args.providers.split(",") if name]
    if args.attempts < 1 or not 1 <= args.concurrency <= 3:
        parser.error("--attempts must be positive and --concurrency 1 to 3 (one plate per driver)")

    from webapp import create_app
    from webapp.config import TestingConfig
    from webapp.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="parkgo-outages-"))
    served = [ServedSandbox(p.name, folder / p.name, p.path) for p in chosen]
    began, status = time.perf_counter(), 1
    try:
        for sandbox in served:
            sandbox.wait_ready()
        with throwaway_database(args.database_url, folder, "bench_outages") as (database_url, database_name):
            environ = {"INSTANCE_PATH": str(folder / "app"), "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
            for provider, sandbox in zip(chosen, served, strict=True):
                environ[f"PROVIDER_{provider.name.upper()}_URL"] = sandbox.url
                environ[f"PROVIDER_{provider.name.upper()}_TIMEOUT"] = str(TIMEOUT)
            app = create_app(TestingConfig(environ), WTF_CSRF_ENABLED=False)
            logging.getLogger("webapp").setLevel(logging.ERROR)
            logging.getLogger("httpx").setLevel(logging.WARNING)
            try:
                with app.app_context():
                    db.create_all()
                status = _run(app, [Run(p, s) for p, s in zip(chosen, served, strict=True)], args, database_name,
                              began)
                return status
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    finally:
        for sandbox in served:
            sandbox.stop()
        if status == 0:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept for a look: the sandboxes' logs and state, the app's instance in {folder}")


def _run(app, runs: list[Run], args, database_name: str, began: float) -> int:
    from webapp.accounts import users
    from webapp.bookings import support
    from webapp.core.clock import utcnow

    print(f"Outage bench on {database_name}: {args.attempts} bookings per provider, {args.concurrency} at once per "
          f"fault kind ({', '.join(KINDS)}); read timeout {TIMEOUT:g} s, latency {LATENCY:g} s, hang {HANG:g} s")
    for run in runs:
        started = time.perf_counter()
        run_provider(app, run, args.attempts, args.concurrency)
        print(f"  {run.provider.name}: {len(run.attempts)} presses in {time.perf_counter() - started:.1f} s "
              f"(sandbox {run.sandbox.url})")
    _outcomes(runs)

    started = time.perf_counter()
    now = utcnow() + PAST_EVERY_DEADLINE
    reports, errors = sweeps(app, now, threads=2)
    again, again_errors = sweeps(app, now, threads=1)
    print(f"\nsweeps at {now:%H:%M:%S} UTC (past every deadline), {time.perf_counter() - started:.1f} s:")
    for report in [*reports, *again]:
        for name, figures in sorted(report.providers.items()):
            print(f"  {name}: {figures}")
        print("  --")
    sweep_errors = errors + again_errors
    after_sweep = {run.provider.name: compare(app, run) for run in runs}
    print()
    _table("after the sweeps:", after_sweep)

    valet = next((run for run in runs if isinstance(run.provider, ValetBook)), None)
    final = dict(after_sweep)
    if valet is not None:
        with app.app_context():
            admin = users.register_user("support@example.com", "bench password", "bench password", role="admin")
            listed = support.parse_list(valet.provider.partner_list(valet.sandbox))
            report = support.settle_from_list(admin.id, "parking247", listed, complete_until=utcnow())
        print(f"\nsupport settles 247Parking from its partner list ({len(listed)} rows): {report}")
        for problem in report.problems[:10]:
            print(f"  {problem}")
        final[valet.provider.name] = compare(app, valet)
        print()
        _table("after support's list:", final)

    failures = sum(final[name][column] for name in final for column in MUST_BE_ZERO) + len(sweep_errors)
    failures += sum(row["unknown left"] for row in final.values())
    for text in [*sweep_errors, *(u for run in runs for u in run.unexpected)][:5]:
        print("\n" + text[-2500:])
    print(f"\nbookings left without a settled state or a dated next step: "
          f"{sum(row['undated'] for row in final.values())}")
    print(f"whole run {time.perf_counter() - began:.1f} s")
    print("RESULT:", "ok" if failures == 0 else "FAILED")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
