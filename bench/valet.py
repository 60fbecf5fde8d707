"""247Parking figures: signing, the booking round trip over real HTTP, and the live-price fragment.

1. The 247Parking sandbox is served by ``flask --app app sandbox serve parking247`` on a
   free 127.0.0.1 port (its own process and temporary state folder).
2. The app points ``PROVIDER_PARKING247_URL`` at it, so every call is signed and crosses a
   real socket: the signature alone, the test call, a whole booking through the use case
   (pending row committed, signed POST, settle), a change (signed PUT) and a cancel.
3. The quote fragment (htmx) is measured beside a trivial page (the login form) in the
   same run, as a ratio, so the numbers travel between machines.

    .venv/bin/python bench/valet.py
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import measure, report  # noqa: E402

BIN = ROOT / ".venv" / "bin"
ROUNDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_sandbox(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "DATABASE_URL", "REDIS_URL"))}
    env.update(INSTANCE_PATH=str(folder / "sandbox-instance"), APP_ENV="testing", LOG_LEVEL="WARNING")
    process = subprocess.Popen([str(BIN / "flask"), "--app", "app", "sandbox", "serve", "parking247", "--port",
                                str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}/v1/"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the 247Parking sandbox did not start")


def _timed(call, rounds: int = ROUNDS) -> tuple[float, float]:
    """Median and p90 in ms of ``call()``."""
    call(rounds)  # warm up (an index the rounds do not use)
    timings = []
    for n in range(rounds):
        started = time.perf_counter()
        call(n)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.9) - 1]


def _line(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<52} median {figures[0]:8.2f} ms  p90 {figures[1]:8.2f} ms")


def main() -> None:
    from webapp import create_app
    from webapp.accounts import users as accounts
    from webapp.accounts import vehicles
    from webapp.config import SANDBOX_DEMO_CREDENTIALS, TestingConfig
    from webapp.core.clock import utcnow
    from webapp.extensions import db
    from webapp.valet import reservations
    from webapp.valet.client import SIGNED_BASE_URL, new_nonce, sign
    from webapp.valet.pricing import ValetChoice

    folder = Path(tempfile.mkdtemp(prefix="parkgo-bench-valet-"))
    sandbox, url = _serve_sandbox(folder)
    try:
        app = create_app(TestingConfig({"INSTANCE_PATH": str(folder / "app"), "PROVIDER_PARKING247_URL": url,
                                         "LOG_LEVEL": "WARNING"}), WTF_CSRF_ENABLED=False)
        with app.app_context():
            db.create_all()
            user = accounts.register_user("bench@example.com", "bench password", "bench password")
            vehicle = vehicles.add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra")
            user_id, vehicle_id = user.id, vehicle.id
        print(f"247Parking bench: sandbox served over HTTP at {url}, {ROUNDS} rounds each")

        secret = SANDBOX_DEMO_CREDENTIALS["parking247"]["secret"]
        started = time.perf_counter()
        for _ in range(10000):
            sign(secret, "POST", SIGNED_BASE_URL, new_nonce(), "1420070400")
        print(f"{'signature + fresh nonce (pure)':<52} {(time.perf_counter() - started) * 100:8.2f} µs each")

        with app.app_context():
            client = app.extensions["providers"].get("parking247")
            _line("test call GET /v1/ (signed, over HTTP)", _timed(lambda n=0: client.test_call()))

            drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
            choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                                 arrival=drop_off + timedelta(days=7), persons=2, payment="ideal", wash=1)
            request = reservations.ValetRequest(choice=choice, vehicle_id=vehicle_id, email="bench@example.com")
            booked = []

            def book(n=0):
                booking = reservations.book_valet(user_id, request, f"bench-key-{n}-{time.perf_counter_ns()}",
                                                  confirm_overlap=True)
                assert booking.status == "reserved", booking.status
                booked.append(booking.public_ref)

            _line("booking round trip (pending row, signed POST, settle)", _timed(book))

            def change(n=0):
                ref = booked[n]
                booking = reservations.reservation_view(user_id, ref).booking
                detail = booking.valet
                new = reservations.ValetChange(drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=1),
                                               wash=detail.wash)
                reservations.change_valet(user_id, ref, new, booking.version)

            _line("change round trip (claim, signed PUT, record)", _timed(change))

            def cancel(n=0):
                ref = booked[-1 - n]
                booking = reservations.reservation_view(user_id, ref).booking
                reservations.cancel_valet(user_id, ref, booking.version)

            _line("cancel round trip (claim, signed PUT status)", _timed(cancel))

        anonymous, traveller = app.test_client(), app.test_client()
        traveller.post("/login", data={"email": "bench@example.com", "password": "bench password"})
        local = (drop_off + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        back = (drop_off + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
        query = (f"/valet/quote?location=schiphol&service=valet&drop_off={local}&arrival={back}&persons=2"
                 f"&payment=visa&wash=3&leather=y&discount_code=WELKOM10&vehicle_id={vehicle_id}")
        print("\nquote fragment beside a trivial page (in-process test client, median of 20)")
        baseline = measure(anonymous, "/login")
        report("trivial page (GET /login)", baseline, baseline)
        fragment = measure(traveller, query, headers={"HX-Request": "true"})
        report("quote fragment (htmx, price + rule messages)", fragment, baseline)
        report("book page (whole form)", measure(traveller, "/valet/"), baseline)
    finally:
        os.killpg(sandbox.pid, signal.SIGTERM)
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
