"""Change a booked rental: preview the new price of another window, cover or model, then book it.

The change is sent as ``revupdate`` with the final state and the previewed
total as ``feesumchk``, so the driver never pays a price they did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.bookings import operations
from webapp.bookings.models import Action, Booking
from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ProviderError, ProviderFailedError, ValidationError
from webapp.extensions import db
from webapp.rentcar import availability
from webapp.rentcar.adapter import apply_reservation, reservation_payload
from webapp.rentcar.messages import driver_message
from webapp.rentcar.models import Rental
from webapp.rentcar.pricing import to_korean
from webapp.rentcar.rentals.catalogue import ROMANISED
from webapp.rentcar.rentals.lookup import changeable_rental, claim_for_change, note_failure
from webapp.rentcar.rentals.quote import cover_key, parse_cover
from webapp.rentcar.rentals.shared import Meter, rentcar_client, validate_window
from webapp.rentcar.wire import Car


@dataclass(frozen=True)
class ChangePreview:
    """The new price of a change, before anything is sent."""

    start: datetime
    end: datetime
    cover: str
    car_fee: int
    insurance_fee: int
    extras_fee: int
    total: int
    difference: int
    mid: int | None = None  # another model of the same company, or None to keep the car
    model_name: str = ""
    #: each booked extra's fee for the new dates (gid -> fee): per-day extras change with the dates
    extra_fees: tuple[tuple[int, int], ...] = ()
    #: the rental is paid at the counter: so is the difference (nothing is charged or refunded now)
    at_counter: bool = False



def preview_change(user_id: int, public_ref: str, start: datetime | None, end: datetime | None,
                   cover: str | None = None, now: datetime | None = None, mid: int | None = None) -> ChangePreview:
    """The new total for moving the rental to ``start``–``end`` (and ``cover``), asked of the company.

    Raises:
        ConflictError: past the company's deadline, or not reserved.
        ValidationError: a bad window or cover.
        NotFoundError: the car is not free for the new window.
        ProviderFailedError: the company could not be asked.
    """
    now = now or utcnow()
    view = changeable_rental(user_id, public_ref, now)
    rental = view.rental
    validate_window(start, end, now)
    cover = cover or cover_key(rental)
    option_ins, insid = parse_cover(cover)
    new_mid = mid if mid and mid != rental.mid else None
    model = new_mid or rental.mid
    meter = Meter()
    try:
        cars = rentcar_client().search_cars(to_korean(start), to_korean(end), models=[f"{rental.company_code}${model}"])
        meter.add("carsearchbymodelnumbers_r")
        car = next((c for c in cars if c.mid == model), None)
        if car is None and new_mid:
            raise NotFoundError(str(_l("This car is not free for the new dates.")))
        if car is None:
            # our own reservation holds one car: a car that is "sold out" may be ours alone
            car = _own_car_fee(rental, start, end, meter)
        car_fee = {1: car.fee_option1, 2: car.fee_option2}.get(option_ins or 0, car.fee) or car.fee
        ins_fee = 0
        if insid:
            insurances = rentcar_client().insurance_list(to_korean(start), to_korean(end),
                                                         models=[f"{rental.company_code}${model}"])
            meter.add("inslist_r")
            ins = next((i for i in insurances if i.insid == insid), None)
            if ins is None:
                raise ValidationError({"cover": str(_l("Choose a cover."))})
            ins_fee = ins.fee
        extras_fee, extra_fees = 0, ()
        if rental.extras:
            extras = rentcar_client().extra_list(to_korean(start), to_korean(end),
                                                 models=[f"{rental.company_code}${model}"])
            meter.add("etclist_r")
            fees = {e.gid: e.fee for e in extras}
            extra_fees = tuple((e["gid"], fees.get(e["gid"], e["fee"])) for e in rental.extras)
            extras_fee = sum(fee for _gid, fee in extra_fees)
    except ProviderError as error:
        raise ProviderFailedError(driver_message(error)) from error
    finally:
        meter.save(user_id, "change preview", now)
        db.session.commit()
    total = car_fee + ins_fee + extras_fee
    return ChangePreview(start, end, cover, car_fee, ins_fee, extras_fee, total, total - rental.total,
                         mid=new_mid, model_name=car.name if new_mid else "", extra_fees=extra_fees,
                         at_counter=paid_at_counter(rental))


def paid_at_counter(rental: Rental) -> bool:
    """Whether the rental was reserved "pay at the counter" (``custfee`` the whole price, seed 001 revadd)."""
    return rental.custfee > 0


def _own_car_fee(rental: Rental, start, end, meter: Meter) -> Car:
    """The model's fee for a window where only our own reservation holds the last car (block search)."""
    cars = rentcar_client().search_cars(to_korean(start), to_korean(end),
                                        models=[f"{rental.company_code}${rental.mid}"], blocks=True)
    meter.add("carNblocksearchbymodelnumbers_r")
    car = next((c for c in cars if c.mid == rental.mid), None)
    if car is None:
        raise NotFoundError(str(_l("This car is not free for the new dates.")))
    return car


