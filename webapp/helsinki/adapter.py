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
"""

from __future__ import annotations

from datetime import datetime, timedelta

from webapp.bookings.adapter import RemoteBooking
from webapp.bookings.models import Booking, Status
from webapp.core.provider import provider_client

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


class StreetParkingAdapter:
    """``BookingAdapter`` for street parkings at the city (``bookings.adapter``)."""

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """The city's parkings of this plate in this area whose ``device_id`` carries our reference.

        Raises:
            ProviderError: the city could not be asked.
        """
        detail = booking.street_parking
        found = provider_client("helsinki").parkings(register_number=booking.plate, area_id=detail.area_id)
        return [RemoteBooking(provider_ref=p.parking_id, status=Status.ACTIVE, starts_at=p.start, ends_at=p.stop,
                              payload=parking_payload(p))
                for p in found if p.device_id == detail.device_id]

    def settle_deadline(self, booking: Booking) -> datetime:
        """The end of the regret time plus a margin: a parking that has not appeared by then never will."""
        return booking.created_at + REGRET_TIME + LATE_COMMIT_MARGIN

    def cancel_remote(self, booking: Booking) -> None:
        """Delete the city's parking (only possible within its regret time, seed §6.8).

        Raises:
            ProviderError: e.g. 1204 when the regret time is over.
        """
        provider_client("helsinki").cancel_parking(booking.provider_ref)
