"""The booking core's view of one provider's bookings: find the remote booking exactly, read it, cancel it.

Each feature that books implements ``BookingAdapter`` and names it in its
``ProviderSpec``; reconciliation (``bookings.reconcile``) and the admin's
re-check use it without knowing the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from flask_babel import lazy_gettext as _l

from webapp.bookings.models import Booking, Status
from webapp.core.errors import ConflictError


@dataclass(frozen=True)
class RemoteBooking:
    """The provider's copy of one of our bookings, as the core needs it.

    Attributes:
        provider_ref: the provider's own id.
        status: what the provider's copy says of the booking now, in our lifecycle's words (active,
            reserved, completed, cancelled); reconciliation settles an unsettled booking with it.
        starts_at, ends_at: the provider's times, copied onto ours when settling.
        payload: the provider's data for the booking's record (JSON-serialisable).
        amount: what the provider's record says the booking costs, in the booking's currency, where the
            provider keeps a price (the admin's re-check compares it); None where it keeps none (the city).
    """

    provider_ref: str
    status: Status
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    payload: dict = field(default_factory=dict)
    amount: Decimal | None = None


@dataclass(frozen=True)
class Place:
    """Where a booking is, for its page (provider text is data: the template escapes it).

    Attributes:
        name: the place's name in the page's language where the provider has one.
        role: what the place is to the booking when there are several ("Pick-up", "Return"), else "".
        address: the address, one line per item (street, postal code and town …).
        facts: (label, value) pairs: area code, zone, operator …
        map_layer: the map layer that shows the place (``/map?focus=``), None when no layer has it.
        latitude, longitude: where to centre the map, when known.
    """

    name: str
    role: str = ""
    address: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    map_layer: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def on_map(self) -> bool:
        """Whether the page can link to the place on the map."""
        return bool(self.map_layer) and self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class PriceLine:
    """One line of "how the price was computed".

    Attributes:
        label: what is charged (a tariff window, the car, an extra, VAT …).
        amount: what the line adds (None: shown for information only, e.g. VAT included).
        quantity: how much of it, in words ("3 days", "1 hr 30 mins"), or "".
        rate: the unit price the quantity is charged at, or None.
        rate_per_minutes: the rate is per this many minutes (60: per hour), None: per unit.
    """

    label: str
    amount: Decimal | None = None
    quantity: str = ""
    rate: Decimal | None = None
    rate_per_minutes: int | None = None


@dataclass(frozen=True)
class PriceBreakdown:
    """How a booking's price was computed, in its currency.

    Attributes:
        lines: the charges in order.
        total: the booking's amount (the provider's figure where it differs from the lines).
        currency: ISO 4217.
        notes: sentences shown under the lines (what is paid where, tax included …).
    """

    lines: tuple[PriceLine, ...]
    total: Decimal | None
    currency: str
    notes: tuple[str, ...] = ()

    @property
    def adds_up(self) -> bool:
        """Whether the lines' amounts sum to the total (to the cent); else the page says the total applies."""
        if self.total is None:
            return True
        added = sum((line.amount for line in self.lines if line.amount is not None), Decimal(0))
        return abs(added - self.total) < Decimal("0.005")


@dataclass(frozen=True)
class Seller:
    """Who sold what the driver paid for, as a receipt names it, and what the seller's data says of VAT.

    A feature's ``seller_for(booking, language)`` hook (``ProviderSpec.seller_for``) gives it from the
    provider's own data: the car park's operator, the rent-car company, 247Parking, the city.

    Attributes:
        name: the operator or company, in the page's language where it has one.
        vat_included: the amount paid includes VAT (the prices include it, or the provider adds it on top).
        vat_rate: the VAT rate in that amount as a fraction (``Decimal("0.21")``), only when the provider's
            data gives it; None otherwise (a receipt then says VAT is included without inventing a figure).
    """

    name: str
    vat_included: bool = False
    vat_rate: Decimal | None = None

    @property
    def states_vat(self) -> bool:
        """Whether the seller's data says anything of VAT in the amount (else a receipt has no VAT line)."""
        return self.vat_included or self.vat_rate is not None


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


class DescribesBooking(Protocol):
    """What a ``BookingAdapter`` may add for the booking page (both optional: the page does without).

    Both read only what the booking and the feature's tables already hold (no provider call),
    in the page's language; ``language`` is for provider data kept in several languages.
    """

    def describe_place(self, booking: Booking, language: str) -> list[Place]:
        """Where the booking is: one place, or several (a rent-car's pick-up and return); [] if unknown."""

    def price_breakdown(self, booking: Booking, language: str) -> PriceBreakdown | None:
        """How the price was computed, or None when the feature cannot say."""


class RunsOut(Protocol):
    """An adapter whose running bookings end by themselves at their end time (optional).

    A street parking or a pay-by-phone session is a right that simply runs out: the provider ends it
    at its end and tells nobody, so our record stays "active" after it. Pages then say "completed"
    (``registry.status_now``) — what the provider itself says by then.
    """

    def ends_by_itself(self, booking: Booking) -> bool:
        """Whether ``booking`` is over once its ``ends_at`` has passed, without anyone calling."""


def can_look_up(adapter) -> bool:
    """Whether reconciliation may ask ``adapter`` for the remote booking (see ``BookingAdapter``)."""
    return getattr(adapter, "can_look_up", True)
