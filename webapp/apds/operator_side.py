"""The car-park operators' side of the embedded platform: drive a car in or out, list the cars inside.

The operators are part of the platform sandbox (``sandbox/operators.py``); a real
platform has real cameras, so everything here answers ``OperatorSideUnavailableError``
when the app talks to one. Used by the CLI (``flask --app app apds operator …``), the
admins' page (``operator_views.py``) and the demo feed (``jobs.py``). After each move
the platform's events go out at once — from the CLI and the jobs directly, from the
admins' page through a queued job — so the driver's page shows it without waiting for
the minute's delivery job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from webapp.apds.wire import parse_instant
from webapp.core.errors import ConflictError, ValidationError
from webapp.core.provider import provider_settings

ENTER, LEAVE = "enter", "exit"


class OperatorSideUnavailableError(ConflictError):
    """The app talks to a real platform: its car parks have real cameras."""

    def __init__(self) -> None:
        super().__init__(str(_l("The operators' side exists only on the embedded platform.")))


@dataclass(frozen=True)
class CarInside:
    """A car the cameras saw enter and not leave yet."""

    session_id: str
    place_id: str
    plate: str
    since: datetime


@dataclass(frozen=True)
class Move:
    """What a camera reading did: the platform's session and the events it delivered."""

    session_id: str
    version: int
    delivered: dict


def platform_sandbox():
    """The embedded platform sandbox, or None when the app talks to a real platform."""
    if not provider_settings("apds").uses_sandbox:
        return None
    return current_app.extensions["providers"].sandbox_app("apds")


def deliver_events_now() -> dict | None:
    """Ask the embedded platform to send its due events (None with a real platform)."""
    sandbox = platform_sandbox()
    if sandbox is None:
        return None
    return sandbox.test_client().post("/_sandbox/deliveries").get_json()


def drive_car(action: str, place_id: str, plate: str, at: datetime | None = None, deliver: bool = True) -> Move:
    """The camera at ``place_id`` sees ``plate`` enter (``ENTER``) or leave (``LEAVE``).

    Args:
        deliver: send the platform's due events now (the CLI, the demo job); a page passes False and
            queues ``jobs.deliver_platform_events_soon`` instead, so a backlog of hundreds of events is
            never sent inside a request (``Move.delivered`` is then empty).

    Raises:
        OperatorSideUnavailableError: a real platform.
        ValidationError: the platform refused the move (unknown place, car already inside, not inside …),
            with its message under ``plate``.
    """
    sandbox = platform_sandbox()
    if sandbox is None:
        raise OperatorSideUnavailableError
    if action not in (ENTER, LEAVE):
        raise ValidationError({"action": str(_l("Choose whether the car enters or leaves."))})
    body = {"place": place_id, "plate": plate, **({"at": at.isoformat()} if at else {})}
    answer = sandbox.test_client().post(f"/_sandbox/operators/{action}", json=body)
    session = answer.get_json(silent=True) or {}
    if answer.status_code >= 400:
        # the platform's own words (English, from our sandbox): what the operator needs to know
        raise ValidationError({"plate": str(session.get("message") or _l("The platform refused this move."))})
    delivered = (deliver_events_now() or {}) if deliver else {}
    return Move(session_id=session["id"], version=session["version"], delivered=delivered)


def cars_inside() -> list[CarInside]:
    """The cars inside the embedded platform's car parks, earliest first.

    Raises:
        OperatorSideUnavailableError: a real platform.
    """
    sandbox = platform_sandbox()
    if sandbox is None:
        raise OperatorSideUnavailableError
    rows = sandbox.test_client().get("/_sandbox/operators/inside").get_json()
    return [CarInside(session_id=r["session"], place_id=r["place"], plate=r["plate"], since=parse_instant(r["since"]))
            for r in rows]
