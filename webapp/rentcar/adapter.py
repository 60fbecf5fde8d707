"""The booking core's view of rentals at the rent companies.

**How a reservation is known to be ours, exactly.** ``revadd`` takes
``dealerrevnum`` ("여행사 예약번호", up to 50 characters), the company stores
it (0130 refuses it twice) and ``revdetail`` finds a reservation by it alone
(0501 when there is none). We send our public reference there, so after a
lost reply the look-up asks for exactly that reservation — never "the same
car at the same time".
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from webapp.bookings import ledger
from webapp.bookings.adapter import Place, PriceBreakdown, PriceLine, RemoteBooking
from webapp.bookings.models import Booking, Status
from webapp.core.errors import ProviderNotFoundError
from webapp.core.money import format_money
from webapp.core.provider import provider_client
from webapp.rentcar import glossary
from webapp.rentcar.models import Rental  # the detail table is registered with the app here
from webapp.rentcar.pricing import from_korean
from webapp.rentcar.wire import Reservation

#: how long a reservation whose reply was lost may still appear at the company (a late commit
#: takes the company seconds; several sweeps' worth of margin)
LATE_COMMIT_MARGIN = timedelta(minutes=10)
CANCELLED = "취소"
#: what a cancelled rental costs: nothing. Seed 001 "예약취소" has no fee: revcancel is possible until
#: R예약변경가능시간 and refused after it (0601), so a cancellation the company accepts is free (whatever
#: was paid through us is refunded; nothing stays due at the counter).
CANCELLATION_FEE = Decimal(0)


def reservation_payload(reservation: Reservation) -> dict:
    """What we keep of the company's reservation on the booking (JSON-serialisable, Korean aliases)."""
    return reservation.model_dump(mode="json", by_alias=True)


def apply_reservation(booking: Booking, reservation: Reservation, extra_fees: dict[int, int] | None = None) -> None:
    """Copy the company's reservation onto our booking and rental (the company's figures win).

    Args:
        extra_fees: each listed extra's fee (by gid) for the reservation's dates, when the caller
            asked the company for them (a change of dates re-prices per-day extras).
    """
    rental = booking.rental
    rental.revnum = reservation.revnum
    rental.model_name = reservation.model_name or rental.model_name
    rental.car_fee, rental.insurance_fee, rental.extras_fee = (reservation.car_fee, reservation.insurance_fee,
                                                               reservation.extras_fee)
    rental.custfee = reservation.paid_directly
    rental.cover_name = reservation.cover_option or reservation.insurance
    if reservation.change_deadline is not None:
        rental.change_deadline = from_korean(reservation.change_deadline)
    booking.starts_at = from_korean(reservation.starts_at)
    booking.ends_at = from_korean(reservation.ends_at)
    booking.amount = reservation.total
    booking.amount_at_counter = at_counter(reservation)
    _reprice_listed_extras(rental, reservation, extra_fees or {})


def at_counter(reservation: Reservation) -> int:
    """What the driver pays the company on the spot rather than through us (seed 001 "예약접수" reply):
    R직불예정금액 (paid directly: ``custfee``) and R후불금액 (extras paid afterwards: ``addetcitem
    iscustfee=0``); the rest (R거래처미납) is the agency's to settle, which is what the driver paid us."""
    return max(0, min(reservation.total, reservation.paid_directly + reservation.postpaid))


def _reprice_listed_extras(rental: Rental, reservation: Reservation, fees: dict[int, int]) -> None:
    """Keep each listed extra's fee in step with the company's R기타요금 (its sum of the extras).

    A per-day extra (a pocket Wi-Fi) costs more when the rental is moved or made longer, and the
    company's reply gives only the sum: the listed fees were those of the old dates, so the manage
    page's "Extras ₩35,000" stood beside a list adding up to ₩25,000. The fees the change asked the
    company for (``etclist_r`` for the new dates) replace the old ones when they add up to the
    company's sum; a lone extra takes the sum itself. Otherwise (an extra the counter added, which
    we do not list) the difference stays a line of its own in ``price_breakdown``.
    """
    extras = list(rental.extras or [])
    if not extras or sum(int(extra.get("fee") or 0) for extra in extras) == reservation.extras_fee:
        return
    repriced = [{**extra, "fee": int(fees.get(extra.get("gid"), extra.get("fee") or 0))} for extra in extras]
    if sum(extra["fee"] for extra in repriced) == reservation.extras_fee:
        rental.extras = repriced
    elif len(extras) == 1 and reservation.extra_names == [extras[0].get("name")]:
        rental.extras = [{**extras[0], "fee": reservation.extras_fee}]


