"""247Parking airport valet: quote, book, change, cancel (use cases on the booking core).

Every reservation is a ``Booking`` (kind ``valet``) with a ``ValetReservation``
detail row, written through ``bookings.operations``: pending and committed
before 247Parking is called, with our reference in ``referentienummer`` and
exactly the body we send kept on the booking. The seed has no look-up call,
so a create whose reply is lost stays **unknown** (never failed, never sent
again) for support to settle; a refusal fails the booking and gives the
traveller their form back with the reason beside the option.

247Parking's ``totaalprijs`` is the truth: when it differs from our quote the
booking takes it and a ``price differs`` event says so. Changes and the
cancellation claim the version the traveller saw first, so two tabs cannot
both win.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from webapp.accounts.vehicles import get_vehicle
from webapp.bookings import history, operations
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import KIND_VALET, Action, Booking, Outcome, Status
from webapp.bookings.operations import PlateConflictError  # noqa: F401 - views catch it from here
from webapp.core.clock import utcnow
from webapp.core.errors import (
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderFailedError,
    ProviderRateLimitedError,
    ServiceError,
    ValidationError,
    shown_message,
)
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.valet import pricing, texts
from webapp.valet.adapter import reservation_payload
from webapp.valet.models import ValetReservation
from webapp.valet.pricing import CancellationTerms, Quote, ValetChoice
from webapp.valet.wire import Reservation

log = logging.getLogger(__name__)

PROVIDER = "parking247"
#: 247Parking's parameter -> our form field, for a refusal that names one
FIELD_OF = {"kortingscode": "discount_code", "vertrek_timestamp": "drop_off", "aankomst_timestamp": "arrival",
            "overdektparkeren": "indoor", "leerverzorging": "leather", "vertrek_vluchtnummer": "departure_flight",
            "parkeerservice": "service"}



@dataclass(frozen=True)
class ValetRequest:
    """Everything the traveller filled in on the book form."""

    choice: ValetChoice
    vehicle_id: int | None
    car: str = ""  # make, type and colour
    hand_luggage: bool = False
    keep_keys: bool = False
    remarks: str = ""
    project_reference: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class ValetChange:
    """What a booked reservation may change: the times, the flights, the car wash."""

    drop_off: datetime
    arrival: datetime
    departure_flight: str = ""
    arrival_flight: str = ""
    wash: int = 0
    leather: bool = False


@dataclass(frozen=True)
class ReservationView:
    """What the booking page shows."""

    booking: Booking
    detail: ValetReservation
    terms: CancellationTerms
    can_change: bool
    can_cancel: bool


def _api():
    return provider_client(PROVIDER)


def _validation(problems: dict[str, str]) -> ValidationError:
    return ValidationError({field: texts.rule_message(code) for field, code in problems.items()})


def quote_valet(choice: ValetChoice, now: datetime | None = None) -> Quote:
    """The price of a choice before anything is booked, a line per item.

    Raises:
        ValidationError: the choice breaks a rule; each message is on the field it concerns.
    """
    try:
        return pricing.quote(choice, now or utcnow())
    except pricing.RuleError as error:
        raise _validation(error.problems) from None


def book_valet(user_id: int, request: ValetRequest, idempotency_key: str | None, *, confirm_overlap: bool = False,
               now: datetime | None = None) -> Booking:
    """Reserve at 247Parking.

    Args:
        idempotency_key: one per rendered form; a second submit returns the first booking.
        confirm_overlap: the traveller saw the car's other bookings for this time and books anyway.

    Returns:
        The booking: reserved, or unknown when 247Parking's answer was lost
        (kept with what was sent; never sent again).

    Raises:
        ValidationError: a rule is broken, or 247Parking refused an option (the
            message is on that field); nothing is booked.
        PlateConflictError: the car has an overlapping booking and ``confirm_overlap`` is false.
        ProviderFailedError: 247Parking refused for another reason, or could not be used.
    """
    now = now or utcnow()
    key = operations.check_idempotency_key(idempotency_key)
    existing = operations.find_by_key(user_id, key)
    if existing is not None:
        return existing
    if request.vehicle_id is None:
        raise ValidationError({"vehicle_id": str(_l("Choose the car you bring."))})
    try:
        vehicle = get_vehicle(user_id, request.vehicle_id)
    except NotFoundError:
        raise ValidationError({"vehicle_id": str(_l("Choose one of your vehicles."))}) from None
    choice = request.choice
    price = quote_valet(choice, now)
    draft = operations.Draft(
        kind=KIND_VALET, provider=PROVIDER, title=_title(choice.location, choice.service),
        plate=vehicle.plate, starts_at=choice.drop_off, ends_at=choice.arrival, amount=price.total,
        currency=price.currency, contact_email=request.email or None, contact_phone=request.mobile or None,
    )
    outgoing: dict[str, Reservation] = {}

    def add_detail(booking: Booking) -> None:
        reservation = _reservation_for(booking.public_ref, request, vehicle.plate)
        outgoing["body"] = reservation
        booking.provider_payload = {"sent": reservation.to_wire()}
        db.session.add(ValetReservation(
            booking=booking, location=choice.location, service=choice.service, drop_off=choice.drop_off,
            arrival=choice.arrival, persons=choice.persons, payment=choice.payment, indoor=choice.indoor,
            wash=choice.wash, leather=choice.leather, insurance=choice.insurance, hand_luggage=request.hand_luggage,
            keep_keys=request.keep_keys, discount_code=choice.discount_code,
            departure_flight=choice.departure_flight, arrival_flight=choice.arrival_flight, car=request.car,
            remarks=request.remarks, project_reference=request.project_reference, quoted_total=price.total,
            sent=reservation.to_wire()))

    booking, created = operations.open_pending(user_id, draft, key, confirm_overlap=confirm_overlap,
                                               add_details=add_detail)
    if not created:
        return booking
    reservation = outgoing["body"]
    try:
        confirmation = operations.call(booking, "create", lambda: _api().create_reservation(reservation))
    except ProviderError as error:
        if booking.status == Status.UNKNOWN:
            return booking  # 247Parking may hold it: kept unknown, with what was sent, for support
        raise _refusal(error) from error
    operations.settle(booking, confirmation.reserveringsnummer, Status.RESERVED,
                      payload=reservation_payload(confirmation, reservation.to_wire()),
                      message=f"create: reservation {confirmation.reserveringsnummer}")
    booking.valet.voucher_url = confirmation.voucher_url
    _take_provider_total(booking, confirmation.totaalprijs)
    db.session.commit()
    return booking


def reservation_view(user_id: int, public_ref: str, now: datetime | None = None) -> ReservationView:
    """The booking page's figures: what a cancellation gives back, whether it can still change.

    Raises:
        NotFoundError: not one of the user's valet bookings.
    """
    now = now or utcnow()
    booking = _load(user_id, public_ref)
    detail = booking.valet
    open_ = booking.status == Status.RESERVED and now < detail.drop_off
    terms = pricing.cancellation_terms(booking.amount or Decimal(0), detail.insurance, detail.drop_off, now)
    return ReservationView(booking=booking, detail=detail, terms=terms,
                           can_change=booking.status == Status.RESERVED and now < detail.arrival,
                           can_cancel=open_)


def preview_change(user_id: int, public_ref: str, change: ValetChange, now: datetime | None = None
                   ) -> tuple[Quote, Decimal]:
    """The new total of a change and the difference to what is booked, before anything is sent.

    Raises:
        ConflictError: the reservation cannot change any more.
        ValidationError: the change breaks a rule.
    """
    now = now or utcnow()
    booking = _changeable(user_id, public_ref, now)
    price = _quote_change(booking, change, now)
    return price, price.total - (booking.amount or Decimal(0))


def change_valet(user_id: int, public_ref: str, change: ValetChange, expected_version: int,
                 now: datetime | None = None) -> Booking:
    """Change the times, flights or car wash of a reservation (PUT with the recomputed total).

    Raises:
        ConflictError: another tab changed it first, or it cannot change any more.
        ValidationError: the change breaks a rule, or 247Parking refused an option.
        ProviderFailedError: 247Parking refused or could not confirm; nothing changed on our side.
    """
    now = now or utcnow()
    price, _difference = preview_change(user_id, public_ref, change, now)
    booking = _claim(user_id, public_ref, expected_version, Action.CHANGE_REQUESTED)
    detail = booking.valet
    reservation = Reservation(**{**_required_fields(detail, change), "aankomst_vluchtnummer": change.arrival_flight,
                                 "vertrek_vluchtnummer": change.departure_flight, "wasservice": change.wash,
                                 "leerverzorging": change.leather})
    try:
        confirmation = _api().update_reservation(booking.provider_ref, reservation, price.total)
    except ProviderError as error:
        _note_failure(booking, error, "change")
        raise _refusal(error) from error
    for name in ("drop_off", "arrival", "departure_flight", "arrival_flight", "wash", "leather"):
        setattr(detail, name, getattr(change, name))
    detail.sent = {**reservation.to_wire(), "totaalprijs": f"{price.total:.2f}"}
    detail.quoted_total = price.total
    booking.starts_at, booking.ends_at = change.drop_off, change.arrival
    booking.amount = price.total
    _take_provider_total(booking, confirmation.totaalprijs)
    operations.record_confirmed(booking, Action.CHANGED, reservation_payload(confirmation, detail.sent),
                                actor=operations.actor_for(user_id),
                                message=f"changed: total {confirmation.totaalprijs:.2f}")
    db.session.commit()
    return booking


def cancel_valet(user_id: int, public_ref: str, expected_version: int, now: datetime | None = None) -> Booking:
    """Cancel a reservation at 247Parking (status ``canceled``), before the drop-off only.

    Raises:
        ConflictError: another tab changed it first, or the drop-off has passed.
        ProviderFailedError: 247Parking refused or could not be reached; it stays reserved.
    """
    now = now or utcnow()
    view = reservation_view(user_id, public_ref, now)
    if not view.can_cancel:
        raise ConflictError(str(_l("This reservation cannot be cancelled any more: the drop-off time has passed.")))
    booking = _claim(user_id, public_ref, expected_version, Action.CANCEL_REQUESTED)
    try:
        _api().update_status(booking.provider_ref, "canceled")
    except ProviderError as error:
        _note_failure(booking, error, "cancel")
        raise ProviderFailedError(_failure_message(error)) from error
    # 247Parking's answer carries no refund (seed 004 "PUT /reservering/:resnr/status/": the number
    # only), so the cancellation costs what the terms the page promised keep; the ledger refunds the rest
    booking.cancellation_fee = view.terms.fee(booking.amount or Decimal(0))
    transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=operations.actor_for(user_id),
               message=f"refund {view.terms.refund:.2f} {booking.currency}")
    db.session.commit()
    return booking


def ensure_own_reservation(user_id: int, public_ref: str) -> None:
    """Raises NotFoundError unless ``public_ref`` is one of the user's valet bookings."""
    _load(user_id, public_ref)


