"""The reconciliation sweep is fair and finishes (issue 21).

It took the 500 oldest unsettled bookings of all providers: after a 247Parking outage left hundreds
unknown for ever (seed 004 has no look-up call), every sweep "checked" the same 500 and a Helsinki
parking the city held stayed unknown past its deadline. Now each provider has its own batch, least
recently checked first; what cannot be looked up is not looked up in a loop; a provider that does not
answer gives up its turn; and the figures per provider are logged and kept for the admins.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.bookings import reconcile
from webapp.bookings.models import Booking, Status, SweepRecord
from webapp.bookings.registry import adapter_for
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderUnavailableError
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings


@pytest.fixture
def driver(make_user):
    user = make_user("driver@example.com")
    add_vehicle(user.id, "FI", "ABC-123")
    return user


@pytest.fixture
def city(app):
    return app.extensions["providers"].sandbox_app("helsinki")


def _held_by_the_city_but_unknown_here(driver, city) -> Booking:
    """A start whose city commit came after we gave up: the city holds the parking, we do not know it."""
    helsinki_areas.sync_areas()
    area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
    faults = city.extensions["faults"]
    faults.late_commit = 1
    now = datetime.now(UTC)
    booking = parkings.start_parking(driver.id, area.area_id, driver.vehicles[0].id, now + timedelta(minutes=60),
                                     "late-1", contact_email=driver.email, now=now)
    assert booking.status == Status.UNKNOWN
    assert faults.commit_late(city) == 1  # now the city has it
    return booking


def _backlog(user, count: int, kind: str, provider: str, age: timedelta) -> None:
    """``count`` unknown bookings of ``provider``, older than anything else (one insert)."""
    made = utcnow() - age
    db.session.add_all([Booking(public_ref=f"ZZ-{n:06d}", user_id=user.id, kind=kind, provider=provider,
                                title="backlog", status=Status.UNKNOWN, created_at=made + timedelta(seconds=n),
                                updated_at=made) for n in range(count)])
    db.session.commit()


def test_one_sweep_settles_helsinki_behind_600_unknown_valet_bookings(app, driver, city, caplog):
    _backlog(driver, 600, "valet", "parking247", age=timedelta(days=2))
    booking = _held_by_the_city_but_unknown_here(driver, city)

    with caplog.at_level(logging.INFO, logger="webapp.bookings.reconcile"):
        report = reconcile.sweep()

    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE and booking.provider_ref
    helsinki, valet = report.providers["helsinki"], report.providers["parking247"]
    assert (helsinki.checked, helsinki.settled, helsinki.left) == (1, 1, 0)
    assert valet.checked == 0 and valet.awaiting_support == 600  # never looked up: support settles them
    assert "helsinki: checked 1: settled 1" in caplog.text and "awaiting support 600" in caplog.text
    record = db.session.query(SweepRecord).one()
    assert record.figures["helsinki"]["settled"] == 1 and record.figures["parking247"]["awaiting_support"] == 600


def test_every_provider_gets_its_turn_whatever_another_ones_backlog(app, driver, city, monkeypatch):
    _backlog(driver, 250, "rental", "rentcar", age=timedelta(days=1))
    booking = _held_by_the_city_but_unknown_here(driver, city)
    rentcar = adapter_for("rental")
    asked = []

    def down(remote_booking):
        asked.append(remote_booking.id)
        raise ProviderUnavailableError("rentcar", "503", "down")

    monkeypatch.setattr(rentcar, "find_remote", down)

    report = reconcile.sweep(batch=100)

    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE
    figures = report.providers["rentcar"]
    # a provider that does not answer gives up its turn after a few look-ups, not after 100 timeouts
    assert figures.paused and figures.look_up_failed == reconcile.FAILURES_BEFORE_PAUSE == len(asked)
    assert figures.left == 250 - len(asked)


def test_the_least_recently_checked_go_first_so_a_backlog_is_worked_through(app, driver, monkeypatch):
    _backlog(driver, 5, "rental", "rentcar", age=timedelta(hours=1))
    rentcar = adapter_for("rental")
    asked: list[int] = []
    monkeypatch.setattr(rentcar, "find_remote", lambda b: asked.append(b.id) or [])
    monkeypatch.setattr(rentcar, "settle_deadline", lambda b: utcnow() + timedelta(hours=1))

    reconcile.sweep(batch=2)
    reconcile.sweep(batch=2)
    reconcile.sweep(batch=2)

    ids = [b.id for b in db.session.query(Booking).order_by(Booking.created_at)]
    assert asked[:4] == ids[:4] and asked[4] == ids[4]  # all five reached before any is asked twice
    assert len(set(asked[:5])) == 5


def test_checking_a_booking_does_not_change_its_version(app, driver, monkeypatch):
    _backlog(driver, 1, "rental", "rentcar", age=timedelta(hours=1))
    rentcar = adapter_for("rental")
    monkeypatch.setattr(rentcar, "find_remote", lambda b: (_ for _ in ()).throw(
        ProviderUnavailableError("rentcar", "503", "down")))
    booking = db.session.query(Booking).one()
    version = booking.version

    reconcile.sweep()

    db.session.expire_all()
    booking = db.session.query(Booking).one()
    # the admin's "settle by hand" form carries the version: a sweep must not make it stale
    assert booking.version == version and booking.last_checked_at is not None


def test_an_unknown_booking_always_has_a_dated_next_step(app, driver, city):
    booking = _held_by_the_city_but_unknown_here(driver, city)
    assert booking.next_step_at is not None
    assert booking.next_step_at == adapter_for("street_parking").settle_deadline(booking)


def test_admins_see_the_last_sweeps_figures_per_provider(app, client, login, driver, city, make_user):
    _backlog(driver, 3, "valet", "parking247", age=timedelta(days=2))
    _held_by_the_city_but_unknown_here(driver, city)
    reconcile.sweep()
    login(make_user("support@example.com", role="admin"))
    for path in ("/admin/attention", "/admin/support"):
        html = client.get(path).get_data(as_text=True)
        assert "Last reconciliation sweep" in html
        assert "<td>helsinki</td><td>1</td><td>1</td>" in html and "<td>parking247</td>" in html