def change_rental(user_id: int, public_ref: str, expected_version: int, preview: ChangePreview,
                  now: datetime | None = None) -> Booking:
    """Move the rental to the previewed window and cover (``revupdate`` with the final state and ``feesumchk``).

    Raises:
        ConflictError: another tab changed it first, or the deadline passed.
        ProviderFailedError: the company refused (0310: the price moved — preview again); nothing changed.
    """
    now = now or utcnow()
    view = changeable_rental(user_id, public_ref, now)
    booking, rental = view.booking, view.rental
    option_ins, insid = parse_cover(preview.cover)
    booking = claim_for_change(user_id, booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("revupdate")
    old = (booking.starts_at, booking.ends_at)
    # A rental paid at the counter stays paid there, difference included: revupdate keeps the old
    # R직불예정금액 unless told (seed 001 "예약변경": custfee, with feesumchk), which left the difference
    # to be paid through us ("paid now ₩133,600" on a pay-at-the-counter rental moved by two days).
    custfee = preview.total if paid_at_counter(rental) else None
    try:
        reservation = rentcar_client().update_reservation(
            rental.company_code, rental.revnum, start=to_korean(preview.start), end=to_korean(preview.end),
            mid=preview.mid or rental.mid, option_ins=option_ins, insid=insid, fee_sum_check=preview.total,
            dealer_ref=rental.dealer_ref, custfee=custfee)
    except ProviderError as error:
        note_failure(booking, error, "revupdate", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.option_ins, rental.insid = option_ins or 0, insid
    if preview.mid:
        rental.mid = preview.mid
        rental.model_english = ROMANISED.get(reservation.model_name, "")
        booking.title = f"{reservation.model_name} · {rental.company_name}"[:200]
    apply_reservation(booking, reservation, extra_fees=dict(preview.extra_fees))
    operations.record_confirmed(booking, Action.CHANGED, reservation_payload(reservation),
                                actor=operations.actor_for(user_id),
                                message=f"revupdate: {reservation.starts_at:%Y-%m-%d %H:%M}–"
                                        f"{reservation.ends_at:%Y-%m-%d %H:%M} KST, total {reservation.total}")
    availability.invalidate(min(old[0], booking.starts_at), max(old[1], booking.ends_at))
    meter.save(user_id, "change", now)
    db.session.commit()
    return booking


def confirm_change(user_id: int, public_ref: str, expected_version: int, start: datetime | None,
                   end: datetime | None, cover: str, car_fee: int, insurance_fee: int, extras_fee: int,
                   now: datetime | None = None, mid: int | None = None,
                   extra_fees: dict[int, int] | None = None) -> Booking:
    """Book the change the driver previewed, at the previewed total (``feesumchk``).

    Args:
        extra_fees: the previewed fee of each booked extra (gid -> fee), shown beside it afterwards
            when they add up to the company's sum.

    Raises:
        as ``change_rental``; ValidationError for a bad window.
    """
    now = now or utcnow()
    validate_window(start, end, now)
    total = car_fee + insurance_fee + extras_fee
    preview = ChangePreview(start, end, cover, car_fee, insurance_fee, extras_fee, total, 0, mid=mid,
                            extra_fees=tuple((extra_fees or {}).items()))
    return change_rental(user_id, public_ref, expected_version, preview, now=now)
