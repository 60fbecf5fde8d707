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

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.bookings.adapter import Place, PriceBreakdown, PriceLine, RemoteBooking
from webapp.bookings.models import Booking
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError
from webapp.core.money import format_money
from webapp.core.provider import provider_client
from webapp.valet import pricing

#: nothing is ever looked up, so no deadline passes (the protocol asks for one)
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)
#: support settles a lost reply within this long of the booking ...
SUPPORT_TIME = timedelta(hours=24)
#: ... and at least this long before the drop-off ...
BEFORE_DROP_OFF = timedelta(hours=3)
#: ... but is given at least this long
SUPPORT_AT_LEAST = timedelta(hours=1)


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

    def support_deadline(self, booking: Booking) -> datetime:
        """By when support settles a reservation whose reply was lost (the driver's page shows it).

        Within ``SUPPORT_TIME`` of the booking, and at least ``BEFORE_DROP_OFF`` before the car is
        handed over, so a traveller is never on the way to the airport without an answer; never
        sooner than ``SUPPORT_AT_LEAST`` after it was made (support needs 247Parking's list).
        """
        made = booking.created_at or utcnow()
        due = made + SUPPORT_TIME
        detail = booking.valet
        if detail is not None and detail.drop_off is not None:
            due = min(due, detail.drop_off - BEFORE_DROP_OFF)
        return max(due, made + SUPPORT_AT_LEAST)

    def cancel_remote(self, booking: Booking) -> None:
        """Set the reservation's status to ``canceled`` at 247Parking, at its cancellation terms.

        The answer carries no refund (seed 004), so ``cancellation_fee`` is what the terms keep now
        (``pricing.cancellation_terms``, as the reservation page promises).

        Raises:
            ProviderError: refused (e.g. after the drop-off) or not reachable.
        """
        provider_client("parking247").update_status(booking.provider_ref, "canceled")
        detail = booking.valet
        if detail is not None:
            total = booking.amount or Decimal(0)
            booking.cancellation_fee = pricing.cancellation_terms(total, detail.insurance, detail.drop_off,
                                                                  utcnow()).fee(total)

    def describe_place(self, booking: Booking, language: str) -> list[Place]:
        """Where the car is handed over: the location's public address (the seed names the location only)."""
        detail = booking.valet
        known = LOCATION_ADDRESSES.get(detail.location) if detail is not None else None
        if known is None:
            return []
        name, address = known
        flights = " / ".join(f for f in (detail.departure_flight, detail.arrival_flight) if f)
        return [Place(name=str(name), address=address, facts=((_("Flights"), flights),) if flights else ())]

    def price_breakdown(self, booking: Booking, language: str) -> PriceBreakdown | None:
        """The price list applied to the reservation as it was booked: days × the day rates, then each option.

        Priced again with the rules of the day it was made (``pricing.quote``); the total is 247Parking's.
        """
        detail = booking.valet
        if detail is None:
            return None
        prices = pricing.price_list()
        choice = pricing.ValetChoice(
            location=detail.location, service=detail.service, drop_off=detail.drop_off, arrival=detail.arrival,
            persons=detail.persons, payment=detail.payment, indoor=detail.indoor, wash=detail.wash,
            leather=detail.leather, insurance=detail.insurance, discount_code=detail.discount_code,
            departure_flight=detail.departure_flight, arrival_flight=detail.arrival_flight)
        try:
            quote = pricing.quote(choice, booking.created_at, prices, keep_drop_off=True, check_discount=False)
            first, extra = prices.services[detail.location][detail.service]
        except (pricing.RuleError, KeyError):
            return None
        locale = get_locale() or "en"
        lines = [PriceLine(label=_("Parking, first day"), quantity=ngettext("%(num)d day", "%(num)d days", 1),
                           rate=first, amount=first)]
        if quote.days > 1:
            lines.append(PriceLine(label=_("Parking, each further day"), rate=extra, amount=extra * (quote.days - 1),
                                   quantity=ngettext("%(num)d day", "%(num)d days", quote.days - 1)))
        for line in quote.lines:
            if line.what == "parking":
                continue
            label = str(OPTION_LABELS.get(line.what, line.what))
            if line.what == "discount":
                label = f"{label} · {line.detail}"
            quantity, rate = "", None
            if line.what == "indoor":
                quantity, rate = ngettext("%(num)d day", "%(num)d days", quote.days), prices.indoor_per_day
            lines.append(PriceLine(label=label, amount=line.amount, quantity=quantity, rate=rate))
        total = booking.amount if booking.amount is not None else quote.total
        notes = (_("Including VAT %(percent)s %%: %(amount)s", percent=f"{prices.vat_percent:g}",
                   amount=format_money(pricing.vat_in(total, prices.vat_percent), quote.currency, locale)),)
        return PriceBreakdown(lines=tuple(lines), total=total, currency=booking.currency or quote.currency,
                              notes=notes)


#: the locations' public addresses, for the booking page (seed 004 names the location, "parkeerlocatie", only)
LOCATION_ADDRESSES = {
    "schiphol": (_l("Schiphol Amsterdam Airport"), ("Evert van de Beekstraat 202", "1118 CP Schiphol")),
    "pta": (_l("Passenger Terminal Amsterdam"), ("Piet Heinkade 27", "1019 BR Amsterdam")),
}
#: the price list's options as the booking page names them
OPTION_LABELS = {
    "indoor": _l("Indoor parking"), "discount": _l("Discount"), "wash": _l("Car wash"),
    "leather": _l("Leather care"), "insurance": _l("Cancellation insurance"),
    "surcharge": _l("Card payment surcharge"),
}
