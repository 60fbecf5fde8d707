"""The booking core's view of Helsinki street parkings.

**How a city parking is known to be ours, exactly.** Of the fields of the
seed's parking (002 §6.5.3), ``parking_id`` is the city's, and plate, area
and times are shared by any parking of the same car (two tabs, a reloaded
form, the same plate in another app). ``device_id`` — "the unique identifier
of the terminal device", free text the city stores and returns with the
parking — is the one field that comes back and that we choose: we send
``parkgo:<our reference>`` there, so a look-up by plate and area is filtered
to the one parking that carries our reference. A parking that carries another
booking's reference, or is already linked to another booking, is never ours.

A parking reported to the city's parking hub instead (``HELSINKI_BACKEND=parkkihubi``, ``provider``
"parkkihubi") cannot be looked up at all: ``webapp/helsinki/hub.py`` says how it is found exactly
all the same, and this adapter hands such bookings to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from babel.dates import format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.bookings.adapter import Place, PriceBreakdown, PriceLine, RemoteBooking
from webapp.bookings.lifecycle import can_move
from webapp.bookings.models import Booking, Status
from webapp.core.clock import HELSINKI, format_duration, utcnow
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.helsinki import hub
from webapp.helsinki.areas import day_type_words
from webapp.helsinki.models import HelsinkiArea, HelsinkiDayType
from webapp.helsinki.tariffs import PricingError, TariffWindow, quote_stay

REGRET_TIME = timedelta(minutes=2)  # seed 002 §6.7/§6.8: counted from the parking's start
#: past the regret time, how long a parking whose answer was lost may still show up at the city
#: (a late commit takes the city seconds; a few sweeps' worth of margin)
LATE_COMMIT_MARGIN = timedelta(minutes=3)
DEVICE_PREFIX = "parkgo:"


def device_id_for(booking: Booking) -> str:
    """The ``device_id`` we send with a booking's parking: our reference, so it can be found again."""
    return f"{DEVICE_PREFIX}{booking.public_ref}"


def parking_payload(parking) -> dict:
    """What we keep of the city's parking on the booking (JSON-serialisable)."""
    return {"parking_id": parking.parking_id, "area_id": parking.area_id, "status": parking.status,
            "start": parking.start.isoformat(), "stop": parking.stop.isoformat(), "zone": parking.zone,
            "register_number": parking.register_number, "device_id": parking.device_id}


def parking_status(booking: Booking, parking, now: datetime) -> Status:
    """What the city's copy of a parking says of it now, in our lifecycle's words.

    The city keeps no "stopped" state: a stop moves the parking's stop time (seed 002 §6.7.3), and
    the city's ``status`` is evaluated at the query (§6.5.4: ``valid`` while the paid parking is in
    force, ``not_valid`` otherwise). So a parking the city reports ``not_valid`` whose stop has passed
    is over — completed — and any other is active (running, or not begun yet). A booking that cannot
    become completed (still pending: the lifecycle has no pending → completed) is settled active, and
    the stop time it takes from the city says it is over.
    """
    over = not parking.is_valid and parking.stop <= now
    if over and can_move(Status(booking.status), Status.COMPLETED):
        return Status.COMPLETED
    return Status.ACTIVE


