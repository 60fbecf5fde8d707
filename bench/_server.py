"""Pages measured over HTTP under gunicorn, each beside a trivial page of the same server (issue 18's method).

``serve()`` starts gunicorn (2 sync workers by default, as the issue measured) on a loopback port for a
prepared database; ``compare()`` times each endpoint and the trivial page in alternating rounds
(the order flips every round, so what one run leaves behind — a WAL checkpoint, the kernel writing
pages out, a neighbour's burst on the shared machine — does not always fall on the same side) and
reads the workers' CPU time from ``/proc`` around each run, so a figure can be checked against the
wall time: on a machine shared with other work the wall time moves a lot, the CPU per request much
less. Bytes are measured once per endpoint, raw and as sent to a browser that accepts brotli/gzip.

Only 127.0.0.1; the server is stopped at the end whatever happens.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPRESSED = {"Accept-Encoding": "br, gzip"}
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A running gunicorn: its port and master process."""

    port: int
    process: subprocess.Popen
    #: gunicorn's and the app's log (a file: a pipe nobody reads fills up and stalls the workers)
    log: Path | None = None

    def log_tail(self, size: int = 4000) -> str:
        """The end of the server's log, for a failure's message."""
        return self.log.read_text(errors="replace")[-size:] if self.log is not None and self.log.exists() else ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """User plus system CPU time of every worker so far."""
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        return total / _TICKS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, instance: Path, **extra: str) -> dict:
    """The environment of a served app: development config (embedded sandboxes), the given database."""
    env = {**os.environ, "SECRET_KEY": "bench-secret-key-not-for-production", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT), "APP_ENV": "development", "INSTANCE_PATH": str(instance),
           "DATABASE_URL": database_url, "MAP_TILE_URL": ""}
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def migrate(env: dict) -> None:
    """The schema as a deployment has it: ``flask db upgrade`` (every migration's index included)."""
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)


@contextmanager
def serve(env: dict, workers: int = 2, target: str = "app:app"):
    """gunicorn with ``workers`` sync workers on a free loopback port; yields a ``Server``.

    ``target``: what gunicorn serves, e.g. ``webapp:create_app(MAP_LAYER_CACHE_ENTRIES=0)`` for the app with
    a setting changed (gunicorn calls the factory with those literal arguments).
    """
    import httpx

    port = _free_port()
    # the workers' heartbeat files in memory (gunicorn's advice): a busy disk must not stall them
    heartbeat = ("--worker-tmp-dir", "/dev/shm") if Path("/dev/shm").is_dir() else ()
    log = Path(tempfile.mkstemp(prefix="parkgo-bench-gunicorn-", suffix=".log")[1])
    log_file, served = log.open("w"), False
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--timeout", "120", *heartbeat, target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline, answered = time.monotonic() + 90, 0
        while time.monotonic() < deadline and answered < workers * 2:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-3000:]}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=60)  # a new connection: workers take turns
                answered += 1
            except httpx.TransportError:
                time.sleep(0.2)
        if answered < workers * 2:
            raise RuntimeError("gunicorn did not start in time")
        yield Server(port, process, log)
        served = True
    finally:
        log_file.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if served:
            log.unlink(missing_ok=True)  # kept after a failure, for its whole story


@dataclass(frozen=True)
class Endpoint:
    """A GET to measure: its label, path and headers (cookies come from the client)."""

    name: str
    path: str
    headers: dict = field(default_factory=dict)
    #: the client (a guest's or a signed-in one) that sends it
    client: str = "guest"
    status: int = 200


@dataclass
class Figures:
    """What ``compare`` measured for one endpoint and for the trivial page beside it."""

    endpoint: Endpoint
    ms: list[float] = field(default_factory=list)
    trivial_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    trivial_cpu_ms: list[float] = field(default_factory=list)
    raw_bytes: int = 0
    sent_bytes: int = 0
    encoding: str = "-"

    def ratio(self) -> float:
        """The median of each round's ratio (endpoint median over trivial median of the same round)."""
        return statistics.median(self.ratios())

    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ms, self.trivial_ms, strict=True)]

    def cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ms) / max(statistics.median(self.trivial_cpu_ms), 1e-6)