def booking_title(booking: Booking, language: str) -> str:
    """The reservation's place and service in the page's language (``ProviderSpec.describe``)."""
    detail = booking.valet
    if detail is None:
        return ""
    return _title_in(detail.location, detail.service, language)


@lru_cache(maxsize=64)
def _title_in(location: str, service: str, language: str) -> str:
    # a few places and services in four languages; a history page names each of its rows, and switching the
    # locale for each cost a tenth of a millisecond (issue 18)
    with force_locale(language):
        return _title(location, service)


# -- internals ------------------------------------------------------------------------


def _title(location: str, service: str) -> str:
    return f"247Parking {texts.LOCATIONS[location]} · {texts.SERVICES[service]}"


def _reservation_for(public_ref: str, request: ValetRequest, plate: str) -> Reservation:
    """The body of the create: our reference first in ``referentienummer``, then the traveller's own."""
    choice = request.choice
    reference = f"{public_ref} {request.project_reference}".strip()
    return Reservation(
        vertrek_timestamp=choice.drop_off, aankomst_timestamp=choice.arrival, parkeerservice=choice.service,
        parkeerlocatie=choice.location, aantal_personen=choice.persons, betalingswijze=choice.payment,
        overdektparkeren=choice.indoor or None, wasservice=choice.wash or None, leerverzorging=choice.leather or None,
        annuleringsverzekering=choice.insurance or None, kortingscode=choice.discount_code or None,
        aankomst_vluchtnummer=choice.arrival_flight or None, vertrek_vluchtnummer=choice.departure_flight or None,
        auto_merk_type=request.car or None, auto_kenteken=plate, handbagage=request.hand_luggage or None,
        sleutel_houden=request.keep_keys or None, opmerkingen=request.remarks or None,
        referentienummer=reference[:60], klant_voornaam=request.first_name or None,
        klant_achternaam=request.last_name or None, klant_email=request.email or None,
        klant_mobiel=request.mobile or None,
    )


