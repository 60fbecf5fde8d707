"""The job runner: one Huey queue for the app, its consumers, and tasks that run in an app context.

Where the queue lives (``JobSettings``, from the app's config):

- by default a SQLite file in the instance folder (``instance/jobs.sqlite3``):
  nothing to install or start, and every consumer on the machine shares it;
- ``REDIS_URL`` set: Redis, so N consumers on N machines share one queue;
- the testing config (``JOBS_IMMEDIATE``): Huey's immediate mode. A task
  runs at once, in the caller's thread, with in-memory storage: a test sees
  what a job does without a consumer, and no test job reaches a queue file or
  Redis. Periodic jobs never fire by themselves there; tests call them.

The tasks register at import time (features declare them in their ``jobs``
module, ``ProviderSpec.jobs``; the booking core in ``webapp/bookings/jobs.py``),
but which queue they go to is known only once an app exists: the consumer
binds its app (``flask --app app jobs consume``), and a web process binds on
its first enqueue, from the current app.

Each run of an ``app_task`` / ``app_periodic_task`` pushes its own app context
(its own database session): of the app the consumer was started with, or of
the caller's app in immediate mode.

Periodic jobs with N consumers: every consumer's scheduler enqueues each
periodic job every minute, so N consumers enqueue it N times. Each copy
carries the minute it was scheduled for, and the first copy to claim that
minute in the queue's storage runs; the others return at once (the claim is
Huey's atomic ``put_if_empty``, the primitive under ``lock_task``). Why not
``lock_task`` itself: a lock only keeps copies from running *at the same
time* — the N copies would still run one after the other — and a consumer
killed mid-task leaves the lock held (SQLite storage has no TTL) until a
consumer starts with ``--flush-locks``: the job would silently stop. A claim
is per minute: nothing to release, nothing to get stuck. A copy older than a
minute already run (a queue that fell behind) is dropped too. The jobs stay
safe to run twice all the same (a manual run, a race on a late copy).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from huey import Huey, crontab
from huey.exceptions import ResultTimeout
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

__all__ = ["EVERY_MINUTE", "AppHuey", "JobSettings", "app_periodic_task", "app_task", "crontab", "huey"]

log = logging.getLogger(__name__)

#: the queue's name: Redis keys ``huey.*.parkgo``, the ``queue`` column of the SQLite file
QUEUE_NAME = "parkgo"
SQLITE_FILE = "jobs.sqlite3"
EVERY_MINUTE = crontab()
#: seconds an enqueue waits to connect to Redis before running the job in its own process
REDIS_CONNECT_TIMEOUT = 2.0
#: the keyword a periodic copy carries: the minute (UTC, ISO) it was scheduled for
SLOT = "scheduled_for"


@dataclass(frozen=True)
class JobSettings:
    """Where the queue lives."""

    redis_url: str | None
    sqlite_path: Path
    immediate: bool = False

    @classmethod
    def from_config(cls, config: Mapping) -> JobSettings:
        """Read ``REDIS_URL``, ``INSTANCE_PATH`` and ``JOBS_IMMEDIATE`` from an app's config."""
        return cls(config.get("REDIS_URL") or None, Path(config["INSTANCE_PATH"]) / SQLITE_FILE,
                   bool(config.get("JOBS_IMMEDIATE")))

    def describe(self) -> str:
        if self.immediate:
            return "immediate mode (in memory)"
        return "Redis" if self.redis_url else f"SQLite {self.sqlite_path}"


def _slot(timestamp: datetime) -> str:
    return timestamp.replace(second=0, microsecond=0).isoformat(timespec="minutes")


