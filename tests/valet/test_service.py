"""The valet use cases on the booking core, against the embedded 247Parking sandbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.bookings import reconcile
from webapp.bookings.models import Action, Booking, Status
from webapp.core.clock import utcnow
from webapp.core.errors import ConflictError, ValidationError
from webapp.extensions import db
from webapp.valet import reservations
from webapp.valet.pricing import ValetChoice


@pytest.fixture
def traveller(make_user):
    user = make_user(name="Anna de Vries", phone="+31 6 1234 5678")
    add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra, zwart")
    return user


@pytest.fixture
def sandbox(app):
    return app.extensions["providers"].sandbox_app("parking247")


def _choice(**changes) -> ValetChoice:
    drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    base = ValetChoice(location="schiphol", service="valet", drop_off=drop_off, arrival=drop_off + timedelta(days=7),
                       persons=2, payment="ideal", wash=1)
    return replace(base, **changes)


def _request(user, **changes) -> reservations.ValetRequest:
    return reservations.ValetRequest(choice=_choice(**changes), vehicle_id=user.vehicles[0].id, car="Opel Astra, zwart",
                                     first_name="Anna", last_name="de Vries", email=user.email,
                                     mobile="+31 6 1234 5678", project_reference="Project #ZW001")


def _book(user, key="form-key-1", **changes) -> Booking:
    return reservations.book_valet(user.id, _request(user, **changes), key)


def test_booking_is_reserved_with_our_reference_and_exactly_what_was_sent(traveller, sandbox):
    booking = _book(traveller, discount_code="WELKOM10")

    assert booking.status == Status.RESERVED and booking.provider_ref.startswith("S")
    remote = sandbox.extensions["parking247"].reservation(booking.provider_ref)
    assert remote.fields["referentienummer"] == f"{booking.public_ref} Project #ZW001"
    assert remote.fields["auto_kenteken"] == "97-KGT-1" and remote.fields["kortingscode"] == "WELKOM10"
    assert booking.valet.sent == remote.fields
    assert booking.amount == Decimal(remote.total) == booking.valet.quoted_total
    assert booking.valet.voucher_url.startswith("https://247parking.nl/voucher.php?id=")
    assert not [e for e in booking.events if e.action == Action.PRICE_DIFFERS]


def test_247parkings_total_is_kept_and_a_difference_is_recorded(traveller, sandbox):
    state = sandbox.extensions["parking247"]
    state.prices = {**state.prices, "wash": {**state.prices["wash"], "1": "16.95"}}  # they raised a price

    booking = _book(traveller)

    assert booking.amount == booking.valet.quoted_total + 2
    [event] = [e for e in booking.events if e.action == Action.PRICE_DIFFERS]
    assert event.payload == {"quoted": f"{booking.valet.quoted_total:.2f}", "provider": f"{booking.amount:.2f}"}


def test_bad_input_never_reaches_the_provider(traveller, sandbox):
    with pytest.raises(ValidationError) as caught:
        _book(traveller, indoor=True, leather=True)

    assert set(caught.value.errors) == {"indoor", "leather"}
    assert db.session.query(Booking).count() == 0
    assert sandbox.extensions["parking247"].reservation_numbers() == set()


def test_a_refusal_fails_the_booking_and_names_the_option(traveller, sandbox):
    state = sandbox.extensions["parking247"]
    state.prices = {**state.prices, "discount_codes": {}}  # 247Parking withdrew every code

    with pytest.raises(ValidationError) as caught:
        _book(traveller, discount_code="WELKOM10")

    assert "discount_code" in caught.value.errors
    booking = db.session.query(Booking).one()
    assert booking.status == Status.FAILED and booking.events[-1].provider_code == "discount_code"


def test_a_lost_reply_stays_unknown_with_what_was_sent_and_is_never_failed(app, traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1

    booking = _book(traveller)

    assert booking.status == Status.UNKNOWN and booking.provider_ref is None
    [number] = sandbox.extensions["parking247"].reservation_numbers()
    sent = booking.provider_payload["sent"]
    assert sent == sandbox.extensions["parking247"].reservation(number).fields
    reconcile.sweep(now=utcnow() + timedelta(days=400))
    db.session.refresh(booking)
    assert booking.status == Status.UNKNOWN
    assert len(sandbox.extensions["parking247"].reservation_numbers()) == 1  # never sent twice

    listed = app.test_cli_runner().invoke(args=["bookings", "unknown"])
    assert booking.public_ref in listed.output and sent["referentienummer"] in listed.output
    assert "1 booking(s) need attention" in listed.output


def test_a_double_submit_books_once(traveller, sandbox):
    first, second = _book(traveller), _book(traveller)

    assert first.id == second.id and len(sandbox.extensions["parking247"].reservation_numbers()) == 1


def test_change_shows_the_difference_then_puts_the_recomputed_total(traveller, sandbox):
    booking = _book(traveller)
    detail = booking.valet
    change = reservations.ValetChange(drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=2),
                                      arrival_flight="KL 1234", wash=2, leather=True)

    price, difference = reservations.preview_change(traveller.id, booking.public_ref, change)
    changed = reservations.change_valet(traveller.id, booking.public_ref, change, booking.version)

    assert difference == Decimal("19.00") + Decimal("15.00") + Decimal("24.95")  # 2 days, wash 1→2, leather
    assert changed.amount == price.total and changed.ends_at == change.arrival
    remote = sandbox.extensions["parking247"].reservation(booking.provider_ref)
    assert remote.total == f"{price.total:.2f}" and remote.fields["aankomst_vluchtnummer"] == "KL 1234"
    assert changed.events[-1].action == Action.CHANGED


def test_a_stale_tab_cannot_change(traveller):
    booking = _book(traveller)
    seen = booking.version
    detail = booking.valet
    change = reservations.ValetChange(drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=1))
    reservations.change_valet(traveller.id, booking.public_ref, change, seen)

    with pytest.raises(ConflictError):
        reservations.change_valet(traveller.id, booking.public_ref, change, seen)


def test_a_change_that_breaks_a_rule_is_refused_before_sending(traveller):
    booking = _book(traveller)
    change = reservations.ValetChange(drop_off=booking.valet.drop_off, arrival=booking.valet.drop_off)

    with pytest.raises(ValidationError) as caught:
        reservations.preview_change(traveller.id, booking.public_ref, change)

    assert "arrival" in caught.value.errors


def test_cancel_sets_the_status_at_247parking(traveller, sandbox):
    booking = _book(traveller, insurance=True)
    terms = reservations.reservation_view(traveller.id, booking.public_ref).terms

    cancelled = reservations.cancel_valet(traveller.id, booking.public_ref, booking.version)

    assert cancelled.status == Status.CANCELLED
    assert sandbox.extensions["parking247"].reservation(booking.provider_ref).status == "canceled"
    assert terms.refund == booking.amount - Decimal("7.95")


def test_cancel_after_the_drop_off_is_refused_without_a_call(traveller, sandbox):
    booking = _book(traveller)

    with pytest.raises(ConflictError):
        reservations.cancel_valet(traveller.id, booking.public_ref, booking.version,
                                  now=booking.valet.drop_off + timedelta(minutes=1))

    assert sandbox.extensions["parking247"].reservation(booking.provider_ref).status == "active"


def test_a_cancellation_247parking_refuses_keeps_the_reservation(traveller, sandbox):
    booking = _book(traveller)
    # 247Parking's clock says the drop-off has passed, ours not yet
    later = booking.valet.drop_off + timedelta(minutes=1)
    sandbox.extensions["parking247"].now = lambda: later

    with pytest.raises(reservations.ProviderFailedError) as caught:
        reservations.cancel_valet(traveller.id, booking.public_ref, booking.version)

    assert "drop-off" in caught.value.message
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED and booking.events[-1].provider_code == "cancel_too_late"


def test_support_settles_a_lost_create_with_247parkings_number_and_it_then_changes_and_cancels(
        traveller, sandbox, make_user):
    from webapp.bookings import admin

    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller)
    [number] = sandbox.extensions["parking247"].reservation_numbers()
    support = make_user(role="admin")

    admin.settle_by_admin(support.id, booking.public_ref, "reserved", number.lower(),
                          "247Parking confirmed it by phone", booking.version)

    assert booking.status == Status.RESERVED and booking.provider_ref == number.lower()
    view = reservations.reservation_view(traveller.id, booking.public_ref)
    assert view.can_change and view.can_cancel
    reservations.cancel_valet(traveller.id, booking.public_ref, booking.version)
    assert sandbox.extensions["parking247"].reservation(number).status == "canceled"


def test_a_change_whose_reply_was_lost_is_tried_again_signed_anew(traveller, sandbox):
    booking = _book(traveller)
    detail = booking.valet
    change = reservations.ValetChange(drop_off=detail.drop_off, arrival=detail.arrival + timedelta(days=1))
    sandbox.extensions["faults"].drop_after_commit = 1

    with pytest.raises(reservations.ProviderFailedError) as caught:
        reservations.change_valet(traveller.id, booking.public_ref, change, booking.version)

    assert "did not answer" in caught.value.message
    db.session.refresh(booking)
    assert booking.ends_at == change.arrival - timedelta(days=1)  # ours follows only a confirmed change
    # the traveller presses again: a new request with a fresh nonce, the same total, accepted
    changed = reservations.change_valet(traveller.id, booking.public_ref, change, booking.version)
    assert changed.ends_at == change.arrival
    remote = sandbox.extensions["parking247"].reservation(booking.provider_ref)
    assert remote.total == f"{changed.amount:.2f}"


def test_support_recheck_says_247parking_cannot_be_asked(traveller, sandbox, make_user):
    from webapp.bookings import admin

    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller)
    support = make_user(role="admin")

    _same, changes = admin.recheck(support.id, booking.public_ref)

    assert changes == ["This provider has no look-up call: settle the booking by hand with its answer."]
    assert booking.status == Status.UNKNOWN
