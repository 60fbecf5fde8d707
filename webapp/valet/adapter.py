"""The booking core's view of 247Parking reservations.

**How a reservation is known to be ours.** We send our reference in
``referentienummer`` (seed 004: free text that 247Parking keeps with the
reservation), so 247Parking, its voucher and support can tie it to us. But the
seed has **no call to read or search reservations**: after a lost reply we
cannot ask whether the reservation exists. So this adapter says
``can_look_up = False`` and the booking core keeps such a booking **unknown**
— never failed, never re-sent (a second POST could book twice) — with exactly
the body that was sent, until support settles it with 247Parking's answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.bookings.adapter import RemoteBooking
from webapp.bookings.models import Booking
from webapp.core.errors import ProviderError
from webapp.core.provider import provider_client

#: nothing is ever looked up, so no deadline passes (the protocol asks for one)
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)


class NoLookUpError(ProviderError):
    """247Parking cannot be asked for a reservation (seed 004 has no such call)."""

    default_user_message = ("247Parking has no call to look a reservation up: settle it by hand with "
                            "247Parking's answer.")


def reservation_payload(confirmation, sent: dict) -> dict:
    """What we keep of 247Parking's answer on the booking (JSON-serialisable), with what was sent."""
    return {"reserveringsnummer": confirmation.reserveringsnummer, "voucher_url": confirmation.voucher_url,
            "totaalprijs": f"{confirmation.totaalprijs:.2f}", "sent": sent}


class ValetAdapter:
    """``BookingAdapter`` for 247Parking reservations (``bookings.adapter``)."""

    can_look_up = False

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """Never answers: the seed has no look-up call.

        Raises:
            NoLookUpError: always, with a sentence for support.
        """
        raise NoLookUpError("parking247", "no_lookup", f"{booking.public_ref}: 247Parking has no look-up call",
                            visible_to_user=True)

    def settle_deadline(self, booking: Booking) -> datetime:
        """None passes: a booking is never failed for not being found (it cannot be looked for)."""
        return NO_DEADLINE

    def cancel_remote(self, booking: Booking) -> None:
        """Set the reservation's status to ``canceled`` at 247Parking.

        Raises:
            ProviderError: refused (e.g. after the drop-off) or not reachable.
        """
        provider_client("parking247").update_status(booking.provider_ref, "canceled")
