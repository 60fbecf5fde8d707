"""Seoul receiver and lot page figures (run: `.venv/bin/python bench/seoul.py`, or `make bench`).

1. Receiver throughput over HTTP, against an in-app trivial POST in the same
   server: gunicorn with 2 sync workers on 127.0.0.1, the load from ``wrk``
   (C, one thread: it needs a fraction of a core where the server needs two,
   so it is not the bottleneck). For SQLite (a file in a throw-away instance
   folder) and PostgreSQL (a throw-away database on 127.0.0.1:5432, dropped
   at the end), each without and with ``REDIS_URL`` (the daily request
   counter in Redis):

   - *trivial POST*: the same form to ``/WCFB/ParklandWRT.svc/NoSuchMethod``,
     answered by the app with the protocol's JSON and a 404 (routing,
     security headers, error responder: the app's fixed cost per request);
   - *receiver*: ParkStatPost with a changing ``current_parking`` to a
     registered key and lot (every push stored: the samples are counted
     afterwards; a few more than wrk counted, the requests in flight when a
     run stops).

   Prints both rates and receiver / trivial (goal: at least 0.6, issue 18) as
   the median of pairs of runs, the same ratio from the workers' CPU time per
   request (read from /proc around each run: what the machine's other load
   moves least), plus a bare WSGI app's rate as the floor of what gunicorn
   itself costs. On a machine shared with other work (the load
   average is printed) the rates move a lot; the ratio of a pair much less.
2. The lot page's render time with 24 hours of one-minute samples (1,440, sent
   through the protocol), beside a trivial page, through the Flask test client,
   in alternating rounds: as most visits find it (the chart and floors kept
   for the lot's data version) and as the first visit after each new sample
   finds it (everything computed again). Then the same under gunicorn (2 sync workers, a SQLite file), as
   ``bench/pages.py`` measures the other pages. ``--page-only`` runs this part alone.

Only 127.0.0.1; every run is bounded in time; servers are stopped and the
throw-away database dropped at the end, whatever happens. Without wrk
(``apt-get install wrk``) or PostgreSQL the part is skipped with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from bench._harness import throwaway_database  # noqa: E402 - after the path set-up, like the other benches

KEY, INFRA_ID, SECRET_HEX = "BENCHKEY01", "1001", "00112233445566778899aabbccddeeff"
PAGE_RUNS = 30
#: seconds of load per wrk run; ROUNDS pairs of runs (trivial and receiver), each giving one ratio; the
#: median ratio is printed (on a shared machine, neighbours' load shifts both runs of a pair alike)
SECONDS, ROUNDS, CONNECTIONS = 4, 5, 8
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PATH = "/WCFB/ParklandWRT.svc/"

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, "key=%(key)s&infra_id=%(infra_id)s&current_parking=" .. (n %% 124))
end
"""


