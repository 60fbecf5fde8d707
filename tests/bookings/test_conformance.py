"""The booking lifecycle, the same for every provider that books.

Each registered booking kind with an adapter must have a driver here; the
driver books through the feature's own use case against its sandbox, and the
same rules are checked for all: one booking per form, a lost reply is unknown
and settled by the sweep, a late commit is never failed, a remote booking
already linked is never linked again, two tabs have one winner, a plate
already booked is warned before anything is sent. A provider with no look-up
call (a driver with ``can_look_up = False``, like 247Parking) is checked for
the other half of the rule: a lost reply stays unknown, and is never failed. A provider that
cannot be read but whose writes can be sent again (the parking hub, a driver with ``resends =
True``) answers a look-up by sending what is missing: a lost reply is settled as soon as the
provider answers, and "nothing there" means the provider never answered by the deadline.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.apds.conformance import ApdsDriver
from tests.helsinki.conformance import HelsinkiDriver, ParkkihubiDriver
from tests.rentcar.conformance import RentcarDriver
from tests.valet.conformance import ValetDriver
from webapp.bookings import operations, reconcile
from webapp.bookings.adapter import RemoteBooking
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import booking_kinds
from webapp.core.errors import ConflictError, ProviderUnavailableError
from webapp.extensions import db

DRIVERS = {getattr(driver, "name", driver.kind): driver
           for driver in (HelsinkiDriver, ParkkihubiDriver, RentcarDriver, ApdsDriver, ValetDriver)}


def test_every_booking_adapter_has_a_conformance_driver(app):
    with_adapter = {kind for kind, entry in booking_kinds().items() if entry.adapter is not None}
    assert with_adapter, "at least one provider books through the core"
    covered = {driver.kind for driver in DRIVERS.values()}
    assert with_adapter <= covered, f"add a conformance driver for {with_adapter - covered}"


@pytest.fixture(params=sorted(DRIVERS))
def driver(request, app, make_user):
    drv = DRIVERS[request.param](app)
    drv.user = make_user()
    drv.prepare_user(drv.user)
    return drv


def _adapter(driver):
    return booking_kinds()[driver.kind].adapter


def _past_deadline(driver, booking):
    return _adapter(driver).settle_deadline(booking) + timedelta(seconds=1)


def _can_look_up(driver) -> bool:
    return getattr(driver, "can_look_up", True)


def _resends(driver) -> bool:
    """A provider that cannot be read, whose look-up sends what is missing again (see the module docstring)."""
    return getattr(driver, "resends", False)


def _clock_at(driver, when):
    """The real clock at ``when`` for a resending provider (its look-up sends, so it reads the time itself)."""
    if not _resends(driver):
        return contextlib.nullcontext()
    import time_machine

    return time_machine.travel(when, tick=False)


def _assert_kept_unknown(driver, booking):
    """A provider that cannot be asked: the booking stays unknown and unlinked, never failed."""
    db.session.refresh(booking)
    assert booking.status == Status.UNKNOWN and booking.provider_ref is None


def test_double_submit_makes_one_booking_and_one_remote(driver):
    first = driver.book(driver.user, "form-key-1")
    second = driver.book(driver.user, "form-key-1")
    assert first.id == second.id
    assert db.session.query(Booking).count() == 1
    assert len(driver.remote_refs()) == 1


@pytest.mark.parametrize("key", ["", "x" * 65, "bad key with spaces", "ключ"])
def test_a_malformed_form_key_is_a_clear_refusal(driver, key):
    from webapp.core.errors import ValidationError

    with pytest.raises(ValidationError) as raised:
        driver.book(driver.user, key)
    assert "idempotency_key" in raised.value.errors
    assert db.session.query(Booking).count() == 0 and driver.remote_refs() == set()


def test_another_users_key_never_returns_their_booking(driver, make_user):
    theirs = driver.book(driver.user, "shared-key-123")
    other = make_user()
    driver.prepare_user(other)
    mine = driver.book(other, "shared-key-123", confirm_overlap=True)
    assert mine.id != theirs.id and mine.user_id == other.id


def test_lost_reply_is_unknown_then_settled_by_the_sweep(driver, monkeypatch):
    driver.sandbox.extensions["faults"].drop_after_commit = 1
    adapter = _adapter(driver)
    # the immediate look-up cannot reach the provider either
    monkeypatch.setattr(adapter, "find_remote", lambda booking: (_ for _ in ()).throw(
        ProviderUnavailableError(driver.api, "503", "down")), raising=False)
    booking = driver.book(driver.user, "lost-reply-1")
    assert booking.status == Status.UNKNOWN and booking.provider_ref is None
    monkeypatch.undo()
    report = reconcile.sweep()
    if not _can_look_up(driver):
        _assert_kept_unknown(driver, booking)
        assert report.still_unknown == 1 and len(driver.remote_refs()) == 1
        return
    db.session.refresh(booking)
    assert booking.status in (Status.ACTIVE, Status.RESERVED)
    assert report.settled == 1 and booking.provider_ref in driver.remote_refs()


def test_late_commit_is_never_failed_while_the_remote_exists(driver):
    faults = driver.sandbox.extensions["faults"]
    faults.late_commit = 1
    booking = driver.book(driver.user, "late-commit-1")
    if _resends(driver):
        # the look-up sent the start again and the provider answered: settled at once, never failed
        assert booking.status == Status.ACTIVE and booking.provider_ref in driver.remote_refs()
        assert faults.commit_late(driver.sandbox) == 1
        with _clock_at(driver, _past_deadline(driver, booking)):
            reconcile.sweep(now=_past_deadline(driver, booking))
        db.session.refresh(booking)
        assert booking.status == Status.ACTIVE and booking.provider_ref in driver.remote_refs()
        return
    # the provider has not committed yet: the look-up finds nothing, and that is not a failure
    assert booking.status == Status.UNKNOWN
    reconcile.sweep()
    db.session.refresh(booking)
    assert booking.status == Status.UNKNOWN
    assert faults.commit_late(driver.sandbox) == 1
    # even past the deadline, a remote that exists settles the booking
    reconcile.sweep(now=_past_deadline(driver, booking))
    if not _can_look_up(driver):
        _assert_kept_unknown(driver, booking)
        return
    db.session.refresh(booking)
    assert booking.status in (Status.ACTIVE, Status.RESERVED)
    assert booking.provider_ref in driver.remote_refs()


#: an answer that says nothing of whether the call was carried out, for every provider: a gateway's bare 502
#: (247Parking's own 503 says it was not, and fails the booking at once: issue 21)
AMBIGUOUS = 502


def test_nothing_at_the_provider_fails_only_after_its_deadline(driver):
    driver.sandbox.extensions["faults"].status = AMBIGUOUS
    booking = driver.book(driver.user, "never-made-1")
    if not _resends(driver):  # a resending provider's look-up would make it: it stays down until the deadline
        driver.sandbox.extensions["faults"].reset()
    assert booking.status == Status.UNKNOWN
    reconcile.sweep(now=_past_deadline(driver, booking) - timedelta(seconds=2))
    db.session.refresh(booking)
    assert booking.status == Status.UNKNOWN
    with _clock_at(driver, _past_deadline(driver, booking)):
        reconcile.sweep(now=_past_deadline(driver, booking))
    driver.sandbox.extensions["faults"].reset()
    if not _can_look_up(driver):
        _assert_kept_unknown(driver, booking)
        return
    db.session.refresh(booking)
    assert booking.status == Status.FAILED and "deadline" in booking.events[-1].message


def test_a_remote_booking_already_linked_is_never_linked_again(driver, monkeypatch):
    linked = driver.book(driver.user, "linked-1")
    assert linked.provider_ref
    driver.sandbox.extensions["faults"].status = AMBIGUOUS
    orphan = driver.book(driver.user, "orphan-1", confirm_overlap=True)
    driver.sandbox.extensions["faults"].reset()
    assert orphan.status == Status.UNKNOWN
    # a provider that answers with the other booking's remote record must not get it linked
    monkeypatch.setattr(_adapter(driver), "find_remote", lambda booking: [RemoteBooking(
        provider_ref=linked.provider_ref, status=Status.ACTIVE)], raising=False)
    reconcile.sweep()
    db.session.refresh(orphan)
    assert orphan.provider_ref is None and orphan.status == Status.UNKNOWN
    # and the database refuses it too
    orphan.provider_ref = linked.provider_ref
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_tabs_one_winner_and_the_loser_never_reaches_the_provider(driver, app, monkeypatch):
    booking = driver.book(driver.user, "two-tabs-1")
    seen = booking.version
    client = app.extensions["providers"].get(driver.api)
    calls = []
    real = getattr(client, driver.change_call)
    monkeypatch.setattr(client, driver.change_call, lambda *a, **k: calls.append(a) or real(*a, **k))
    driver.change(booking, seen)
    with pytest.raises(ConflictError):
        driver.change(booking, seen)
    assert len(calls) == 1


def test_a_plate_already_booked_is_warned_before_anything_is_sent(driver):
    first = driver.book(driver.user, "plate-1")
    remotes = driver.remote_refs()
    with pytest.raises(operations.PlateConflictError) as raised:
        driver.book(driver.user, "plate-2")
    assert [b.id for b in raised.value.others] == [first.id]
    assert db.session.query(Booking).count() == 1 and driver.remote_refs() == remotes
    second = driver.book(driver.user, "plate-2", confirm_overlap=True)
    assert second.id != first.id and len(driver.remote_refs()) == 2


def test_repeated_sweeps_settle_a_booking_once(driver, monkeypatch):
    driver.sandbox.extensions["faults"].drop_after_commit = 1
    adapter = _adapter(driver)
    monkeypatch.setattr(adapter, "find_remote", lambda booking: (_ for _ in ()).throw(
        ProviderUnavailableError(driver.api, "503", "down")), raising=False)
    booking = driver.book(driver.user, "sweep-twice-1")
    monkeypatch.undo()
    first, second = reconcile.sweep(), reconcile.sweep()
    if not _can_look_up(driver):
        _assert_kept_unknown(driver, booking)
        assert first.still_unknown == second.still_unknown == 1
        return
    db.session.refresh(booking)
    assert first.settled == 1 and second.checked == 0
    settling = [e for e in booking.events if e.action == "reconcile"
                and e.status_after in (Status.ACTIVE, Status.RESERVED)]  # a rental settles reserved
    assert len(settling) == 1


def test_a_simultaneous_second_press_returns_the_first_booking(driver, monkeypatch):
    # two presses that both looked the key up before either committed: the second meets the
    # unique key at its INSERT and must get the first booking, not a 500 (found by bench/faults.py)
    first = driver.book(driver.user, "same-moment-1")
    real_find = operations.find_by_key

    def found_only_after_the_insert_failed(user_id, key):
        # the look-ups before the INSERT see nothing (the first press had not committed yet);
        # the one in the handler of the refused INSERT sees the first booking
        return real_find(user_id, key) if sys.exc_info()[0] is not None else None

    monkeypatch.setattr(operations, "find_by_key", found_only_after_the_insert_failed)
    second = driver.book(driver.user, "same-moment-1", confirm_overlap=True)
    assert second.id == first.id
    assert db.session.query(Booking).count() == 1 and len(driver.remote_refs()) == 1
