"""The same Helsinki pages on both backends: the city API (seed 002) and the city's parking hub (parkkihubi).

A driver starts, extends and stops a parking and cancels another within the regret time through
the pages; the booking page, the history, the receipt (page and PDF) and the admin's re-check say
the same on both, and what the other side holds is what the booking says.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.bookings import ledger
from webapp.bookings.models import Booking, Status
from webapp.config import ConfigurationError, TestingConfig
from webapp.core.clock import HELSINKI
from webapp.extensions import db
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import hub
from webapp.parkkihubi.sandbox.store import from_micros

FMT = "%Y-%m-%dT%H:%M"


def _business_morning() -> datetime:
    day = datetime.now(HELSINKI).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture(params=["city-api", "parkkihubi"])
def backend(request, app, time_machine):
    time_machine.move_to(_business_morning(), tick=False)
    app.config["HELSINKI_BACKEND"] = request.param
    return request.param


@pytest.fixture
def hub_backend(app, time_machine):
    time_machine.move_to(_business_morning(), tick=False)
    app.config["HELSINKI_BACKEND"] = "parkkihubi"
    return "parkkihubi"


@pytest.fixture
def driver(make_user):
    user = make_user("driver@example.com")
    add_vehicle(user.id, "FI", "ABC-123")
    return user


def _area():
    helsinki_areas.sync_areas()
    return next(a for a in helsinki_areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 240)


@pytest.fixture
def area(app, hub_backend):
    return _area()


def _remote_end(app, backend, booking):
    """The end the other side holds for ``booking`` (None: it holds nothing)."""
    if backend == "parkkihubi":
        store = app.extensions["providers"].sandbox_app("parkkihubi").extensions["parkkihubi_store"]
        rows = [r for r in store.all_parkings("ABC-123") if r["id"] == booking.provider_ref]
        return from_micros(rows[0]["time_end"]) if rows else None
    city = app.extensions["providers"].get("helsinki")
    found = [p for p in city.parkings(register_number="ABC-123") if p.parking_id == booking.provider_ref]
    return found[0].stop if found else None


def _start(client, area, driver, minutes="60", status=303):
    page = client.get(f"/parking/areas/{area.area_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/parking/areas/{area.area_id}",
                           data={"vehicle_id": driver.vehicles[0].id, "duration": minutes, "idempotency_key": key})
    assert response.status_code == status
    client.last_page = response.get_data(as_text=True)
    return db.session.scalar(db.select(Booking).order_by(Booking.id.desc()))


def test_start_extend_stop_and_cancel_read_the_same_on_both_backends(app, client, login, make_user, backend, driver):
    area = _area()
    login(driver)
    booking = _start(client, area, driver)
    assert booking.status == Status.ACTIVE and booking.provider == ("parkkihubi" if backend == "parkkihubi"
                                                                    else "helsinki")
    assert _remote_end(app, backend, booking) == booking.ends_at
    page = client.get(f"/parking/{booking.public_ref}").get_data(as_text=True)
    assert booking.public_ref in page and "Stop now" in page

    new_end = (booking.ends_at + timedelta(hours=1)).astimezone(HELSINKI).replace(second=0, microsecond=0)
    response = client.post(f"/parking/{booking.public_ref}/extend",
                           data={"end_at": new_end.strftime(FMT), "version": booking.version}, follow_redirects=True)
    assert "Parking extended" in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.ends_at == new_end and _remote_end(app, backend, booking) == new_end

    response = client.post(f"/parking/{booking.public_ref}/stop", data={"version": booking.version},
                           follow_redirects=True)
    assert "Parking stopped" in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED and _remote_end(app, backend, booking) == booking.ends_at
    assert ledger.summary(booking).total == booking.amount > 0

    second = _start(client, area, driver, minutes="30")
    response = client.post(f"/parking/{second.public_ref}/cancel", data={"version": second.version},
                           follow_redirects=True)
    assert "Nothing is charged" in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.status == Status.CANCELLED and ledger.summary(second).total == 0
    assert _remote_end(app, backend, second) is None

    history = client.get("/bookings").get_data(as_text=True)
    assert booking.public_ref in history and second.public_ref in history
    detail = client.get(f"/bookings/{booking.public_ref}").get_data(as_text=True)
    assert "Completed" in detail and area.area_id in detail
    assert client.get(f"/bookings/{booking.public_ref}/receipt").status_code == 200
    pdf = client.get(f"/bookings/{booking.public_ref}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    client.post("/logout")
    login(make_user("boss@example.com", role="admin"))
    response = client.post(f"/admin/bookings/{booking.public_ref}/recheck", follow_redirects=True)
    assert "No difference" in response.get_data(as_text=True)
    if backend == "parkkihubi":
        admin_page = client.get(f"/admin/bookings/{booking.public_ref}").get_data(as_text=True)
        # what we last sent and what the hub answered
        assert "PATCH" in admin_page and "time_end" in admin_page and "parkgo:" + booking.public_ref in admin_page


def test_the_hub_receives_the_areas_zone_point_and_our_reference(app, client, login, area, driver):
    login(driver)
    booking = _start(client, area, driver)
    store = app.extensions["providers"].sandbox_app("parkkihubi").extensions["parkkihubi_store"]
    [row] = store.all_parkings("ABC-123")
    assert row["zone"] == str(area.zone) and row["terminal_number"] == f"parkgo:{booking.public_ref}"
    assert store.location_of(row) == {"type": "Point", "coordinates": [area.centre_lon, area.centre_lat]}
    assert row["operator"] == "parkgo-operator" and booking.hub_report.confirmed


def test_a_refused_start_fails_the_booking_and_charges_nothing(app, client, login, area, driver):
    app.extensions["providers"].sandbox_app("parkkihubi").extensions["faults"].status = 401
    login(driver)
    booking = _start(client, area, driver, status=422)  # the form again, with the reason
    assert "temporarily unavailable" in client.last_page
    assert booking.status == Status.FAILED and ledger.summary(booking).total == 0
    assert booking.hub_report.parking_id is None


def test_a_create_answered_to_two_processes_keeps_the_first_id_and_deletes_the_second(app, area, driver,
                                                                                      monkeypatch):
    from webapp.helsinki import parkings

    client = app.extensions["providers"].get("parkkihubi")
    store = app.extensions["providers"].sandbox_app("parkkihubi").extensions["parkkihubi_store"]
    real = client.create_parking
    firsts = []

    def another_process_was_answered_first(**fields):
        first = real(**fields)  # the other process's create, stored as the report's id
        firsts.append(first.id)
        db.session.execute(db.update(hub.HubReport).values(parking_id=first.id))
        db.session.commit()
        monkeypatch.setattr(client, "create_parking", real)
        return real(**fields)

    monkeypatch.setattr(client, "create_parking", another_process_was_answered_first)
    booking = parkings.start_parking(driver.id, area.area_id, driver.vehicles[0].id,
                                     datetime.now(UTC) + timedelta(hours=1), "two-processes")
    assert booking.status == Status.ACTIVE and booking.provider_ref == firsts[0]
    assert [r["id"] for r in store.all_parkings("ABC-123")] == firsts


def test_an_unknown_backend_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigurationError):
        TestingConfig({"INSTANCE_PATH": str(tmp_path), "HELSINKI_BACKEND": "hub"})
    assert TestingConfig({"INSTANCE_PATH": str(tmp_path)}).HELSINKI_BACKEND == "city-api"


def test_the_hub_reports_job_runs_every_minute():
    from webapp.core import jobs
    from webapp.helsinki.jobs import send_hub_reports

    minute = datetime(2026, 12, 7, 10, 41)
    assert "send_hub_reports" in {type(task).__name__ for task in jobs.huey.read_periodic(minute)}
    assert send_hub_reports.task_class().validate_datetime(minute)


def test_a_send_in_the_background_leaves_the_drivers_page_current(app, area, driver, time_machine):
    from webapp.helsinki import parkings

    booking = parkings.start_parking(driver.id, area.area_id, driver.vehicles[0].id,
                                     datetime.now(UTC) + timedelta(hours=1), "background")
    shown = booking.version
    before = booking.provider_payload
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=1), tick=False)
    hub.find_remote(booking, datetime.now(UTC))  # what the admin's re-check sends
    db.session.expire_all()
    assert booking.provider_payload != before and booking.version == shown  # support sees the new answer
    extended = parkings.extend_parking(driver.id, booking.public_ref, booking.ends_at + timedelta(minutes=30), shown)
    assert extended.status == Status.ACTIVE
