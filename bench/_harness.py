"""Shared timing helpers for the bench scripts (in-process Flask test client, no network)."""

from __future__ import annotations

import contextlib
import re
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path


def temporary_app(**overrides):
    """A testing app on a throw-away SQLite file with the schema created."""
    from webapp import create_app
    from webapp.config import TestingConfig
    from webapp.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="parkgo-bench-"))
    app = create_app(TestingConfig({"INSTANCE_PATH": str(folder)}), WTF_CSRF_ENABLED=False, **overrides)
    with app.app_context():
        db.create_all()
    return app


def measure(client, url: str, repeat: int = 20, headers: dict | None = None) -> dict:
    """Median and p90 wall time (ms), response bytes and peak Python allocation (KiB) of GET ``url``."""
    client.get(url, headers=headers)  # warm caches and templates
    timings, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    tracemalloc.start()
    client.get(url, headers=headers)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timings.sort()
    return {"median_ms": statistics.median(timings), "p90_ms": timings[int(len(timings) * 0.9) - 1],
            "bytes": size, "peak_kib": peak / 1024}


def report(name: str, figures: dict, baseline: dict) -> None:
    """One line: the figures and their ratios to the baseline measured in the same run."""
    print(f"{name:<44} median {figures['median_ms']:8.1f} ms ({figures['median_ms'] / baseline['median_ms']:6.1f}x)"
          f"  p90 {figures['p90_ms']:8.1f} ms  {figures['bytes'] / 1024:8.1f} KiB"
          f" ({figures['bytes'] / baseline['bytes']:6.1f}x)  peak alloc {figures['peak_kib']:9.0f} KiB")


@contextlib.contextmanager
def throwaway_database(url: str | None, folder: Path, prefix: str = "bench"):
    """A fresh empty database: a SQLite file in ``folder``, or a new database on ``url``'s PostgreSQL server.

    Yields ``(database_url, label)``. The PostgreSQL database is created under a
    random name starting with ``prefix`` and dropped at the end (even while
    connections remain); nothing else on the server is touched.
    """
    if not url or not url.startswith("postgresql"):
        if url:
            print(f"note: {url.split(':', 1)[0]} URL ignored; the bench uses a fresh SQLite file")
        yield f"sqlite:///{Path(folder) / 'app.sqlite3'}", "SQLite (file)"
        return
    from sqlalchemy import create_engine

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(re.sub(r"/[^/]*$", "/postgres", url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", url), f"PostgreSQL (throw-away database {name})"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