def echo_app(environ, start_response):
    """The floor: read and parse the form, answer ``{"result_state":"0000"}``, no Flask."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    parse_qs(environ["wsgi.input"].read(size).decode("utf-8"))
    body = b'{"result_state":"0000"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)


@contextmanager
def _gunicorn(target: str, env: dict, extra: tuple[str, ...] = ()):
    """Serve ``target`` with 2 sync workers on a free port; yields the port, stops the server after."""
    port = _free_port()
    # the workers' heartbeat files in memory (gunicorn's advice): on a disk busy writing the database out, their
    # fchmod after every request stalls a worker and the trivial POST would measure the disk
    heartbeat = ("--worker-tmp-dir", "/dev/shm") if Path("/dev/shm").is_dir() else ()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *heartbeat, *extra,
         target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        _wait_ready(port, process)
        _SERVED[port] = process
        yield port
    finally:
        _SERVED.pop(port, None)
        _stop(process)


#: the gunicorn master serving each port (its workers' CPU time is read from /proc)
_SERVED: dict[int, subprocess.Popen] = {}


def _workers_cpu(port: int) -> float:
    from bench._server import Server

    return Server(port, _SERVED[port]).cpu_seconds()


def _wait_ready(port: int, process: subprocess.Popen) -> None:
    """Until the server answers HTTP (the master accepts connections before its workers have imported the app)."""
    import httpx

    deadline, answered = time.monotonic() + 60, 0
    while time.monotonic() < deadline and answered < 4:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            # a new connection each time: the sync workers take turns to accept
            httpx.post(f"http://127.0.0.1:{port}{PATH}NoSuchMethod", timeout=30)
            answered += 1
        except httpx.TransportError:
            time.sleep(0.2)
    if answered < 4:
        raise RuntimeError(f"gunicorn on {port} did not start in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _wrk(url: str, script: Path, seconds: int = SECONDS) -> tuple[float, int, int]:
    """One wrk run: (requests/s, requests answered, answers that were not 2xx/3xx or failed)."""
    output = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))
    answered = int(re.search(r"(\d+) requests in", output).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    # gunicorn's sync workers close every connection: wrk counts those closes as read errors, not failures
    if errors:
        bad += int(errors.group(1)) + int(errors.group(3)) + int(errors.group(4))
    return rate, answered, bad


def _postgres_reachable() -> bool:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _forget_redis_counters() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter("seoul:requests:*"):
        client.delete(name)


def _samples(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM seoul_occupancy_samples")).scalar_one()
    finally:
        engine.dispose()


def _measure(port: int, scripts: Path, database_url: str) -> tuple[float, float, list[float], str, float]:
    """ROUNDS pairs of runs; (median trivial rate, median receiver rate, the pairs' ratios, a check line, and
    the workers' CPU per trivial POST over their CPU per push: the ratio the machine's load moves least)."""
    trivial, receiver, bad, answered = [], [], 0, 0
    cpu = {"NoSuchMethod": [], "ParkStatPost": []}
    before = _samples(database_url)
    base = f"http://127.0.0.1:{port}{PATH}"
    _wrk(base + "NoSuchMethod", scripts, seconds=2)  # warm both workers
    for round_ in range(ROUNDS):
        # the order alternates: what one run leaves behind (the kernel writing the database's pages out,
        # a WAL checkpoint) must not always fall on the same side of the pair
        for target in ("NoSuchMethod", "ParkStatPost")[::1 if round_ % 2 == 0 else -1]:
            started = _workers_cpu(port)
            rate, n, failed = _wrk(base + target, scripts)
            cpu[target].append((_workers_cpu(port) - started) / max(n, 1))
            if target == "NoSuchMethod":
                trivial.append(rate)
            else:
                receiver.append(rate)
                answered, bad = answered + n, bad + failed
    stored = _samples(database_url) - before
    check = f"{stored:,} samples stored for {answered:,} pushes answered, {bad} failed"
    ratios = sorted(r / t for r, t in zip(receiver, trivial, strict=True))
    cpu_ratio = statistics.median(cpu["NoSuchMethod"]) / statistics.median(cpu["ParkStatPost"])
    return statistics.median(trivial), statistics.median(receiver), ratios, check, cpu_ratio


def bench_receiver() -> None:
    if shutil.which("wrk") is None:
        print("receiver throughput: skipped, wrk is not installed (apt-get install wrk)")
        return
    kinds = ["sqlite"] + (["postgresql"] if _postgres_reachable() else [])
    if "postgresql" not in kinds:
        print(f"receiver on PostgreSQL: skipped, {POSTGRES_URL} does not answer")
    with_redis = [False] + ([True] if _redis_reachable() else [])
    scripts = Path(tempfile.mkdtemp(prefix="seoul-bench-wrk-")) / "push.lua"
    scripts.write_text(_WRK_SCRIPT % {"key": KEY, "infra_id": INFRA_ID})
    base_env = {**os.environ, "SECRET_KEY": "bench-secret-key-not-for-production", "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT), "APP_ENV": "development"}
    base_env.pop("REDIS_URL", None)
    print(f"gunicorn -w 2 (sync), wrk -t1 -c{CONNECTIONS}, medians of {ROUNDS} pairs of {SECONDS} s runs; "
          "trivial POST = the same form to an unknown method (404, the protocol's JSON); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for kind in kinds:
        instance = tempfile.mkdtemp(prefix="seoul-bench-")
        postgres = POSTGRES_URL if kind == "postgresql" else None
        with throwaway_database(postgres, Path(instance), "seoul_bench") as (database_url, _label):
            env = {**base_env, "INSTANCE_PATH": instance, "DATABASE_URL": database_url}
            flask = [str(BIN / "flask"), "--app", "app"]
            _run([*flask, "db", "upgrade"], env)
            _run([*flask, "seoul", "key", "add", KEY, "--limit", "100000000"], env)
            _run([*flask, "seoul", "lot", "add", "--key", KEY, "--infra-id", INFRA_ID, "--secret", SECRET_HEX], env)
            for redis in with_redis:
                label = f"{kind}{' + Redis counter' if redis else ''}"
                run_env = {**env, "REDIS_URL": REDIS_URL} if redis else env
                try:
                    with _gunicorn("app:app", run_env) as port:
                        trivial, receiver, ratios, check, cpu_ratio = _measure(port, scripts, database_url)
                finally:
                    if redis:
                        _forget_redis_counters()
                print(f"{label:<28} trivial POST {trivial:6,.0f}/s  receiver ParkStatPost {receiver:6,.0f}/s  "
                      f"receiver / trivial {statistics.median(ratios):.2f} (pairs {ratios[0]:.2f}-{ratios[-1]:.2f})"
                      f"  by worker CPU per request {cpu_ratio:.2f}   ({check})")
        shutil.rmtree(instance, ignore_errors=True)
    with _gunicorn("seoul:echo_app", base_env, ("--pythonpath", str(ROOT / "bench"))) as port:
        echo, _, _ = _wrk(f"http://127.0.0.1:{port}{PATH}ParkStatPost", scripts)
    print(f"{'bare WSGI app (no Flask)':<28} POST {echo:7,.0f}/s")
    shutil.rmtree(scripts.parent, ignore_errors=True)


def _median_ms(client, url: str, runs: int = PAGE_RUNS, **kwargs) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def _seeded_lot(app):
    """A lot through the protocol: its description, 24 h of one-minute samples, its 124 spaces, and a driver's
    account. Returns (lot id, the lot's feed, its demo data, seconds the samples took)."""
    import random
    from datetime import timedelta

    from webapp.accounts import users as accounts
    from webapp.core.clock import utcnow
    from webapp.extensions import db
    from webapp.seoul import admin as seoul_admin
    from webapp.seoul.operator import feed as seoul_feed
    from webapp.seoul.operator.demo_data import DEMO_LOTS

    with app.app_context():
        db.create_all()
        seoul_admin.add_key(KEY, 100_000_000)
        lot_id = seoul_admin.add_lot(KEY, INFRA_ID, SECRET_HEX).id
        demo = DEMO_LOTS[0]
        feed = seoul_feed.LotFeed(demo, random.Random(1))
        with seoul_feed.receiver_client() as client:
            now = utcnow().replace(second=0, microsecond=0)
            secret = bytes.fromhex(SECRET_HEX)
            assert client.park_write(KEY, INFRA_ID, secret, seoul_feed.write_fields(demo, now)).ok
            assert client.park_oper(KEY, INFRA_ID, secret, seoul_feed.oper_fields(demo, now)).ok
            started = time.perf_counter()
            for minute in range(1440, 0, -1):  # 24 h of one-minute samples through the protocol
                at = now - timedelta(minutes=minute)
                feed.fill_to(seoul_feed.target_share(demo.profile, at))
                assert client.park_stat2(KEY, INFRA_ID, feed.stat2_fields("I", at)).ok
            seeding = time.perf_counter() - started
            assert client.park_space(KEY, INFRA_ID, demo.capacity, feed.space_reports()).ok
        accounts.register_user(DRIVER, PASSWORD, PASSWORD)
    return lot_id, feed, demo, seeding


def _push_sample(app, feed, demo) -> None:
    """One new sample through the protocol, now (in-process, into the app's database)."""
    from webapp.core.clock import utcnow
    from webapp.seoul.operator import feed as seoul_feed

    with app.app_context(), seoul_feed.receiver_client() as client:
        now = utcnow()
        feed.fill_to(seoul_feed.target_share(demo.profile, now))
        assert client.park_stat2(KEY, INFRA_ID, feed.stat2_fields("I", now)).ok


DRIVER, PASSWORD = "bench@example.com", "bench-password"


def bench_lot_page() -> None:
    import logging

    from webapp import create_app
    from webapp.config import TestingConfig

    logging.disable(logging.INFO)
    app = create_app(TestingConfig({"INSTANCE_PATH": tempfile.mkdtemp(prefix="seoul-page-")}),
                     WTF_CSRF_ENABLED=False)
    lot_id, feed, demo, seeding = _seeded_lot(app)
    web = app.test_client()
    web.post("/login", data={"email": DRIVER, "password": PASSWORD})
    anonymous = app.test_client()
    lot_timings, trivial_timings, fresh_timings = [], [], []
    for _round in range(PAGE_RUNS // 10):  # alternating: the machine's other load moves both alike
        trivial_timings.append(_median_ms(anonymous, "/login", runs=10))
        lot_timings.append(_median_ms(web, f"/seoul/lots/{lot_id}", runs=10))
    for _visit in range(10):  # a new sample, then the first visit after it
        _push_sample(app, feed, demo)
        fresh_timings.append(_median_ms(web, f"/seoul/lots/{lot_id}", runs=1))
    lot_ms, trivial_ms = statistics.median(lot_timings), statistics.median(trivial_timings)
    fresh_ms = statistics.median(fresh_timings)
    live_ms = _median_ms(web, f"/seoul/lots/{lot_id}/live", headers={"HX-Request": "true"})
    price_ms = _median_ms(web, f"/seoul/lots/{lot_id}?hours=3", headers={"HX-Request": "true",
                                                                         "HX-Target": "price-quote"})
    print(f"1,440 ParkStatPost2 samples seeded in-process in {seeding:.1f} s ({1440 / seeding:,.0f} pushes/s)")
    print(f"lot page with 24 h of one-minute samples and {demo.capacity} spaces: {lot_ms:.1f} ms median "
          f"({PAGE_RUNS} runs); first visit after a new sample {fresh_ms:.1f} ms")
    print(f"  live block (htmx): {live_ms:.1f} ms; price block (htmx): {price_ms:.1f} ms")
    print(f"trivial page (/login): {trivial_ms:.1f} ms median; lot page / trivial: {lot_ms / trivial_ms:.1f}; "
          f"first visit after a new sample / trivial: {fresh_ms / trivial_ms:.1f}")


def bench_lot_page_served() -> None:
    """The lot page as ``bench/pages.py`` measures pages: gunicorn with 2 sync workers on a SQLite file, beside
    a trivial page in alternating rounds; then the first visit after each new sample (pushed in-process into
    the same file between visits, so whichever worker answers has a new version to draw)."""
    import httpx

    from bench._server import HEADER, Endpoint, app_environment, compare, migrate, serve, sign_in
    from webapp import create_app
    from webapp.config import TestingConfig

    folder = Path(tempfile.mkdtemp(prefix="seoul-served-"))
    try:
        database_url = f"sqlite:///{folder / 'app.sqlite3'}"
        env = app_environment(database_url, folder / "instance")
        migrate(env)
        app = create_app(TestingConfig({"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": database_url,
                                        "LOG_LEVEL": "WARNING"}))
        lot_id, feed, demo, _seeding = _seeded_lot(app)
        trivial = Endpoint("trivial page (GET /password/forgot)", "/password/forgot", client="driver")
        with serve(env) as server, httpx.Client(timeout=60) as web:
            sign_in(server, web, DRIVER, PASSWORD)
            print(f"Seoul lot page under gunicorn -w 2 (sync), SQLite file: 24 h of one-minute samples, "
                  f"{demo.capacity} spaces; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(HEADER)
            compare(server, {"driver": web}, [Endpoint("Seoul lot page (kept chart and floors)",
                                                       f"/seoul/lots/{lot_id}", client="driver")], trivial)
            fresh, plain = [], []
            for _visit in range(30):  # alternating: a trivial page, then a new sample and the first visit after it
                started = time.perf_counter()
                assert web.get(server.base + trivial.path).status_code == 200
                plain.append(time.perf_counter() - started)
                _push_sample(app, feed, demo)
                started = time.perf_counter()
                assert web.get(server.base + f"/seoul/lots/{lot_id}").status_code == 200
                fresh.append(time.perf_counter() - started)
            fresh_ms, plain_ms = statistics.median(fresh) * 1000, statistics.median(plain) * 1000
            print(f"{'Seoul lot page, first visit after a new sample':<52} {fresh_ms:6.1f}ms "
                  f"{fresh_ms / plain_ms:5.1f}x  (30 visits, each beside a trivial page: {plain_ms:.1f} ms)")
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if "--page-only" not in sys.argv:
        bench_receiver()
    if "--receiver-only" not in sys.argv:
        bench_lot_page()
        bench_lot_page_served()
