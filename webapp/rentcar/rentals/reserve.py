"""Reserve: book the car at the company with ``revadd``, at the fees of the quote the driver saw.

Every rental is a ``Booking`` (kind ``rental``) with a ``Rental`` detail row,
written through ``bookings.operations``: pending and committed before
``revadd``, unknown when its reply is lost, settled reserved with the
company's R예약번호. Our public reference travels as ``dealerrevnum``, so a
lost reservation is found exactly by it (``adapter.py``).

The fee checks of ``revadd`` are the fees of the quote the driver saw: if the
company's price moved (0310) the booking fails, a fresh quote is made and the
driver is asked again — never booked at a price they did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.bookings import operations
from webapp.bookings.models import KIND_RENTAL, Booking, Status
from webapp.bookings.operations import PlateConflictError
from webapp.bookings.reconcile import reconcile
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderError, ProviderFailedError, ServiceError, ValidationError
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.adapter import apply_reservation, reservation_payload
from webapp.rentcar.messages import driver_message
from webapp.rentcar.models import Rental
from webapp.rentcar.pricing import change_deadline, overlaps, to_korean
from webapp.rentcar.rentals.catalogue import ROMANISED
from webapp.rentcar.rentals.quote import Quote, parse_cover, quote_rental
from webapp.rentcar.rentals.shared import CURRENCY, PROVIDER, Meter, rentcar_client, validate_window


class PriceChangedError(ServiceError):
    """0310: the company's price moved since the driver's quote; ``quote`` has the new one."""

    status_code = 409

    def __init__(self, quote: Quote) -> None:
        self.quote = quote
        super().__init__(driver_message(ProviderError(PROVIDER, "0310")))


@dataclass(frozen=True)
class ReserveRequest:
    """What the reserve form posts: the driver's choices and the fees of the quote they saw."""

    company_code: str
    mid: int
    start: datetime
    end: datetime
    cover: str
    extras: tuple[int, ...]
    seen_car_fee: int
    seen_insurance_fee: int
    seen_extras_fee: int
    model_name: str
    company_name: str
    min_age: int = 0
    name: str = ""
    phone: str = ""
    email: str = ""
    driver_age: int | None = None
    pay_at_counter: bool = False
    memo: str = ""
    extra_names: tuple[str, ...] = ()
    #: each extra's R상품내용, which tells two extras of one name apart (an infant seat, a booster)
    extra_contents: tuple[str, ...] = ()
    extra_fees: tuple[int, ...] = ()
    cutoff_hours: int = 24
    same_day_minutes: int = 0

    @property
    def total(self) -> int:
        return self.seen_car_fee + self.seen_insurance_fee + self.seen_extras_fee


def own_overlapping(user_id: int, start: datetime, end: datetime) -> list[Booking]:
    """The driver's rentals that hold a car for part of the window (one driver, one car at a time)."""
    rows = db.session.scalars(select(Booking).where(
        Booking.user_id == user_id, Booking.kind == KIND_RENTAL, Booking.status.in_(operations.HOLDING),
        Booking.starts_at < end, Booking.ends_at > start))
    return [b for b in rows if overlaps(b.starts_at, b.ends_at, start, end)]


def reserve_rental(user_id: int, request: ReserveRequest, idempotency_key: str | None, *,
                   confirm_overlap: bool = False, now: datetime | None = None) -> Booking:
    """Book the car at the company with ``revadd``, at the fees of the driver's quote.

    Returns:
        The booking: reserved, or unknown when the reply was lost and the
        company does not show it yet (the sweeper keeps looking by our reference).

    Raises:
        ValidationError: bad key, window, driver details, or a driver younger than the car allows.
        PlateConflictError: the driver has another rental for part of the window (until confirmed).
        PriceChangedError: 0310 — the booking failed; ``quote`` is the new price to ask again with.
        ProviderFailedError: the company refused; the booking is recorded as failed.
    """
    now = now or utcnow()
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    errors = {}
    try:
        validate_window(request.start, request.end, now)
    except ValidationError as error:
        errors.update(error.errors)
    if not request.name.strip():
        errors["name"] = str(_l("Enter the driver's name."))
    if not request.phone.strip():
        errors["phone"] = str(_l("Enter a phone number the company can call."))
    if request.driver_age is not None and request.driver_age < request.min_age:
        errors["driver_age"] = str(_l("The company rents this car only to drivers aged %(age)s or more.",
                                      age=request.min_age))
    try:
        option_ins, insid = parse_cover(request.cover)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    if not confirm_overlap:
        others = own_overlapping(user_id, request.start, request.end)
        if others:
            raise PlateConflictError(others)
    custfee = request.total if request.pay_at_counter else 0
    draft = operations.Draft(
        kind=KIND_RENTAL, provider=PROVIDER, title=f"{request.model_name} · {request.company_name}"[:200],
        starts_at=request.start, ends_at=request.end, amount=request.total, currency=CURRENCY,
        contact_phone=request.phone.strip()[:32], contact_email=request.email.strip() or None,
    )

    def add_detail(booking: Booking) -> None:
        db.session.add(Rental(
            booking=booking, company_code=request.company_code, company_name=request.company_name,
            mid=request.mid, model_name=request.model_name, model_english=ROMANISED.get(request.model_name, ""),
            dealer_ref=booking.public_ref, option_ins=option_ins or 0, insid=insid,
            extras=[{"gid": g, "name": n, "fee": f, "content": c} for g, n, f, c in zip(
                request.extras, request.extra_names, request.extra_fees,
                request.extra_contents or ("",) * len(request.extras), strict=False)],
            car_fee=request.seen_car_fee, insurance_fee=request.seen_insurance_fee,
            extras_fee=request.seen_extras_fee, custfee=custfee, cutoff_hours=request.cutoff_hours,
            same_day_minutes=request.same_day_minutes,
            change_deadline=change_deadline(now, request.start, request.cutoff_hours, request.same_day_minutes),
            driver_name=request.name.strip()[:50], driver_phone=request.phone.strip()[:32]))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=True, add_details=add_detail)
    if not created:
        return booking
    meter = Meter()
    meter.add("revadd")
    try:
        reservation = operations.call(booking, "revadd", lambda: rentcar_client().reserve(
            request.company_code, to_korean(request.start), to_korean(request.end), request.mid,
            car_fee_check=request.seen_car_fee, name=request.name.strip()[:50], phone=request.phone.strip(),
            dealer_ref=booking.public_ref, option_ins=option_ins, insid=insid,
            insurance_fee_check=request.seen_insurance_fee if insid else None, gids=request.extras,
            extras_fee_check=request.seen_extras_fee if request.extras else None, custfee=custfee,
            email=request.email.strip()[:100], memo=request.memo.strip()[:300]))
    except ProviderError as error:
        meter.save(user_id, "reserve", now)
        db.session.commit()
        if booking.status == Status.UNKNOWN:
            return reconcile(booking, now=utcnow())  # ask the company by our reference before telling anything
        if error.code == "0310":
            raise PriceChangedError(quote_rental(user_id, request.company_code, request.mid, request.start,
                                                 request.end, now=now)) from error
        raise ProviderFailedError(driver_message(error)) from error
    apply_reservation(booking, reservation)
    operations.settle(booking, reservation.revnum, Status.RESERVED, payload=reservation_payload(reservation),
                      message=f"revadd: {reservation.revnum} {reservation.state}")
    availability.invalidate(request.start, request.end)
    meter.save(user_id, "reserve", now)
    db.session.commit()
    return booking
