"""Fault bench: start attempts against the Helsinki sandbox on a port with its fault switch on, then the sweep.

What the issue's fault test did, as a script that must come out clean:

1. The city's sandbox is served on a free 127.0.0.1 port by
   ``flask --app app sandbox serve helsinki`` (its own temporary state folder);
   the app is built in-process on a throw-away database (a SQLite file by
   default; with ``--database-url``/``DATABASE_URL`` a fresh PostgreSQL
   database created on that server and dropped at the end) and talks to the
   sandbox over HTTP with a 1 s read timeout.
2. ``--attempts`` (400) start attempts through ``helsinki.parkings.start_parking``,
   all with the same plate in the same area (what used to link bookings to
   the wrong city parking), the plate guard confirmed, a fresh form key each
   time except a few deliberate double submits of one key. The fault kind
   cycles: none, latency past the timeout (the city commits after we gave
   up), 500, 502, 503, 504, 429, reply dropped after commit, late commit.
   Attempts run in waves of ``--concurrency`` (4) threads that share one
   fault kind (the switch is the sandbox's, one for all requests); the kind
   changes with every wave. ``--concurrency 1`` gives one attempt per kind.
3. Two reconciliation sweeps at once from two threads, with ``now`` past
   every booking's deadline, then one more sweep that must find nothing left.
4. The city's truth (every parking of the plates, faults off) against our
   bookings. Must be 0: lost, duplicated, wrongly linked, failed but at the
   city, active without its city parking, unsettled after the sweep, and
   unexpected exceptions. The exit status is 1 otherwise.

Beside the elapsed times it prints the baseline of the other benches (the
login page through the test client) and a trivial request to the sandbox
over HTTP, measured in the same run.

    .venv/bin/python bench/faults.py [--attempts 400] [--concurrency 4]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/faults.py

Only 127.0.0.1; every wait is bounded; the sandbox process and the
throw-away database are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import signal
import socket
import statistics
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

from bench._harness import measure, throwaway_database  # noqa: E402 - after the path set-up, like the other benches

#: the app's read timeout towards the city (PROVIDER_HELSINKI_TIMEOUT), seconds
TIMEOUT = 1.0
#: just past the timeout: the city handles the request after the app gave up
LATENCY = 1.2
#: how long a dropped reply / late commit keeps the client waiting (past the timeout)
HANG = 1.5
#: the plates: most drivers share the first one (the old look-up linked by plate and area)
PLATES = ("ABC-123", "ABC-123", "ABC-123", "XYZ-789")
#: every DOUBLE_EVERY-th attempt re-submits the previous attempt's key (same driver)
DOUBLE_EVERY = 50
SANDBOX_START_LIMIT = 30.0
ATTEMPT_JOIN_LIMIT = 60.0
SWEEP_JOIN_LIMIT = 300.0

#: fault kind -> the switch's body (counted faults get the wave's size as their count)
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


# -- the sandbox on a port ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedSandbox:
    """``flask --app app sandbox serve helsinki --port N`` in its own process group and state folder."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "DATABASE_URL", "REDIS_URL"))}
        env.update({"INSTANCE_PATH": str(folder), "APP_ENV": "testing", "LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(ROOT)})
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "sandbox.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "sandbox", "serve", "helsinki", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        import httpx

        self.http = httpx.Client(base_url=self.url, timeout=10,
                                 headers={"Accept": "application/json", "Accept-Language": "en"})

    def wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + SANDBOX_START_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited: {self.log_path.read_text()[-2000:]}")
            try:
                if self.http.get("api/v1", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the sandbox did not answer on port {self.port} within {SANDBOX_START_LIMIT:.0f} s")

    def faults(self, kind: str, count: int) -> None:
        """Reset the switch and set ``kind`` (counted faults apply to the next ``count`` writes)."""
        body = {key: (count if value is None else value) for key, value in FAULTS[kind].items()}
        response = self.http.post("_sandbox/faults", json=body)
        response.raise_for_status()

    def trivial_ms(self, repeat: int = 20) -> float:
        """Median round trip of the unauthenticated entry point (no database, no faults)."""
        self.http.get("api/v1")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            assert self.http.get("api/v1").status_code == 200
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

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



# -- the attempts ----------------------------------------------------------------------


@dataclass
class Attempt:
    """One press of "start parking"."""

    index: int
    kind: str
    user_id: int
    vehicle_id: int
    key: str
    double_of: int | None = None  # the attempt whose key this one re-submits
    outcome: str = ""  # the booking's status when start_parking returned, or the exception's name
    public_ref: str | None = None
    seconds: float = 0.0
    error: str = ""


@dataclass
class Tally:
    """Everything the run observed, for the report."""

    attempts: list[Attempt] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def plan(count: int, drivers: list[tuple[int, int]], wave: int) -> list[list[Attempt]]:
    """The attempts in waves of ``wave`` sharing one fault kind; every ``DOUBLE_EVERY``-th re-submits a key."""
    from webapp.bookings.operations import new_idempotency_key

    attempts: list[Attempt] = []
    for index in range(count):
        kind = KINDS[(index // wave) % len(KINDS)]
        if index % DOUBLE_EVERY == DOUBLE_EVERY - 1 and attempts:
            first = attempts[-1]  # the previous attempt: in the same wave unless the wave is 1 (two tabs at once)
            attempts.append(Attempt(index, kind, first.user_id, first.vehicle_id, first.key, double_of=first.index))
            continue
        user_id, vehicle_id = drivers[index % len(drivers)]
        attempts.append(Attempt(index, kind, user_id, vehicle_id, new_idempotency_key()))
    return [attempts[n:n + wave] for n in range(0, count, wave)]


def run_attempt(app, attempt: Attempt, area_id: str, tally: Tally, lock: threading.Lock) -> None:
    """One start through the feature's use case; expected refusals are outcomes, anything else a failure."""
    from webapp.core.clock import utcnow
    from webapp.helsinki import parkings

    started = time.perf_counter()
    with app.app_context():
        try:
            now = utcnow()
            booking = parkings.start_parking(attempt.user_id, area_id, attempt.vehicle_id,
                                             now + timedelta(minutes=60), attempt.key, now=now,
                                             confirm_overlap=True)
            attempt.outcome, attempt.public_ref = str(booking.status), booking.public_ref
        except parkings.ProviderFailedError as error:  # the city refused: the booking is failed
            attempt.outcome, attempt.error = "refused", str(error)
            from webapp.bookings.operations import find_by_key

            booking = find_by_key(attempt.user_id, attempt.key)
            attempt.public_ref = booking.public_ref if booking is not None else None
        except Exception:  # the bench counts and prints whatever else escapes
            attempt.outcome = "EXCEPTION"
            with lock:
                tally.unexpected.append(f"attempt {attempt.index} ({attempt.kind}):\n{traceback.format_exc()}")
    attempt.seconds = time.perf_counter() - started


def run_waves(app, sandbox: ServedSandbox, waves: list[list[Attempt]], area_id: str, tally: Tally) -> None:
    lock = threading.Lock()
    for wave in waves:
        sandbox.faults(wave[0].kind, len(wave))
        threads = [threading.Thread(target=run_attempt, args=(app, attempt, area_id, tally, lock), daemon=True)
                   for attempt in wave]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(ATTEMPT_JOIN_LIMIT)
            if thread.is_alive():
                raise RuntimeError(f"an attempt of wave {wave[0].index} did not end in {ATTEMPT_JOIN_LIMIT:.0f} s")
        tally.attempts.extend(wave)


# -- the sweeps ------------------------------------------------------------------------


def concurrent_sweeps(app, now, threads: int = 2) -> tuple[list[str], list[str]]:
    """``threads`` sweeps at once, each in its own app context; returns (reports, tracebacks)."""
    from webapp.bookings.reconcile import sweep

    reports: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def one() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                report = sweep(now=now)
            except Exception:  # a sweep that raises is a bench failure
                with lock:
                    errors.append(traceback.format_exc())
                return
        with lock:
            reports.append(str(report))

    workers = [threading.Thread(target=one, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(SWEEP_JOIN_LIMIT)
        if worker.is_alive():
            errors.append(f"a sweep did not end within {SWEEP_JOIN_LIMIT:.0f} s")
    return reports, errors


# -- the comparison with the city ------------------------------------------------------


def compare(app, tally: Tally) -> dict[str, int]:
    """Our bookings against every city parking of the plates (faults off)."""
    from sqlalchemy import select

    from webapp.bookings.models import Booking, Status
    from webapp.helsinki.models import StreetParking

    with app.app_context():
        client = app.extensions["providers"].get("helsinki")
        city = {}
        for plate in sorted(set(PLATES)):
            city.update({p.parking_id: p for p in client.parkings(register_number=plate)})
        rows = app.extensions["sqlalchemy"].session.execute(
            select(Booking.public_ref, Booking.user_id, Booking.idempotency_key, Booking.status,
                   Booking.provider_ref, StreetParking.device_id)
            .join(StreetParking, StreetParking.booking_id == Booking.id)).all()

    statuses = Counter(str(row.status) for row in rows)
    by_device = defaultdict(list)  # device_id -> city parkings carrying it
    for parking in city.values():
        by_device[parking.device_id].append(parking.parking_id)
    linked = defaultdict(list)  # city parking id -> our bookings linked to it
    for row in rows:
        if row.provider_ref:
            linked[row.provider_ref].append(row.public_ref)
    keys = Counter((row.user_id, row.idempotency_key) for row in rows)
    # a double submit whose two presses came back with two different bookings (a press that raised is
    # counted with the unexpected exceptions, not here)
    ref_of = {a.index: a.public_ref for a in tally.attempts}
    split_doubles = sum(1 for a in tally.attempts if a.double_of is not None and a.public_ref
                        and ref_of.get(a.double_of) and a.public_ref != ref_of[a.double_of])
    figures = {
        "city parkings": len(city),
        "active": statuses[Status.ACTIVE], "failed": statuses[Status.FAILED],
        "unknown": statuses[Status.UNKNOWN], "pending": statuses[Status.PENDING],
        "other": sum(statuses.values()) - sum(statuses[s] for s in (Status.ACTIVE, Status.FAILED, Status.UNKNOWN,
                                                                     Status.PENDING)),
        # must be 0 ---------------------------------------------------------------
        "lost": sum(1 for parking_id in city if parking_id not in linked),
        "duplicated": (sum(n - 1 for n in keys.values() if n > 1) + split_doubles
                       + sum(len(ids) - 1 for ids in by_device.values() if len(ids) > 1)),
        "wrongly linked": (sum(1 for row in rows if row.provider_ref in city
                               and city[row.provider_ref].device_id != row.device_id)
                           + sum(len(refs) - 1 for refs in linked.values() if len(refs) > 1)),
        "failed but at the city": sum(1 for row in rows if row.status == Status.FAILED and row.device_id in by_device),
        "active without its city parking": sum(1 for row in rows if row.status == Status.ACTIVE
                                               and row.provider_ref not in city),
        "unsettled after the sweep": statuses[Status.UNKNOWN] + statuses[Status.PENDING],
    }
    figures["double submits"] = sum(1 for a in tally.attempts if a.double_of is not None)
    return figures


MUST_BE_ZERO = ("lost", "duplicated", "wrongly linked", "failed but at the city", "active without its city parking",
                "unsettled after the sweep")


# -- main ------------------------------------------------------------------------------


def _setup(app) -> tuple[list[tuple[int, int]], str]:
    from webapp.accounts import users, vehicles
    from webapp.extensions import db
    from webapp.helsinki import areas

    with app.app_context():
        db.create_all()
        drivers = []
        for n, plate in enumerate(PLATES):
            user = users.register_user(f"driver{n}@example.com", "bench password", "bench password")
            vehicle = vehicles.add_vehicle(user.id, "FI", plate)
            drivers.append((user.id, vehicle.id))
        areas.sync_areas()
        area = next(a for a in areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
        return drivers, area.area_id


def _kind_table(attempts: list[Attempt], final: dict[tuple[int, str], str]) -> None:
    print("(a double submit counts under its own wave's kind and shows the booking of the first press)")
    print(f"{'fault kind':<15}{'attempts':>9}  {'on return':<38}{'after the sweep':<28}{'median s':>9}")
    for kind in KINDS:
        mine = [a for a in attempts if a.kind == kind]
        if not mine:
            continue
        returned = Counter(a.outcome for a in mine)
        settled = Counter(final.get((a.user_id, a.key), "no booking") for a in mine)
        print(f"{kind:<15}{len(mine):>9}  {_counts(returned):<38}{_counts(settled):<28}"
              f"{statistics.median(a.seconds for a in mine):>9.2f}")


def _where(text: str) -> str:
    """The app's deepest frame and the exception line of a traceback, for grouping."""
    lines = text.strip().splitlines()
    frames = [line.strip() for line in lines if line.strip().startswith("File ") and "/webapp/" in line]
    errors = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b", line)]
    where = frames[-1].replace(str(ROOT) + "/", "") if frames else "(not in webapp/)"
    return f"{where}: {(errors[-1] if errors else lines[-1])[:140]}"


def _counts(counter: Counter) -> str:
    return " ".join(f"{name} {n}" for name, n in sorted(counter.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=400, help="start attempts (default 400)")
    parser.add_argument("--concurrency", type=int, default=4, help="attempts at once per wave/fault kind (default 4)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="postgresql+psycopg://… : a throw-away database is created on that server")
    args = parser.parse_args()
    if args.attempts < 1 or args.concurrency < 1:
        parser.error("--attempts and --concurrency must be positive")

    from webapp import create_app
    from webapp.config import TestingConfig
    from webapp.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="parkgo-faults-"))
    sandbox = ServedSandbox(folder / "city")
    began = time.perf_counter()
    status = 1
    try:
        sandbox.wait_ready()
        with throwaway_database(args.database_url, folder, "bench_faults") as (database_url, database_name):
            app = create_app(TestingConfig({
                "INSTANCE_PATH": str(folder / "app"), "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING",
                "PROVIDER_HELSINKI_URL": sandbox.url, "PROVIDER_HELSINKI_TIMEOUT": str(TIMEOUT),
            }), WTF_CSRF_ENABLED=False)
            logging.getLogger("webapp.providers").setLevel(logging.WARNING)
            try:
                status = _run(app, sandbox, args, database_name, began)
                return status
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    finally:
        sandbox.stop()
        if status == 0:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept for a look: the sandbox's log and state, the app's instance in {folder}")


def _run(app, sandbox: ServedSandbox, args, database_name: str, began: float) -> int:
    from sqlalchemy import select

    from webapp.bookings.models import Booking
    from webapp.core.clock import utcnow
    from webapp.extensions import db

    drivers, area_id = _setup(app)
    baseline = measure(app.test_client(), "/login")
    sandbox_ms = sandbox.trivial_ms()
    print(f"Fault bench: {args.attempts} start attempts on {database_name}, Helsinki sandbox on {sandbox.url} "
          f"(read timeout {TIMEOUT:g} s, latency {LATENCY:g} s, hang {HANG:g} s), plates {sorted(set(PLATES))} "
          f"in area {area_id}, {args.concurrency} at once per fault kind")

    tally = Tally()
    waves = plan(args.attempts, drivers, args.concurrency)
    started = time.perf_counter()
    run_waves(app, sandbox, waves, area_id, tally)
    attempts_s = time.perf_counter() - started
    time.sleep(max(HANG, LATENCY) + 0.5)  # let the city finish the requests it handles late
    sandbox.faults("none", 0)

    started = time.perf_counter()
    sweep_now = utcnow() + timedelta(minutes=10)  # past every booking's deadline (created + 5 min)
    reports, sweep_errors = concurrent_sweeps(app, sweep_now)
    again, again_errors = concurrent_sweeps(app, sweep_now, threads=1)
    sweep_s = time.perf_counter() - started

    figures = compare(app, tally)
    with app.app_context():
        final = {(user_id, key): str(status) for user_id, key, status
                 in db.session.execute(select(Booking.user_id, Booking.idempotency_key, Booking.status))}

    print()
    _kind_table(tally.attempts, final)
    print()
    print(f"attempts {len(tally.attempts)} (double submits {figures['double submits']}), "
          f"city parkings {figures['city parkings']}")
    print(f"bookings: active {figures['active']}, failed {figures['failed']}, unknown {figures['unknown']}, "
          f"pending {figures['pending']}, other {figures['other']}")
    for n, report in enumerate(reports, 1):
        print(f"sweep {n} of 2 at once: {report}")
    for report in again:
        print(f"sweep afterwards: {report}")
    print()
    failures = len(tally.unexpected) + len(sweep_errors) + len(again_errors)
    for name in MUST_BE_ZERO:
        mark = "ok" if figures[name] == 0 else "FAIL"
        print(f"{name + ':':<34}{figures[name]:>5}  {mark}")
    print(f"{'unexpected exceptions:':<34}{failures:>5}  {'ok' if failures == 0 else 'FAIL'}")
    errors = tally.unexpected + sweep_errors + again_errors
    if errors:
        print("unexpected exceptions, by where in the app and what:")
        for where, n in Counter(_where(text) for text in errors).most_common():
            print(f"  {n:>4} x {where}")
    print()
    none_ms = statistics.median(a.seconds for a in tally.attempts if a.kind == "none") * 1000
    print(f"elapsed: attempts {attempts_s:.1f} s ({len(tally.attempts) / attempts_s:.1f} attempts/s), "
          f"sweeps {sweep_s:.1f} s, whole run {time.perf_counter() - began:.1f} s")
    print(f"baseline: trivial page (GET /login, test client) median {baseline['median_ms']:.1f} ms; "
          f"trivial sandbox request over HTTP (GET /api/v1) median {sandbox_ms:.1f} ms")
    print(f"start without faults: median {none_ms:.1f} ms ({none_ms / baseline['median_ms']:.1f}x the trivial "
          f"page, {none_ms / sandbox_ms:.1f}x the trivial sandbox request)")
    bad = failures + sum(figures[name] for name in MUST_BE_ZERO)
    print("RESULT:", "ok" if bad == 0 else "FAILED")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
