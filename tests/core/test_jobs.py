"""The job runner: where the queue lives, app contexts, periodic jobs with N consumers, a real consumer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import redis
from flask import current_app, g
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from webapp import create_app
from webapp.bookings import reconcile
from webapp.bookings.jobs import reconciliation_sweep
from webapp.config import Config, TestingConfig
from webapp.core import jobs
from webapp.core.jobs import AppHuey, JobSettings, crontab
from webapp.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
REDIS_URL = "redis://127.0.0.1:6379/0"


def _config(tmp_path: Path, **environ) -> Config:
    return Config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "jobs-test", **environ})


def _queue() -> AppHuey:
    return AppHuey(f"test-{uuid.uuid4().hex[:8]}")


# --- where the queue lives -----------------------------------------------------------


def test_queue_is_a_sqlite_file_in_the_instance_folder_by_default(tmp_path):
    app = create_app(_config(tmp_path))
    queue = _queue()
    queue.bind(app)

    @queue.task()
    def noop():
        return None

    noop()
    assert isinstance(queue.storage, SqliteStorage)
    assert queue.storage.filename == str(tmp_path / "jobs.sqlite3")
    assert not queue.immediate
    # the task waits in the file, where a consumer (another process) finds it
    other_process_view = AppHuey(queue.name)
    other_process_view.configure(JobSettings(None, tmp_path / "jobs.sqlite3"))
    assert other_process_view.pending_count() == 1


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return client


def test_queue_is_redis_when_redis_url_is_set(tmp_path):
    client = _redis_or_skip()
    app = create_app(_config(tmp_path, REDIS_URL=REDIS_URL))
    queue = _queue()
    queue.bind(app)

    @queue.task()
    def noop():
        return None

    try:
        noop()
        assert isinstance(queue.storage, RedisStorage)
        assert client.llen(queue.storage.queue_key) == 1  # in the Redis server, where any machine sees it
        assert not (tmp_path / "jobs.sqlite3").exists()
    finally:
        queue.flush()


def test_testing_config_runs_a_task_at_once_in_the_callers_app(app):
    answer = jobs.ping().get()

    assert answer == {"pid": os.getpid(), "instance": str(app.config["INSTANCE_PATH"])}
    assert jobs.huey.immediate
    assert isinstance(jobs.huey.storage, MemoryStorage)
    assert not (Path(app.config["INSTANCE_PATH"]) / "jobs.sqlite3").exists()


def test_settings_follow_the_config_classes(tmp_path):
    development = create_app(_config(tmp_path / "d"))
    testing = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path / "t"), "REDIS_URL": REDIS_URL}))

    assert JobSettings.from_config(development.config) == JobSettings(None, tmp_path / "d" / "jobs.sqlite3", False)
    assert JobSettings.from_config(testing.config) == JobSettings(REDIS_URL, tmp_path / "t" / "jobs.sqlite3", True)


def test_consume_refuses_the_testing_config(app):
    result = app.test_cli_runner().invoke(args=["jobs", "consume"])

    assert result.exit_code != 0
    assert "no queue to consume" in result.output


# --- app contexts ----------------------------------------------------------------------


def test_a_task_gets_an_app_context_of_its_own(app):
    queue = _queue()
    queue.bind(app)  # the testing config: immediate

    @queue.app_task()
    def probe():
        return current_app._get_current_object() is app, "marker" in g

    g.marker = "the caller's"
    assert probe().get() == (True, False)


def test_a_task_outside_any_app_context_runs_in_the_bound_app(app):
    queue, unbound = _queue(), _queue()
    queue.bind(app)

    @queue.app_task()
    def probe():
        return current_app._get_current_object()

    @unbound.app_task()
    def orphan():
        return None

    seen: list = []

    def worker():  # a consumer's worker thread: no app context
        seen.append(probe.call_local())
        try:
            orphan.call_local()
        except RuntimeError as error:
            seen.append(str(error))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert seen[0] is app
    assert "jobs consume" in seen[1]


# --- periodic jobs with N consumers ----------------------------------------------------


def test_a_periodic_job_runs_once_per_scheduled_minute_whatever_the_consumers(app, tmp_path):
    queue = _queue()
    queue.configure(JobSettings(None, tmp_path / "queue.sqlite3"))
    runs: list[str] = []

    @queue.app_periodic_task(crontab(minute="*/5"))
    def tick():
        runs.append("tick")

    at_1205, at_1210 = datetime(2026, 1, 1, 12, 5, 10), datetime(2026, 1, 1, 12, 10, 40)
    assert queue.read_periodic(datetime(2026, 1, 1, 12, 3)) == []

    three_consumers = [queue.read_periodic(at_1205)[0] for _ in range(3)]
    assert three_consumers[0].kwargs == {jobs.SLOT: "2026-01-01T12:05"}
    late_copy = three_consumers.pop()
    for copy in three_consumers:
        queue.execute(copy)
    assert runs == ["tick"]

    queue.execute(queue.read_periodic(at_1210)[0])
    assert runs == ["tick", "tick"]
    queue.execute(late_copy)  # a slow queue's copy of 12:05, after 12:10 ran
    assert runs == ["tick", "tick"]

    name = f"{tick.func.__module__}.tick"
    assert not queue.storage.has_data_for_key(f"periodic.{name}.2026-01-01T12:05")
    assert queue.storage.has_data_for_key(f"periodic.{name}.2026-01-01T12:10")

    tick.call_local()  # by hand: always runs
    assert runs == ["tick", "tick", "tick"]


# --- the reconciliation sweep (webapp/bookings/jobs.py) ---------------------------------


@pytest.mark.parametrize("minute", [datetime(2026, 1, 1, 0, 0), datetime(2026, 6, 30, 13, 37),
                                    datetime(2026, 12, 31, 23, 59)])
def test_the_sweep_is_scheduled_every_minute(minute):
    due = {type(task).__name__ for task in jobs.huey.read_periodic(minute)}

    assert "reconciliation_sweep" in due
    assert reconciliation_sweep.task_class().validate_datetime(minute)


def test_the_sweep_task_calls_sweep_in_an_app_context_of_its_own(app, monkeypatch):
    calls = []

    def fake_sweep(now=None):
        calls.append((current_app._get_current_object(), "marker" in g, now))
        return reconcile.SweepReport(checked=2, settled=2)

    monkeypatch.setattr(reconcile, "sweep", fake_sweep)
    g.marker = "the caller's"

    reconciliation_sweep.call_local()

    assert calls == [(app, False, None)]


# --- a real consumer -------------------------------------------------------------------


def _run_flask(env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "app", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_a_consumer_process_runs_queued_and_periodic_jobs(tmp_path):
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    schema_app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database}))
    with schema_app.app_context():
        db.create_all()
    env = {name: value for name, value in os.environ.items()
           if name not in ("REDIS_URL", "DATABASE_URL", "APP_ENV", "FLASK_ENV")}
    env.update(INSTANCE_PATH=str(tmp_path), DATABASE_URL=database, SECRET_KEY="jobs-test", LOG_LEVEL="INFO")

    nobody = _run_flask(env, "jobs", "ping", "--timeout", "1")
    assert nobody.returncode == 1
    assert "no consumer answered" in nobody.stderr

    log_path = tmp_path / "consumer.log"
    with log_path.open("w") as log_file:
        consumer = subprocess.Popen([FLASK, "--app", "app", "jobs", "consume"], cwd=PROJECT_ROOT, env=env,
                                    stdout=log_file, stderr=subprocess.STDOUT)
    try:
        answered = _run_flask(env, "jobs", "ping", "--timeout", "30")
        log = log_path.read_text()
        assert answered.returncode == 0, answered.stderr + log
        assert f"consumer pid {consumer.pid} answered (instance {tmp_path})" in answered.stdout
        # the periodic jobs were enqueued at start, before the ping, and one worker runs in order
        for task in ("webapp.bookings.jobs.reconciliation_sweep", "webapp.seoul.jobs.push_demo_feed"):
            assert re.search(rf"INFO huey {re.escape(task)}: \S+ executed in", log), log
        assert "Unhandled exception" not in log, log
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            consumer.wait(10)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait(5)
    assert consumer.returncode == 0
    assert "Consumer exiting" in log_path.read_text()
