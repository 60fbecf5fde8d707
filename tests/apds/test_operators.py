"""The operators' side of the embedded platform: the admins' console, the CLI and the demo feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, jobs, operator_side, places, sessions
from webapp.extensions import db

ARNDALE = "805432"
CONSOLE = "/admin/carparks/operators"


@pytest.fixture
def platform(app):
    sandbox = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    sandbox.extensions["apds_sender"] = lambda url, headers, body: receiver.post(
        url.removeprefix("https://parkgo.test"), data=body, headers=headers).status_code
    places.sync_places()
    return sandbox


@pytest.fixture
def admin(make_user, login, platform):
    user = make_user(role="admin")
    login(user)
    return user


def test_only_admins_drive_the_cameras(client, make_user, login, platform):
    assert client.get(CONSOLE).status_code in (302, 303)  # a guest logs in first
    login(make_user())
    assert client.get(CONSOLE).status_code == 403
    assert client.post(CONSOLE, data={"place": ARNDALE, "plate": "BD18SMR", "action": "enter"}).status_code == 403
    assert operator_side.cars_inside() == []


def test_the_console_lets_a_registered_car_in_and_out_and_the_driver_sees_it(client, admin, make_user):
    driver = make_user()
    add_vehicle(driver.id, "GB", "BD18 SMR")
    registration = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id,
                                           datetime.now(UTC) + timedelta(days=1), "op-1")
    page = client.get(CONSOLE).get_data(as_text=True)
    assert "Arndale Car Park" in page and "No car inside." in page

    entered = client.post(CONSOLE, data={"place": ARNDALE, "plate": "BD18 SMR", "action": "enter"})
    assert entered.status_code == 303
    page = client.get(CONSOLE).get_data(as_text=True)
    assert "BD18SMR" in page and "(United Kingdom Time)" in page
    db.session.refresh(registration)
    assert registration.apds.entered_at is not None  # delivered at once, not at the next minute's job

    assert client.post(CONSOLE, data={"place": ARNDALE, "plate": "BD18SMR", "action": "exit"}).status_code == 303
    db.session.refresh(registration)
    assert registration.apds.exited_at is not None and registration.apds.paid_at is not None
    assert operator_side.cars_inside() == []


@pytest.mark.parametrize(("data", "message"), [
    ({"place": ARNDALE, "plate": "NOTIN1", "action": "exit"}, "is not inside"),
    ({"place": ARNDALE, "plate": "", "action": "enter"}, "Enter the plate the camera reads."),
    ({"place": "no-such-place", "plate": "AB12CDE", "action": "enter"}, "Not a valid choice"),
    ({"place": ARNDALE, "plate": "AB12CDE", "action": "fly"}, "Not a valid choice"),
])
def test_a_move_the_platform_refuses_is_shown_on_the_form(client, admin, data, message):
    answer = client.post(CONSOLE, data=data)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)


def test_the_cli_drives_the_same_cameras(app, platform):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["apds", "operator", "enter", ARNDALE, "AB12 CDE"])
    assert result.exit_code == 0, result.output
    assert [c.plate for c in operator_side.cars_inside()] == ["AB12CDE"]
    again = runner.invoke(args=["apds", "operator", "enter", ARNDALE, "AB12CDE"])
    assert again.exit_code == 1 and "already inside" in again.output
    bad_time = runner.invoke(args=["apds", "operator", "leave", ARNDALE, "AB12CDE", "--at", "yesterday"])
    assert bad_time.exit_code == 2 and "ISO 8601" in bad_time.output


def test_the_demo_feed_moves_cars_and_keeps_each_in_one_car_park(app, platform):
    moved = sum(jobs.drive_demo_traffic(3) for _ in range(6))
    assert moved > 0
    inside = operator_side.cars_inside()
    assert len({car.plate for car in inside}) == len(inside)  # a car is in one car park at a time
    assert {car.place_id for car in inside} <= set(jobs.DEMO_PLACES)


def test_with_a_real_platform_there_are_no_cameras_to_drive(app, monkeypatch):
    monkeypatch.setattr(operator_side, "platform_sandbox", lambda: None)
    monkeypatch.setattr(jobs, "platform_sandbox", lambda: None)
    assert jobs.drive_demo_traffic(3) == 0
    with pytest.raises(operator_side.OperatorSideUnavailableError):
        operator_side.drive_car(operator_side.ENTER, ARNDALE, "AB12CDE")


@pytest.mark.parametrize("typed", ["97-KGT-1", "97 kgt 1", "97KGT1"])
def test_the_camera_reads_a_plate_as_letters_and_digits_however_it_is_typed(client, admin, make_user, typed):
    driver = make_user()
    add_vehicle(driver.id, "NL", "97-KGT-1")
    registration = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id,
                                           datetime.now(UTC) + timedelta(days=1), "op-typed-plate")
    assert client.post(CONSOLE, data={"place": ARNDALE, "plate": typed, "action": "enter"}).status_code == 303
    assert [car.plate for car in operator_side.cars_inside()] == ["97KGT1"]
    assert client.post(CONSOLE, data={"place": ARNDALE, "plate": "97-kgt-1", "action": "exit"}).status_code == 303
    db.session.refresh(registration)
    assert registration.apds.entered_at is not None  # the registration of "97-KGT-1" was found