class StreetParkingAdapter:
    """``BookingAdapter`` for street parkings at the city (``bookings.adapter``)."""

    def ends_by_itself(self, booking: Booking) -> bool:
        """A street parking is a paid right until its stop time: the city ends it then by itself (seed 002
        §6.5.4, ``not_valid`` once the stop has passed), so a parking past its end is over."""
        return True

    def free_cancellation_until(self, booking: Booking) -> datetime | None:
        """The end of the regret time (seed 002 §6.8: 2 minutes from the parking's start), when cancelling
        costs nothing; read by the push reminders through the booking core (``parkings.regret_until`` is
        the same rule for the session page)."""
        return booking.starts_at + REGRET_TIME if booking.starts_at is not None else None

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """The city's parkings of this plate in this area whose ``device_id`` carries our reference.

        Raises:
            ProviderError: the city could not be asked.
        """
        if hub.is_hub_booking(booking):
            return hub.find_remote(booking, utcnow())
        detail = booking.street_parking
        found = provider_client("helsinki").parkings(register_number=booking.plate, area_id=detail.area_id)
        now = utcnow()
        return [RemoteBooking(provider_ref=p.parking_id, status=parking_status(booking, p, now), starts_at=p.start,
                              ends_at=p.stop, payload=parking_payload(p))
                for p in found if p.device_id == detail.device_id]

    def settle_deadline(self, booking: Booking) -> datetime:
        """The end of the regret time plus a margin: a parking that has not appeared by then never will."""
        if hub.is_hub_booking(booking):
            return hub.settle_deadline(booking)
        return booking.created_at + REGRET_TIME + LATE_COMMIT_MARGIN

    def cancel_remote(self, booking: Booking) -> None:
        """Delete the city's parking (only possible within its regret time, seed §6.8).

        Raises:
            ProviderError: e.g. 1204 when the regret time is over.
        """
        if hub.is_hub_booking(booking):
            hub.cancel_remote(booking, utcnow())
            return
        provider_client("helsinki").cancel_parking(booking.provider_ref)
        booking.cancellation_fee = Decimal(0)  # a parking the city deleted costs nothing (the ledger refunds it)

    def describe_place(self, booking: Booking, language: str) -> list[Place]:
        """The area: its name and street in ``language``, postal code, area code and zone, on the map."""
        area = _area_of(booking)
        if area is None:
            return []
        postal = " ".join(part for part in (area.postal_code, "Helsinki") if part)
        facts = [(_("Area code"), area.area_id)]
        zone = booking.street_parking.zone or area.zone
        if zone is not None:
            facts.append((_("Zone"), str(zone)))
        return [Place(name=area.text("name", language), address=tuple(a for a in (area.text("street", language),
                                                                                    postal) if a),
                      facts=tuple(facts), map_layer="helsinki", latitude=area.centre_lat, longitude=area.centre_lon)]

    def price_breakdown(self, booking: Booking, language: str) -> PriceBreakdown | None:
        """The area's tariff applied to the parking's time, one line per priced stretch (seed 002 §4 tariffs).

        Computed again from the area's stored tariffs and the day types we know (no call to the city);
        the total is what the booking was charged.
        """
        area = _area_of(booking)
        if area is None or booking.starts_at is None or booking.ends_at is None or booking.ends_at <= booking.starts_at:
            return None
        first = booking.starts_at.astimezone(HELSINKI).date() - timedelta(days=1)
        last = booking.ends_at.astimezone(HELSINKI).date()
        day_types = dict(db.session.execute(select(HelsinkiDayType.day, HelsinkiDayType.day_type)
                                            .where(HelsinkiDayType.day.between(first, last))).all())
        try:
            windows = [TariffWindow(t["day_type"], t["from"], t["until"], t["hourly_price"]) for t in area.tariffs]
            quote = quote_stay(booking.starts_at, booking.ends_at, windows, day_types,
                               max_time_in_minutes=area.max_time_in_minutes)
        except (PricingError, KeyError, TypeError):
            return None
        locale = get_locale() or "en"
        lines = []
        for segment in quote.segments:
            # Helsinki wall-clock times, whatever the page's zone: the tariff windows are Helsinki hours
            when = (f"{format_datetime(segment.starts_at, 'short', tzinfo=HELSINKI, locale=locale)}–"
                    f"{format_time(segment.ends_at, 'short', tzinfo=HELSINKI, locale=locale)} "
                    f"({day_type_words(segment.day_type)})")
            label = when if segment.hourly_price else f"{when} · {_('free')}"
            lines.append(PriceLine(label=label, amount=segment.amount,
                                   quantity=format_duration(segment.minutes, locale),
                                   rate=segment.hourly_price if segment.hourly_price else None, rate_per_minutes=60))
        return PriceBreakdown(lines=tuple(lines), total=booking.amount, currency=booking.currency, notes=(
            _("The city's tariff of the area, counted to the second and rounded once to the cent."),))


def _area_of(booking: Booking) -> HelsinkiArea | None:
    detail = booking.street_parking
    return db.session.get(HelsinkiArea, detail.area_id) if detail is not None else None
