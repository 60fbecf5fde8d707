"""The booking core's view of one provider's bookings: find the remote booking exactly, read it, cancel it.

Each feature that books implements ``BookingAdapter`` and names it in its
``ProviderSpec``; reconciliation (``bookings.reconcile``) and the admin's
re-check use it without knowing the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flask_babel import lazy_gettext as _l

from webapp.bookings.models import Booking, Status
from webapp.core.errors import ConflictError


@dataclass(frozen=True)
class RemoteBooking:
    """The provider's copy of one of our bookings, as the core needs it.

    Attributes:
        provider_ref: the provider's own id.
        status: what our status becomes with this copy (active, reserved, completed, cancelled).
        starts_at, ends_at: the provider's times, copied onto ours when settling.
        payload: the provider's data for the booking's record (JSON-serialisable).
    """

    provider_ref: str
    status: Status
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    payload: dict = field(default_factory=dict)


class CancelNotOfferedError(ConflictError):
    """The provider has no cancellation for this kind of booking (e.g. an APDS session is stopped instead)."""

    def __init__(self) -> None:
        super().__init__(str(_l("This provider has no cancellation for this booking. Stop or change it instead.")))


class BookingAdapter(Protocol):
    """What every booking provider tells the core.

    ``can_look_up`` is False for a provider whose API has no call to find a
    booking (247Parking): reconciliation then neither settles nor fails its
    bookings — a lost reply stays **unknown**, with what was sent, until
    support settles it by hand (``flask --app app bookings unknown`` lists them).
    An adapter without the attribute can look up.
    """

    can_look_up: bool

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """The provider's bookings that are *exactly* ``booking`` (by our reference where the API
        carries one; never by "same plate, similar time").

        Raises:
            ProviderError: the provider could not be asked.
        """

    def settle_deadline(self, booking: Booking) -> datetime:
        """Until when a booking whose answer was lost may still appear at the provider.

        Past it, a look-up that finds nothing fails the booking.
        """

    def cancel_remote(self, booking: Booking) -> None:
        """Cancel the linked remote booking (within the provider's rules).

        Raises:
            ProviderError: the provider refused or could not be reached.
            CancelNotOfferedError: the provider has no cancellation for it.
        """


def can_look_up(adapter) -> bool:
    """Whether reconciliation may ask ``adapter`` for the remote booking (see ``BookingAdapter``)."""
    return getattr(adapter, "can_look_up", True)
