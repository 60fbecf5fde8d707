"""The conformance suite's cases for a provider that cannot be read back (the city's parking hub).

Such a provider (a driver with ``resends = True``) answers a lost reply by sending again, never by
reading (``webapp/helsinki/hub.py``). Each case loses a reply of one kind — a create, an
extension, a stop, a delete, a write carried out late — and checks the two rules against what
enforcement would see in the provider's own store:

* a car is never shown unpaid for a minute the driver paid for;
* a parking the driver stopped or cancelled is valid no longer than the provider's grace period
  (the driver's ``hold``) after the stop.

The clock is frozen and moved (time-machine moves ours and the sandbox's alike).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.bookings.test_conformance import DRIVERS
from webapp.bookings import ledger, reconcile
from webapp.bookings.models import Status
from webapp.bookings.registry import booking_kinds
from webapp.core.clock import HELSINKI
from webapp.core.errors import ProviderFailedError
from webapp.extensions import db

RESENDING = sorted(name for name, driver in DRIVERS.items() if getattr(driver, "resends", False))
SECOND = timedelta(seconds=1)


def _next_business_morning() -> datetime:
    """10:00 in Helsinki on the next Monday–Friday: the tariffs charge, so money can be compared."""
    day = datetime.now(HELSINKI).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture(params=RESENDING)
def driver(request, app, make_user, time_machine):
    time_machine.move_to(_next_business_morning(), tick=False)
    drv = DRIVERS[request.param](app)
    drv.user = make_user()
    drv.prepare_user(drv.user)
    drv.clock = time_machine
    return drv


def _faults(driver):
    return driver.sandbox.extensions["faults"]


def _ours(driver, booking) -> dict:
    return next(row for row in driver.remote_rows() if row["id"] == booking.provider_ref)


def _now() -> datetime:
    return datetime.now(UTC)


def _paid(booking):
    db.session.refresh(booking)
    return ledger.summary(booking).total


def test_lost_create_is_sent_again_and_its_orphan_ends_within_the_hold(driver):
    _faults(driver).drop_after_commit = 1  # the first create is made, its answer (the id) lost
    booking = driver.book(driver.user, "lost-create-1")
    assert booking.status == Status.ACTIVE
    ours = _ours(driver, booking)
    [orphan] = [row for row in driver.remote_rows() if row["id"] != booking.provider_ref]
    assert ours["time_end"] == booking.ends_at
    assert orphan["time_end"] <= orphan["created_at"] + driver.hold  # it ends by itself
    assert ours["id"] in driver.enforced(_now())
    assert driver.enforced(orphan["time_end"] + SECOND) == {ours["id"]}
    stopped = driver.stop(booking)
    # the driver stopped at once: within the grace period nothing of it is valid any more
    assert driver.enforced(stopped.ends_at + driver.hold + SECOND) == set()
    assert _paid(booking) == booking.amount > 0


def test_a_start_never_confirmed_fails_uncharged_and_leaves_nothing_valid_after_the_hold(driver, app, monkeypatch):
    faults = _faults(driver)
    client = app.extensions["providers"].get(driver.api)
    real = client.create_parking

    def made_then_the_provider_goes_down(**fields):
        try:
            return real(**fields)
        finally:
            faults.status = 503

    faults.drop_after_commit = 1
    monkeypatch.setattr(client, "create_parking", made_then_the_provider_goes_down)
    booking = driver.book(driver.user, "never-confirmed-1")
    assert booking.status == Status.UNKNOWN and _paid(booking) == 0
    [orphan] = driver.remote_rows()
    deadline = booking_kinds()[driver.kind].adapter.settle_deadline(booking)
    driver.clock.move_to(deadline)
    reconcile.sweep()
    db.session.refresh(booking)
    assert booking.status == Status.FAILED and _paid(booking) == 0
    assert orphan["time_end"] < deadline and driver.enforced(deadline) == set()


def test_lost_extension_answer_is_sent_again_and_charged_once_confirmed(driver):
    booking = driver.book(driver.user, "lost-extend-1")
    new_end = booking.ends_at + timedelta(minutes=30)
    _faults(driver).drop_after_commit = 1
    extended = driver.extend(booking, new_end)
    assert extended.ends_at == new_end and _ours(driver, booking)["time_end"] == new_end
    assert _paid(booking) == extended.amount
    assert driver.enforced(new_end - SECOND) == {booking.provider_ref}


def test_an_extension_never_confirmed_costs_nothing_and_is_undone_at_the_provider(driver):
    booking = driver.book(driver.user, "unconfirmed-extend-1")
    old_end, paid = booking.ends_at, _paid(booking)
    _faults(driver).drop_after_commit = 2  # both sends carried out, both answers lost
    with pytest.raises(ProviderFailedError):
        driver.extend(booking, old_end + timedelta(minutes=30))
    db.session.refresh(booking)
    assert booking.ends_at == old_end and _paid(booking) == paid
    assert _ours(driver, booking)["time_end"] > old_end  # the provider holds the extension for now
    driver.send_due()  # the job, within the minute
    assert _ours(driver, booking)["time_end"] == old_end
    assert driver.enforced(old_end + SECOND) == set()


def test_lost_stop_answer_the_stop_stands_and_reaches_the_provider(driver):
    booking = driver.book(driver.user, "lost-stop-1")
    _faults(driver).drop_after_commit = 1
    stopped = driver.stop(booking)
    assert stopped.status == Status.COMPLETED and _ours(driver, booking)["time_end"] == stopped.ends_at
    assert driver.enforced(stopped.ends_at + SECOND) == set()


def test_a_stop_while_the_provider_is_down_is_sent_until_it_answers_within_the_grace(driver):
    booking = driver.book(driver.user, "down-stop-1")
    _faults(driver).status = 503
    stopped = driver.stop(booking)
    # the driver stops paying at once; the provider still shows the old end
    assert stopped.status == Status.COMPLETED and _paid(booking) == stopped.amount
    assert driver.enforced(stopped.ends_at + SECOND) == {booking.provider_ref}
    _faults(driver).reset()
    driver.clock.move_to(_now() + timedelta(minutes=1))  # the job's next minute
    driver.send_due()
    assert _ours(driver, booking)["time_end"] == stopped.ends_at
    assert driver.enforced(_now()) == set() and _now() <= stopped.ends_at + driver.hold


def test_lost_delete_answer_the_repeat_finds_it_gone_and_nothing_is_charged(driver):
    booking = driver.book(driver.user, "lost-delete-1")
    _faults(driver).drop_after_commit = 1
    cancelled = driver.cancel(booking)
    assert cancelled.status == Status.CANCELLED and _paid(booking) == 0
    assert booking.provider_ref not in driver.remote_refs()


def test_a_cancel_while_the_provider_is_down_is_deleted_when_it_answers(driver):
    booking = driver.book(driver.user, "down-delete-1")
    _faults(driver).status = 503
    cancelled = driver.cancel(booking)
    assert cancelled.status == Status.CANCELLED and _paid(booking) == 0
    assert booking.provider_ref in driver.remote_refs()
    _faults(driver).reset()
    driver.clock.move_to(_now() + timedelta(minutes=1))
    driver.send_due()
    assert booking.provider_ref not in driver.remote_refs() and driver.enforced(_now()) == set()


def test_a_create_carried_out_late_ends_within_the_hold(driver):
    faults = _faults(driver)
    faults.late_commit = 1
    booking = driver.book(driver.user, "late-create-1")
    assert booking.status == Status.ACTIVE
    sent_at = _now()
    assert faults.commit_late(driver.sandbox) == 1
    [late] = [row for row in driver.remote_rows() if row["id"] != booking.provider_ref]
    assert late["time_end"] <= sent_at + driver.hold
    cancelled = driver.cancel(booking)
    assert cancelled.status == Status.CANCELLED and _paid(booking) == 0
    assert driver.enforced(cancelled.ends_at + driver.hold + SECOND) == set()


def test_an_extension_carried_out_after_the_stop_is_overwritten_within_the_grace(driver):
    faults = _faults(driver)
    booking = driver.book(driver.user, "late-extend-1")
    faults.late_commit = 1  # the first send of the extension is carried out only later
    extended = driver.extend(booking, booking.ends_at + timedelta(minutes=30))
    stopped = driver.stop(extended)
    assert _ours(driver, booking)["time_end"] == stopped.ends_at
    assert faults.commit_late(driver.sandbox) == 1  # the stale extension lands after the stop
    assert driver.enforced(stopped.ends_at + SECOND) == {booking.provider_ref}
    report_due = booking.hub_report.due_at
    assert report_due is not None and report_due <= stopped.ends_at + driver.hold
    driver.clock.move_to(report_due)
    driver.send_due()
    assert _ours(driver, booking)["time_end"] == stopped.ends_at and driver.enforced(_now()) == set()