def _run(server: Server, client, endpoint: Endpoint, count: int) -> tuple[float, float]:
    """``count`` sequential requests: the median wall time and the workers' CPU per request, in ms."""
    timings = []
    cpu_before = server.cpu_seconds()
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(server.base + endpoint.path, headers={**COMPRESSED, **endpoint.headers})
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != endpoint.status:
            raise RuntimeError(f"{endpoint.path}: {response.status_code}; the server's log ends:\n{server.log_tail()}")
    cpu = (server.cpu_seconds() - cpu_before) * 1000 / count
    return statistics.median(timings), cpu


def _bytes(server: Server, client, endpoint: Endpoint) -> tuple[int, int, str]:
    raw = client.get(server.base + endpoint.path, headers={**endpoint.headers, "Accept-Encoding": "identity"})
    sent = client.stream("GET", server.base + endpoint.path, headers={**COMPRESSED, **endpoint.headers})
    with sent as response:
        size = sum(len(chunk) for chunk in response.iter_raw())
        encoding = response.headers.get("Content-Encoding", "-")
    return len(raw.content), size, encoding


def compare(server: Server, clients: dict, endpoints: list[Endpoint], trivial: Endpoint, rounds: int = 5,
            per_run: int = 20, warm: int = 3) -> list[Figures]:
    """Each endpoint beside ``trivial`` in ``rounds`` alternating pairs of ``per_run`` requests.

    ``clients`` maps ``Endpoint.client`` names to ``httpx.Client``s (a guest's, a driver's …);
    the trivial page is requested with the endpoint's client, so both carry the same cookies.
    """
    results = []
    for endpoint in endpoints:
        client = clients[endpoint.client]
        base = Endpoint(trivial.name, trivial.path, {**trivial.headers}, endpoint.client)
        for _ in range(warm):  # both workers warm (templates, caches, connections)
            _run(server, client, endpoint, 2)
            _run(server, client, base, 2)
        figures = Figures(endpoint)
        for round_ in range(rounds):
            order = (base, endpoint) if round_ % 2 == 0 else (endpoint, base)
            for which in order:
                ms, cpu = _run(server, client, which, per_run)
                if which is endpoint:
                    figures.ms.append(ms)
                    figures.cpu_ms.append(cpu)
                else:
                    figures.trivial_ms.append(ms)
                    figures.trivial_cpu_ms.append(cpu)
        figures.raw_bytes, figures.sent_bytes, figures.encoding = _bytes(server, client, endpoint)
        results.append(figures)
        print_row(figures)
    return results


HEADER = (f"{'endpoint':<52} {'median':>8} {'ratio':>6} {'(range)':>11} {'CPU/req':>8} {'CPU ratio':>9}"
          f" {'raw KB':>8} {'sent KB':>8}")


def print_row(figures: Figures) -> None:
    """One line: wall time and its ratio (with the rounds' range), CPU per request and its ratio, bytes."""
    ratios = sorted(figures.ratios())
    cpu = statistics.median(figures.cpu_ms)
    print(f"{figures.endpoint.name:<52} {statistics.median(figures.ms):6.1f}ms {figures.ratio():5.1f}x"
          f" ({ratios[0]:4.1f}-{ratios[-1]:4.1f}) {cpu:6.1f}ms {figures.cpu_ratio():8.1f}x"
          f" {figures.raw_bytes / 1024:8.1f} {figures.sent_bytes / 1024:8.1f}"
          f" {figures.encoding if figures.encoding != '-' else ''}", flush=True)


def sign_in(server: Server, client, email: str, password: str) -> None:
    """Log ``client`` in through the login form (its CSRF token read from the page)."""
    import re

    page = client.get(server.base + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    answer = client.post(server.base + "/login", data={"email": email, "password": password,
                                                      "csrf_token": token.group(1) if token else ""})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"login of {email} failed: {answer.status_code}")