def _required_fields(detail: ValetReservation, change: ValetChange) -> dict:
    """The parameters a PUT must carry (seed 004 "PUT /reservering/:resnr/"), with the new times."""
    return {"vertrek_timestamp": change.drop_off, "aankomst_timestamp": change.arrival,
            "parkeerservice": detail.service, "parkeerlocatie": detail.location, "betalingswijze": detail.payment}


def _quote_change(booking: Booking, change: ValetChange, now: datetime) -> Quote:
    detail = booking.valet
    choice = replace(detail.choice(), drop_off=change.drop_off, arrival=change.arrival, wash=change.wash,
                     leather=change.leather, departure_flight=change.departure_flight,
                     arrival_flight=change.arrival_flight)
    try:
        # a code valid when booked stays valid for the booking, as 247Parking keeps it
        return pricing.quote(choice, now, keep_drop_off=change.drop_off == detail.drop_off, check_discount=False)
    except pricing.RuleError as error:
        raise _validation(error.problems) from None


def _take_provider_total(booking: Booking, provider_total: Decimal) -> None:
    """247Parking's total is the truth; a difference from our quote is recorded (flushed)."""
    quoted = booking.amount
    booking.amount = provider_total
    if quoted is not None and quoted != provider_total:
        operations.record(booking, Action.PRICE_DIFFERS, outcome=Outcome.OK,
                          message=f"quoted {quoted:.2f}, 247Parking charges {provider_total:.2f}",
                          payload={"quoted": f"{quoted:.2f}", "provider": f"{provider_total:.2f}"})
        log.warning("247Parking total %s differs from our quote %s for %s", provider_total, quoted,
                    booking.public_ref)


