"""Extras of a booked rental: what the company offers for it, add one (``addetcitem``), remove one (``deletcitem``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from webapp.bookings import operations
from webapp.bookings.models import Action, Booking
from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ProviderError, ProviderFailedError
from webapp.extensions import db
from webapp.rentcar.adapter import apply_reservation, reservation_payload
from webapp.rentcar.messages import driver_message
from webapp.rentcar.pricing import to_korean
from webapp.rentcar.rentals.lookup import changeable_rental, claim_for_change, get_rental, note_failure
from webapp.rentcar.rentals.shared import Meter, rentcar_client
from webapp.rentcar.wire import Extra


def rental_extras(user_id: int, public_ref: str, now: datetime | None = None) -> list[Extra]:
    """The extras the company offers for this rental's car and window (``etclist_r``).

    Raises:
        ProviderFailedError: the company could not be asked.
    """
    now = now or utcnow()
    view = get_rental(user_id, public_ref, now)
    rental, booking = view.rental, view.booking
    meter = Meter()
    meter.add("etclist_r")
    try:
        extras = rentcar_client().extra_list(to_korean(booking.starts_at), to_korean(booking.ends_at),
                                             models=[f"{rental.company_code}${rental.mid}"])
    except ProviderError as error:
        raise ProviderFailedError(driver_message(error)) from error
    finally:
        meter.save(user_id, "extras", now)
        db.session.commit()
    booked = {e["gid"] for e in rental.extras}
    return [e for e in extras if e.applies_to(rental.mid) and e.gid not in booked]


def add_extra(user_id: int, public_ref: str, expected_version: int, gid: int, seen_fee: int, name: str,
              now: datetime | None = None, content: str = "") -> Booking:
    """Add an extra at the fee the driver saw (``addetcitem``, paid at the counter with the car).

    ``name`` and ``content`` (R상품명, R상품내용) are kept to show it: the content tells two extras of
    one name apart (two child seats are both "카시트").

    Raises:
        ConflictError: another tab, or past the deadline.
        ProviderFailedError: the company refused (0127/0128/0310 …).
    """
    now = now or utcnow()
    view = changeable_rental(user_id, public_ref, now)
    rental = view.rental
    booking = claim_for_change(user_id, view.booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("addetcitem")
    try:
        reservation = rentcar_client().add_extra(rental.company_code, rental.revnum, gid, seen_fee,
                                                 paid_directly=bool(rental.custfee), dealer_ref=rental.dealer_ref)
    except ProviderError as error:
        note_failure(booking, error, "addetcitem", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.extras = [*rental.extras, {"gid": gid, "name": name[:60], "fee": seen_fee, "content": content[:100]}]
    apply_reservation(booking, reservation)
    operations.record_confirmed(booking, Action.CHANGED, reservation_payload(reservation),
                                actor=operations.actor_for(user_id), message=f"addetcitem {gid}")
    meter.save(user_id, "add extra", now)
    db.session.commit()
    return booking


def remove_extra(user_id: int, public_ref: str, expected_version: int, gid: int,
                 now: datetime | None = None) -> Booking:
    """Remove a booked extra (``deletcitem``, by its name as the seed asks).

    Raises:
        ConflictError: another tab, or past the deadline.
        NotFoundError: the extra is not on the rental.
        ProviderFailedError: the company refused (0510/0511 …).
    """
    now = now or utcnow()
    view = changeable_rental(user_id, public_ref, now)
    rental = view.rental
    extra = next((e for e in rental.extras if e["gid"] == gid), None)
    if extra is None:
        raise NotFoundError(str(_l("This extra is not on your booking.")))
    booking = claim_for_change(user_id, view.booking, expected_version, Action.CHANGE_REQUESTED)
    meter = Meter()
    meter.add("deletcitem")
    try:
        reservation = rentcar_client().delete_extra(rental.company_code, rental.revnum, extra["name"],
                                                    dealer_ref=rental.dealer_ref)
    except ProviderError as error:
        note_failure(booking, error, "deletcitem", user_id, meter, now)
        raise ProviderFailedError(driver_message(error)) from error
    rental.extras = [e for e in rental.extras if e is not extra and e["gid"] != gid]
    apply_reservation(booking, reservation)
    operations.record_confirmed(booking, Action.CHANGED, reservation_payload(reservation),
                                actor=operations.actor_for(user_id), message=f"deletcitem {gid}")
    meter.save(user_id, "remove extra", now)
    db.session.commit()
    return booking