class RentalAdapter:
    """``BookingAdapter`` for rentals (``bookings.adapter``)."""

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """The company's reservation whose ``dealerrevnum`` is our reference (``revdetail``).

        Raises:
            ProviderError: the company could not be asked.
        """
        rental = booking.rental
        try:
            found = provider_client("rentcar").reservation_detail(rental.company_code, dealer_ref=rental.dealer_ref)
        except ProviderNotFoundError:  # 0501: no reservation carries our reference
            return []
        if rental.revnum is None:
            apply_reservation(booking, found)
        status = Status.CANCELLED if found.state == CANCELLED else Status.RESERVED
        return [RemoteBooking(provider_ref=found.revnum, status=status, starts_at=from_korean(found.starts_at),
                              ends_at=from_korean(found.ends_at), payload=reservation_payload(found),
                              amount=Decimal(found.total))]

    def settle_deadline(self, booking: Booking) -> datetime:
        """Created plus a margin: a reservation that has not appeared by then never will."""
        return booking.created_at + LATE_COMMIT_MARGIN

    def cancel_remote(self, booking: Booking) -> None:
        """Cancel the company's reservation (before its R예약변경가능시간), free of charge (``CANCELLATION_FEE``).

        Raises:
            ProviderError: e.g. 0601 past the deadline.
        """
        rental = booking.rental
        provider_client("rentcar").cancel_reservation(rental.company_code, booking.provider_ref,
                                                      dealer_ref=rental.dealer_ref, reason="support")
        booking.cancellation_fee = CANCELLATION_FEE

    def describe_place(self, booking: Booking, language: str) -> list[Place]:
        """The company's pick-up and return: the places the company named (R출발장소, R반납장소).

        The API gives no office address; the company tells the driver where it hands the car over.
        """
        rental = booking.rental
        if rental is None:
            return []
        payload = booking.provider_payload or {}
        places = []
        company = rental.company_name
        latin = glossary.latin(company, glossary.COMPANY_ROMANISED.get(rental.company_code))
        if language != "ko" and latin:
            company = f"{company} · {latin}"
        for role, place_key in ((_("Pick-up"), "R출발장소"), (_("Return"), "R반납장소")):
            # the company's own words: romanised beside the Hangul for a reader of another language
            where = str(glossary.term(str(payload.get(place_key) or "").strip(), language))
            places.append(Place(name=company, role=role,
                                address=(where,) if where else (_("At the company's office, as it confirms to you."),)))
        return places

    def price_breakdown(self, booking: Booking, language: str) -> PriceBreakdown | None:
        """The company's figures: the car for the days, the damage cover, each extra; what is paid at the counter."""
        rental = booking.rental
        if rental is None:
            return None
        lines = []
        days = (math.ceil((booking.ends_at - booking.starts_at).total_seconds() / 86400)
                if booking.starts_at and booking.ends_at and booking.ends_at > booking.starts_at else 0)
        daily = Decimal(rental.car_fee // days) if days and rental.car_fee % days == 0 else None
        car = " · ".join(name for name in (rental.model_name, glossary.latin(rental.model_name, rental.model_english))
                         if name) or _("Car")
        lines.append(PriceLine(label=car, amount=Decimal(rental.car_fee), rate=daily,
                               quantity=ngettext("%(num)d day", "%(num)d days", days) if days else ""))
        if rental.insurance_fee or rental.cover_name:
            # the company's cover in the reader's words, its Korean name beside it ("Full cover (완전자차)")
            label = str(glossary.term(rental.cover_name, language)) if rental.cover_name else _("Damage cover")
            lines.append(PriceLine(label=label, amount=Decimal(rental.insurance_fee)))
        listed = 0
        for extra in rental.extras or []:
            fee = int(extra.get("fee") or 0)
            listed += fee
            # the extra with what tells it from a namesake ("Child seat · booster seat, ages 4–12 (카시트 · …)")
            label = str(glossary.extra_item(extra.get("name"), extra.get("content"), language))
            lines.append(PriceLine(label=label if extra.get("name") else _("Extra"), amount=Decimal(fee)))
        if rental.extras_fee != listed:
            lines.append(PriceLine(label=_("Extras"), amount=Decimal(rental.extras_fee - listed)))
        notes = ()
        counter = ledger.summary(booking).at_counter  # what is still due there, as the payments say
        if counter:
            notes = (_("Paid at the counter: %(amount)s", amount=format_money(counter, booking.currency,
                                                                           get_locale() or "en")),)
        total = booking.amount if booking.amount is not None else Decimal(rental.car_fee + rental.insurance_fee
                                                                          + rental.extras_fee)
        return PriceBreakdown(lines=tuple(lines), total=total, currency=booking.currency or "KRW", notes=notes)
