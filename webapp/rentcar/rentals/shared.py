"""What every rent-car use case shares: the provider's client, the window check and the API-cost meter.

Every action's API cost (seed 001 "API 목록과 비용") is metered and stored
per user and action (``RentcarApiCost``); ``cost_by_day`` is the admins' view of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp.core.clock import utcnow
from webapp.core.errors import ValidationError
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.rentcar.client import api_cost
from webapp.rentcar.models import RentcarApiCost
from webapp.rentcar.pricing import to_korean, window_errors

PROVIDER = "rentcar"
CURRENCY = "KRW"
COST_UNITS = 400  # the meter stores whole 1/400ths of a call (every price of the seed is one)

_WINDOW_MESSAGES = {
    ("start", "missing"): _l("Choose the pick-up date and time."),
    ("end", "missing"): _l("Choose the return date and time."),
    "past": _l("Choose a pick-up time in the future."),
    "far": _l("Rent-car companies take bookings at most a year ahead. Choose an earlier pick-up."),
    "order": _l("The return must be after the pick-up."),
    "short": _l("A rental lasts at least one hour."),
    "long": _l("A rental can last at most 30 days."),
}


def rentcar_client():
    """The rent companies' client of the app (the sandbox unless configured)."""
    return provider_client(PROVIDER)


def validate_window(start: datetime | None, end: datetime | None, now: datetime) -> None:
    """Refuse a missing, past, reversed, too short or too long window before any call.

    Raises:
        ValidationError: on ``start``/``end``.
    """
    errors = window_errors(start, end, now)
    if errors:
        raise ValidationError({name: str(_WINDOW_MESSAGES.get((name, code)) or _WINDOW_MESSAGES[code])
                               for name, code in errors.items()})


# -- the cost meter --------------------------------------------------------------------------


class Meter:
    """The API cost of one driver action, stored with the action's transaction."""

    def __init__(self) -> None:
        self.cost = Fraction(0)
        self.calls = 0

    def add(self, cmd: str, companies: int = 1, models: int = 1) -> None:
        self.cost += api_cost(cmd, companies, models)
        self.calls += 1

    def save(self, user_id: int | None, action: str, now: datetime) -> None:
        """Add the row (flushed with the caller's transaction); nothing for a free action."""
        if self.calls:
            db.session.add(RentcarApiCost(day=to_korean(now).date(), user_id=user_id, action=action,
                                          units=int(self.cost * COST_UNITS), calls=self.calls, created_at=now))


def cost_by_day(days: int = 14, now: datetime | None = None) -> list[dict]:
    """API cost per Seoul day and action over the last ``days`` days, newest first (the admins' view)."""
    first = to_korean(now or utcnow()).date() - timedelta(days=days - 1)
    rows = db.session.execute(
        select(RentcarApiCost.day, RentcarApiCost.action, func.count(), func.sum(RentcarApiCost.calls),
               func.sum(RentcarApiCost.units))
        .where(RentcarApiCost.day >= first)
        .group_by(RentcarApiCost.day, RentcarApiCost.action)
        .order_by(RentcarApiCost.day.desc(), RentcarApiCost.action)
    ).all()
    return [{"day": day, "action": action, "actions": count, "calls": calls, "cost": units / COST_UNITS}
            for day, action, count, calls, units in rows]
