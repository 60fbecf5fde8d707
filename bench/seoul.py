"""Seoul receiver and lot page figures (run: `.venv/bin/python bench/seoul.py`, or `make bench`).

1. ParkStatPost pushes per second through the real receiver over HTTP: gunicorn
   with 2 workers on 127.0.0.1, a SQLite file database in a throw-away
   instance folder (migrated, one key and one lot), beside the same POST to a
   trivial WSGI app (``echo_app`` below: parses the form, answers the seed's
   JSON) served the same way, as a ratio.
2. The lot page's render time with 24 hours of one-minute samples (1,440, sent
   through the protocol), beside a trivial page, through the Flask test client.

Only 127.0.0.1; every loop is bounded in count and time; the servers are
stopped at the end, whatever happens.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEY, INFRA_ID, SECRET_HEX = "BENCHKEY01", "1001", "00112233445566778899aabbccddeeff"
PUSHES, WARMUP, THREADS, TIME_LIMIT = 3000, 100, 4, 30.0
PAGE_RUNS = 30


def echo_app(environ, start_response):
    """The baseline: read and parse the form, answer ``{"result_state":"0000"}``."""
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


def _gunicorn(target: str, port: int, env: dict, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *extra, target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def _wait_ready(port: int, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {port} did not start in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _hammer(port: int, count: int) -> tuple[float, dict[str, int]]:
    """POST ``count`` ParkStatPost forms from THREADS keep-alive clients; returns (pushes/s, result counts)."""
    import httpx

    url = f"http://127.0.0.1:{port}/WCFB/ParklandWRT.svc/ParkStatPost"
    results: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT

    def worker(share: int, offset: int) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(share):
                if time.monotonic() > deadline:
                    return
                form = {"key": KEY, "infra_id": INFRA_ID, "current_parking": str((offset + i) % 124)}
                try:
                    state = client.post(url, data=form).json().get("result_state", "none")
                except (httpx.HTTPError, json.JSONDecodeError) as error:
                    state = type(error).__name__
                with lock:
                    results[state] = results.get(state, 0) + 1

    threads = [threading.Thread(target=worker, args=(count // THREADS, n * 1000)) for n in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + 15)
    elapsed = time.perf_counter() - started
    return sum(results.values()) / elapsed, results


def bench_receiver() -> None:
    instance = tempfile.mkdtemp(prefix="seoul-bench-")
    env = {**os.environ, "INSTANCE_PATH": instance, "SECRET_KEY": "bench-secret-key-not-for-production",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    flask = [str(BIN / "flask"), "--app", "app"]
    _run([*flask, "db", "upgrade"], env)
    _run([*flask, "seoul", "key", "add", KEY, "--limit", "100000000"], env)
    _run([*flask, "seoul", "lot", "add", "--key", KEY, "--infra-id", INFRA_ID, "--secret", SECRET_HEX], env)
    app_port, echo_port = _free_port(), _free_port()
    receiver = _gunicorn("app:app", app_port, env)
    echo = _gunicorn("seoul:echo_app", echo_port, env, ("--pythonpath", str(ROOT / "bench")))
    try:
        _wait_ready(app_port, receiver)
        _wait_ready(echo_port, echo)
        _hammer(app_port, WARMUP)
        _hammer(echo_port, WARMUP)
        app_rate, app_results = _hammer(app_port, PUSHES)
        echo_rate, echo_results = _hammer(echo_port, PUSHES)
    finally:
        _stop(receiver)
        _stop(echo)
    print(f"receiver ParkStatPost over HTTP (gunicorn -w 2, SQLite file, {THREADS} client threads): "
          f"{app_rate:,.0f} pushes/s  results {app_results}")
    print(f"trivial WSGI POST baseline (gunicorn -w 2, same form):                   "
          f"{echo_rate:,.0f} requests/s  results {echo_results}")
    print(f"receiver / baseline: {app_rate / echo_rate:.2f}")


def _median_ms(client, url: str, runs: int = PAGE_RUNS, **kwargs) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def bench_lot_page() -> None:
    sys.path.insert(0, str(ROOT))
    import logging
    import random
    from datetime import timedelta

    from webapp import create_app
    from webapp.accounts import users as accounts
    from webapp.config import TestingConfig
    from webapp.core.clock import utcnow
    from webapp.extensions import db
    from webapp.seoul import admin as seoul_admin
    from webapp.seoul.operator import feed as seoul_feed
    from webapp.seoul.operator.demo_data import DEMO_LOTS

    logging.disable(logging.INFO)
    app = create_app(TestingConfig({"INSTANCE_PATH": tempfile.mkdtemp(prefix="seoul-page-")}),
                     WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.create_all()
        seoul_admin.add_key(KEY, 100_000_000)
        lot = seoul_admin.add_lot(KEY, INFRA_ID, SECRET_HEX)
        lot_id = lot.id
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
        accounts.register_user("bench@example.com", "bench-password", "bench-password")
    web = app.test_client()
    web.post("/login", data={"email": "bench@example.com", "password": "bench-password"})
    anonymous = app.test_client()
    lot_ms = _median_ms(web, f"/seoul/lots/{lot_id}")
    live_ms = _median_ms(web, f"/seoul/lots/{lot_id}/live", headers={"HX-Request": "true"})
    price_ms = _median_ms(web, f"/seoul/lots/{lot_id}?hours=3", headers={"HX-Request": "true",
                                                                         "HX-Target": "price-quote"})
    trivial_ms = _median_ms(anonymous, "/login")
    print(f"1,440 ParkStatPost2 samples seeded in-process in {seeding:.1f} s ({1440 / seeding:,.0f} pushes/s)")
    print(f"lot page with 24 h of one-minute samples and {demo.capacity} spaces: {lot_ms:.1f} ms median "
          f"({PAGE_RUNS} runs)")
    print(f"  live block (htmx): {live_ms:.1f} ms; price block (htmx): {price_ms:.1f} ms")
    print(f"trivial page (/login): {trivial_ms:.1f} ms median; lot page / trivial: {lot_ms / trivial_ms:.1f}")


if __name__ == "__main__":
    bench_receiver()
    bench_lot_page()
