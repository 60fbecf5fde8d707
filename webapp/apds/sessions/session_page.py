"""The session page, whatever the flow: the figures it shows and the parking right enforcement sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from webapp.apds import places as apds_places
from webapp.apds.models import ApdsSession
from webapp.apds.sessions.access import load_booking
from webapp.apds.sessions.platform import apds_platform
from webapp.bookings.models import Booking, Status
from webapp.bookings.operations import compact_plate
from webapp.core.clock import LONDON, utcnow
from webapp.core.errors import ProviderError


@dataclass(frozen=True)
class SessionView:
    """What the session page shows."""

    booking: Booking
    detail: ApdsSession
    place_name: str
    price_so_far: Decimal
    is_running: bool
    right_expiry: datetime | None = None  # the assigned right enforcement sees (pay-by-phone), if found
    zone: ZoneInfo = LONDON  # the car park's: its times are shown on its clock


def session_view(user_id: int, public_ref: str, now: datetime | None = None) -> SessionView:
    """The session page's figures: the price so far and whether the session still runs."""
    now = now or utcnow()
    booking = load_booking(user_id, public_ref)
    detail = booking.apds
    running = booking.status == Status.ACTIVE and detail.mode == "phone" and booking.ends_at > now
    so_far = booking.amount or Decimal("0.00")
    if running:
        place = apds_places.get_place(detail.place_id, now)
        so_far = apds_places.quote_stay(place, booking.starts_at, max(now - booking.starts_at,
                                                                      timedelta(seconds=1))).total
    return SessionView(booking=booking, detail=detail, place_name=booking.title, price_so_far=so_far,
                       is_running=running, right_expiry=_right_expiry(booking) if running else None,
                       zone=apds_places.zone_of(detail.place_id))


def _right_expiry(booking: Booking) -> datetime | None:
    """Until when enforcement sees the plate's assigned right at the place (seed flow 2), if it can be read."""
    try:
        rights = apds_platform().assigned_rights(place=booking.apds.place_id,
                                                 credential_id=compact_plate(booking.plate))
    except ProviderError:
        return None
    expiries = [r.expiry for r in rights.items if r.expiry is not None]
    return max(expiries) if expiries else None
