"""What every sandbox shares: the fault switch, the SQLite store opener, the in-process transport.

A sandbox imports nothing of the app but this module (a client tested against
itself proves nothing).

The fault switch: latency, 5xx, dropped replies.

Off unless a test (``app.extensions["faults"]``) or the HTTP control endpoint
``POST /_sandbox/faults`` turns it on. The state lives in the sandbox app
object, so it is per process: tests drive it in-process, and the CLI flag sets
it for a sandbox served on its own port.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import Engine, create_engine, event

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class DroppedReplyError(Exception):
    """Raised after the sandbox committed, to emulate a reply lost on the way.

    The app's transport wiring turns it into ``httpx.ReadTimeout`` for the
    in-process transport; over a real socket the sandbox sleeps instead.
    """


@dataclass
class FaultSwitch:
    """What the sandbox should do wrong on the next requests.

    Attributes:
        latency: seconds to sleep before handling each request.
        status: if set, answer every request with this HTTP status.
        drop_after_commit: number of state-changing requests whose reply is
            dropped after their change was committed.
        late_commit: number of state-changing requests carried out *late*:
            after the client gave up. In-process the request is kept and its
            reply dropped, and ``commit_late`` carries it out when a test says
            so; over HTTP the sandbox sleeps ``hang_seconds`` first, then
            handles it — the client has timed out by then.
        served_over_http: set when served on a port; a dropped reply then
            sleeps past any client's timeout instead of raising.
    """

    latency: float = 0.0
    status: int | None = None
    drop_after_commit: int = 0
    late_commit: int = 0
    served_over_http: bool = False
    hang_seconds: float = 30.0
    counters: dict[str, int] = field(default_factory=dict)
    deferred: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def reset(self) -> None:
        """Turn every fault off."""
        self.latency = 0.0
        self.status = None
        self.drop_after_commit = 0
        self.late_commit = 0

    def before_request(self) -> Response | None:
        """Apply latency and forced status; called by the sandbox app."""
        if request.path.startswith("/_sandbox/"):
            return None
        if self.latency:
            time.sleep(self.latency)
        if self.status:
            return jsonify({"error": "sandbox fault", "status": self.status}), self.status
        if self.late_commit > 0 and request.method in STATE_CHANGING:
            self.late_commit -= 1
            if self.served_over_http:
                time.sleep(self.hang_seconds)
                return None  # handled now, after the client's timeout: a late commit
            self.deferred.append((request.method, request.full_path, dict(request.headers), request.get_data()))
            raise DroppedReplyError("sandbox will carry this request out late")
        return None

    def commit_late(self, app: Flask) -> int:
        """Carry out the requests kept by ``late_commit`` (in-process); returns how many."""
        done = 0
        client = app.test_client()
        while self.deferred:
            method, path, headers, body = self.deferred.pop(0)
            client.open(path, method=method, headers=headers, data=body)
            done += 1
        return done

    def after_commit(self) -> None:
        """Call after a state change is committed; drops the reply if asked."""
        if self.drop_after_commit <= 0:
            return
        self.drop_after_commit -= 1
        if self.served_over_http:
            time.sleep(self.hang_seconds)
        raise DroppedReplyError("sandbox dropped the reply after commit")


def read_json(data: bytes | str) -> object:
    """Parse a JSON document; any failure of the parser is a ``ValueError``.

    ``json.loads`` raises ``RecursionError`` on deep nesting (``"[" * 2000 + "]" * 2000``), which
    Flask's ``get_json(silent=True)`` does not catch: every sandbox route that read a body answered
    such a request with a 500 instead of its own 400.

    Raises:
        ValueError: not JSON, bad encoding, nested too deep, or a number past the digit limit.
    """
    try:
        return json.loads(data)
    except (RecursionError, TypeError, OverflowError) as exc:
        raise ValueError(f"unreadable JSON: {type(exc).__name__}") from None


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose ``loads`` raises only ``ValueError`` (see ``read_json``), so
    ``request.get_json(silent=True)`` is None and ``get_json()`` a 400 for every unreadable body."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except (RecursionError, TypeError, OverflowError) as exc:
            raise ValueError(f"unreadable JSON: {type(exc).__name__}") from None


def install_faults(app: Flask) -> FaultSwitch:
    """Attach a fault switch and its control endpoint to a sandbox app (and its safe JSON parser)."""
    switch = FaultSwitch()
    safe = SafeJSONProvider(app)
    for setting in ("ensure_ascii", "sort_keys", "compact", "mimetype"):  # what the sandbox chose (Hangul, order)
        setattr(safe, setting, getattr(app.json, setting))
    app.json = safe
    app.extensions["faults"] = switch
    app.before_request(switch.before_request)

    @app.post("/_sandbox/faults")
    def set_faults():
        body = request.get_json(silent=True) if request.get_data() else {}
        if not isinstance(body, dict):
            return jsonify({"error": "the body must be a JSON object"}), 400
        try:
            latency = float(body.get("latency", 0) or 0)
            status = int(body["status"]) if body.get("status") else None
            drop_after_commit = int(body.get("drop_after_commit", 0) or 0)
            late_commit = int(body.get("late_commit", 0) or 0)
            hang_seconds = float(body["hang_seconds"]) if body.get("hang_seconds") else switch.hang_seconds
        except (TypeError, ValueError, OverflowError):
            return jsonify({"error": "latency, status, counts and hang_seconds must be numbers"}), 400
        if status is not None and not 100 <= status <= 599:
            return jsonify({"error": "status must be an HTTP status"}), 400
        switch.reset()
        switch.latency, switch.status, switch.hang_seconds = latency, status, hang_seconds
        switch.drop_after_commit, switch.late_commit = drop_after_commit, late_commit
        return jsonify({"latency": switch.latency, "status": switch.status,
                        "drop_after_commit": switch.drop_after_commit, "late_commit": switch.late_commit,
                        "hang_seconds": switch.hang_seconds})

    return switch


def open_sqlite(path: Path) -> Engine:
    """An engine on ``path`` with WAL journaling and a busy timeout on every connection."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


class SandboxTransport(httpx.WSGITransport):
    """``httpx.WSGITransport`` onto a sandbox, with dropped replies as timeouts."""

    def __init__(self, sandbox_app: Flask) -> None:
        super().__init__(app=sandbox_app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except DroppedReplyError as exc:
            raise httpx.ReadTimeout("sandbox dropped the reply", request=request) from exc