class AppHuey(Huey):
    """A Huey whose storage follows a Flask app's settings, and whose tasks run in that app's context.

    Tasks are declared with ``app_task`` / ``app_periodic_task``; the storage
    is made on ``bind``/``configure`` (or on first use inside an app context).
    """

    def __init__(self, name: str = QUEUE_NAME) -> None:
        self._settings: JobSettings | None = None
        self._storage = None
        self._app: Flask | None = None
        self._bind_lock = threading.RLock()
        super().__init__(name, utc=True)

    # --- where the queue lives ----------------------------------------------------

    @property
    def settings(self) -> JobSettings | None:
        """The settings bound so far (None: not yet)."""
        return self._settings

    def configure(self, settings: JobSettings) -> None:
        """Use the queue ``settings`` describe from now on (closing the previous SQLite connection)."""
        with self._bind_lock:
            previous = self._storage
            self._settings = settings
            self._immediate = settings.immediate
            self._storage = self.create_storage()
            if previous is not None and hasattr(previous, "close"):
                previous.close()

    def bind(self, app: Flask) -> None:
        """Use ``app``'s queue settings, and run tasks in ``app``'s context (the consumer's app)."""
        self.configure(JobSettings.from_config(app.config))
        self._app = app

    def create_storage(self):
        if self._immediate:
            return MemoryStorage(self.name)
        if self._settings is None:
            return None
        if self._settings.redis_url:
            from redis import ConnectionPool

            # a page that queues a job waits at most this long for an unreachable Redis (then ``enqueue``
            # runs the job here); no read timeout: the consumer blocks on the queue by design
            pool = ConnectionPool.from_url(self._settings.redis_url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
            return RedisStorage(self.name, connection_pool=pool)
        self._settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(self.name, filename=str(self._settings.sqlite_path))

    @property
    def storage(self):
        if self._storage is None:
            with self._bind_lock:
                if self._storage is None:
                    self.configure(JobSettings.from_config(self._config_to_bind()))
        return self._storage

    @storage.setter
    def storage(self, value) -> None:
        self._storage = value

    def enqueue(self, task):
        """Queue ``task``; while Redis does not answer, run it in this process instead (with a warning).

        A page that queues a job (a mail, a payment, a webhook backlog) must not fail because the
        queue's Redis is down: the job then runs in a thread of this process, in the caller's app,
        and is not retried there. The SQLite queue has no such fallback: it is a local file.
        """
        self.storage  # noqa: B018 - binds first: immediate mode is a setting of the app
        if self._immediate or self._settings is None or not self._settings.redis_url:
            return super().enqueue(task)
        try:
            return super().enqueue(task)
        except _redis_errors() as error:
            log.warning("jobs: Redis failed (%s); running %s in this process instead of queueing it",
                        type(error).__name__, task.name)
            self._run_here(task)
            return None

    def _run_here(self, task) -> None:
        app = self.task_app()

        def run() -> None:
            with app.app_context():
                try:
                    task.execute()
                except Exception:
                    log.exception("job %s failed (run in this process: Redis was down)", task.name)

        threading.Thread(target=run, name=f"job-{task.name}", daemon=True).start()

    @staticmethod
    def _config_to_bind() -> Mapping:
        if not has_app_context():
            raise RuntimeError("the job queue is not bound to an app: use it inside an app context, "
                               "or run `flask --app app jobs consume`")
        return current_app.config

    def task_app(self) -> Flask:
        """The app a task runs in: the caller's (immediate mode, ``call_local``), else the bound one."""
        if has_app_context():
            return current_app._get_current_object()
        if self._app is None:
            raise RuntimeError("no app to run the task in: start consumers with `flask --app app jobs consume`")
        return self._app

    # --- tasks -------------------------------------------------------------------

    def _in_app_context(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args, **kwargs):
            with self.task_app().app_context():
                return func(*args, **kwargs)

        return run

    def app_task(self, **options) -> Callable:
        """Decorator: a Huey task (``options`` as for ``Huey.task``) run in an app context of its own."""

        def decorator(func: Callable):
            return self.task(**options)(self._in_app_context(func))

        return decorator

    def app_periodic_task(self, schedule: Callable[[datetime], bool], **options) -> Callable:
        """Decorator: a periodic task on ``schedule`` (a ``crontab``), run once per scheduled minute.

        However many consumers enqueue it, one copy per minute runs (see the
        module docstring). Called by hand (``task()``, ``task.call_local()``)
        it always runs.
        """

        def decorator(func: Callable):
            run = self._in_app_context(func)
            task_name = f"{func.__module__}.{func.__name__}"

            @functools.wraps(func)
            def once_per_slot(*args, **kwargs):
                slot = kwargs.pop(SLOT, None)
                if slot is not None and not self.claim_slot(task_name, slot):
                    log.debug("%s for %s: claimed by another copy, or a later minute ran; skipped", task_name, slot)
                    return None
                return run(*args, **kwargs)

            return self.periodic_task(schedule, claims_slot=True, **options)(once_per_slot)

        return decorator

    def read_periodic(self, timestamp):
        """The periodic tasks due at ``timestamp``, each ours stamped with its scheduled minute."""
        timestamp = timestamp or self._get_timestamp()
        tasks = super().read_periodic(timestamp)
        for task in tasks:
            if getattr(task, "claims_slot", False):
                task.kwargs = {**task.kwargs, SLOT: _slot(timestamp)}
        return tasks

    def claim_slot(self, task_name: str, slot: str) -> bool:
        """Whether this copy of ``task_name`` scheduled for ``slot`` is the one to run.

        False when another copy claimed that minute first, or when a later
        minute has run already (a copy left behind in a slow queue).
        """
        latest_key = f"periodic.{task_name}.latest"
        latest = self.get(latest_key, peek=True)
        if latest is not None and slot <= latest:
            return False
        if not self.put_if_empty(f"periodic.{task_name}.{slot}", "1"):
            return False
        # latest first, then drop the previous claim: a late copy of it meets one or the other
        self.put(latest_key, slot)
        if latest is not None:
            self.delete(f"periodic.{task_name}.{latest}")
        return True


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis  # only with REDIS_URL

    return (redis.RedisError, OSError)


#: the app's one queue
huey = AppHuey()
app_task = huey.app_task
app_periodic_task = huey.app_periodic_task


@app_task()
def ping() -> dict:
    """Answer who ran it: proof that a consumer is up (``flask --app app jobs ping``)."""
    return {"pid": os.getpid(), "instance": str(current_app.config["INSTANCE_PATH"])}


# --- flask --app app jobs … -------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="The job runner: consumers, and a check that one is running.")


@jobs_cli.command("consume")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker threads in this consumer.")
def consume(workers: int) -> None:
    """Run a consumer: queued jobs, and the periodic ones (Ctrl-C stops it; run more for more throughput)."""
    app = current_app._get_current_object()
    settings = JobSettings.from_config(app.config)
    if settings.immediate:
        raise click.ClickException("the testing config runs jobs immediately: there is no queue to consume")
    huey.bind(app)
    click.echo(f"jobs consumer: {workers} worker(s), queue in {settings.describe()}")
    huey.create_consumer(workers=workers, worker_type="thread").run()


@jobs_cli.command("ping")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for a consumer's answer.")
def ping_command(timeout: float) -> None:
    """Queue a ping and wait for a consumer to answer it (exit 1 when none does)."""
    result = ping()
    if result is None:
        raise click.ClickException("the queue's Redis does not answer: the ping ran in this process")
    try:
        answer = result.get(blocking=True, timeout=timeout, revoke_on_timeout=True)
    except ResultTimeout:
        raise click.ClickException(f"no consumer answered within {timeout:g} s "
                                   f"(queue in {huey.settings.describe()})") from None
    click.echo(f"consumer pid {answer['pid']} answered (instance {answer['instance']})")