def _refusal(error: ProviderError) -> ServiceError:
    """A refusal naming an option becomes that field's error; anything else a failure in words."""
    field = FIELD_OF.get(error.field or "")
    if error.status_code == 400 and field:
        return ValidationError({field: texts.rule_message(error.code)})
    return ProviderFailedError(_failure_message(error))


def _failure_message(error: ProviderError) -> str:
    if error.status_code == 400:
        return texts.rule_message(error.code)
    if isinstance(error, ProviderRateLimitedError):
        # a 429, or 247Parking's own 503 "overloaded": it did not carry the request out
        return str(_l("247Parking is busy and did not take the request: nothing was booked or changed. "
                      "Please try again in a few minutes."))
    if operations.is_unknown_outcome(error):
        return str(_l("247Parking did not answer. Nothing was changed on our side; please try again."))
    return shown_message(error)


def _load(user_id: int | None, public_ref: str) -> Booking:
    booking = (history.get_booking_for_user(user_id, public_ref) if user_id is not None
               else history.get_booking_for_admin(public_ref))
    if booking.kind != KIND_VALET or booking.valet is None:
        raise NotFoundError("not a valet booking")
    return booking


def _changeable(user_id: int, public_ref: str, now: datetime) -> Booking:
    booking = _load(user_id, public_ref)
    if booking.status != Status.RESERVED or now >= booking.valet.arrival:
        raise ConflictError(str(_l("This reservation cannot be changed any more.")))
    return booking


def _claim(user_id: int, public_ref: str, expected_version: int, action: Action) -> Booking:
    return operations.claim(_load(user_id, public_ref), expected_version, action, operations.actor_for(user_id))


def _note_failure(booking: Booking, error: ProviderError, what: str) -> None:
    outcome = Outcome.UNKNOWN if operations.is_unknown_outcome(error) else Outcome.ERROR
    operations.record(booking, Action.PROVIDER_CALL, outcome=outcome, provider_code=error.code,
                      message=f"{what}: {error.detail}")
    db.session.commit()
    log.info("247Parking %s failed for %s: %s", what, booking.public_ref, error)
