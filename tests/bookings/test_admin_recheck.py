"""The admin's re-check after a booking's whole life: start → extend → stop (or cancel), then "Re-check
with the provider" as an admin, read from the page's text.

After a normal journey the re-check reports no difference; after the provider's own store is changed
behind our back (the sandbox's tables, written directly) it reports the difference — so the check can
fail. Each journey lets time pass with time-machine, so the regret time ends, an extension is the
after-regret change of seed 002 §6.7.3, and a stopped parking is over when re-checked.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import holidays
import pytest
import time_machine
from sqlalchemy import select, update

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import places, sessions
from webapp.apds.sandbox.store import sessions as platform_sessions
from webapp.bookings.models import Action, Booking, Status
from webapp.core.clock import HELSINKI, utcnow
from webapp.extensions import db
from webapp.helsinki import areas, parkings
from webapp.helsinki.sandbox.store import parkings as city_parkings

NO_DIFFERENCE = "No difference: the provider agrees with our record."


def flashes(page: str) -> list[str]:
    """The messages the page shows in its flash area, as text."""
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', page, re.S)]


def last_answer(page: str) -> dict:
    """The admin page's "The provider's last answer" (the JSON it shows)."""
    found = re.search(r'<pre class="payload">(.*?)</pre>', page, re.S)
    assert found, "the admin page shows no provider answer"
    return json.loads(html_lib.unescape(found.group(1)))


def recheck(client, booking: Booking) -> tuple[list[str], str]:
    """Press "Re-check with the provider" as the logged-in admin; the page's messages (not the map's note)."""
    response = client.post(f"/admin/bookings/{booking.public_ref}/recheck", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return [m for m in flashes(page) if "base map" not in m], page


def _business_morning() -> datetime:
    """The next Finnish business day at 10:00 in Helsinki, in UTC (parking is charged then)."""
    day = utcnow().astimezone(HELSINKI).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in holidays.Finland():
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture
def driver(make_user):
    return make_user(name="Aino Virtanen")


@pytest.fixture
def admin(client, make_user, login):
    login(make_user("support@example.com", role="admin"))
    return client


@pytest.fixture
def clock():
    """The app's and the sandboxes' clock, stopped at a Finnish business morning; ``shift`` moves it."""
    with time_machine.travel(_business_morning(), tick=False) as traveller:
        yield traveller


# -- Helsinki (seed 002) --------------------------------------------------------------------------


@pytest.fixture
def city(app, driver, clock):
    areas.sync_areas()
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)
    add_vehicle(driver.id, "FI", "ABC-123")
    return {"area": area, "store": app.extensions["providers"].sandbox_app("helsinki").extensions["helsinki_store"]}


def _city_row(city, booking: Booking) -> dict:
    with city["store"].read() as conn:
        return dict(conn.execute(select(city_parkings).where(
            city_parkings.c.parking_id == booking.provider_ref)).mappings().one())


def _start(driver, city, key: str) -> Booking:
    return parkings.start_parking(driver.id, city["area"].area_id, driver.vehicles[0].id,
                                  utcnow() + timedelta(hours=1), key)


def test_helsinki_extended_after_the_regret_time_and_stopped_rechecks_without_difference(admin, driver, city,
                                                                                            clock):
    booking = _start(driver, city, "recheck-hki-1")
    planned_end = booking.ends_at
    clock.shift(timedelta(minutes=5))  # past the 2-minute regret time: only the stop may change (§6.7.3)
    parkings.extend_parking(driver.id, booking.public_ref, planned_end + timedelta(hours=1), booking.version)
    clock.shift(timedelta(minutes=35))
    parkings.stop_parking(driver.id, booking.public_ref, booking.version)
    stopped_at = booking.ends_at
    assert _city_row(city, booking)["stop_ts"] == int(stopped_at.timestamp())  # the city holds the stop
    clock.shift(timedelta(minutes=1))

    said, page = recheck(admin, booking)
    assert said == [NO_DIFFERENCE]
    # the provider's last answer is the stop's, not the start's
    answer = last_answer(page)
    assert datetime.fromisoformat(answer["stop"]) == stopped_at
    assert answer["device_id"] == f"parkgo:{booking.public_ref}"

    # the city's store says the parking still runs to its first planned end: the re-check says so
    with city["store"].write() as conn:
        conn.execute(update(city_parkings).where(city_parkings.c.parking_id == booking.provider_ref)
                     .values(stop_ts=int(planned_end.timestamp())))
    said, _page = recheck(admin, booking)
    assert said[0] == "The provider says Active; our record says Completed."
    assert said[1].startswith("The provider's end time differs from ours: ") and "11:00:00 at the provider" in said[1]
    assert NO_DIFFERENCE not in said


def test_helsinki_started_extended_and_stopped_within_seconds_rechecks_without_difference(admin, driver, city, clock):
    """The issue's own journey: everything inside the regret time, the stop 10 s after the start."""
    booking = _start(driver, city, "recheck-hki-2")
    clock.shift(timedelta(seconds=3))
    parkings.extend_parking(driver.id, booking.public_ref, booking.ends_at + timedelta(minutes=30), booking.version)
    clock.shift(timedelta(seconds=2))
    parkings.stop_parking(driver.id, booking.public_ref, booking.version)
    assert booking.status == Status.COMPLETED and booking.ends_at == booking.starts_at + timedelta(seconds=10)

    # at once, while the city still counts the last seconds of the stop's grace ...
    said, page = recheck(admin, booking)
    assert said == [NO_DIFFERENCE]
    assert datetime.fromisoformat(last_answer(page)["stop"]) == booking.ends_at
    # ... and once the stop has passed
    clock.shift(timedelta(minutes=3))
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]
    # the re-check is an event with the city's copy; the booking itself is not changed by it
    db.session.refresh(booking)
    assert booking.events[-1].action == Action.RECONCILE
    assert datetime.fromisoformat(booking.events[-1].payload["stop"]) == booking.ends_at
    assert booking.status == Status.COMPLETED


def test_helsinki_cancelled_in_the_regret_time_rechecks_without_difference(admin, driver, city, clock):
    booking = _start(driver, city, "recheck-hki-3")
    row = _city_row(city, booking)
    clock.shift(timedelta(seconds=40))
    parkings.cancel_parking(driver.id, booking.public_ref, booking.version)
    assert booking.status == Status.CANCELLED
    clock.shift(timedelta(minutes=1))
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]  # the city deleted it, as a cancellation does (§6.8)

    # the city's store still holds the parking: the cancellation did not happen there
    with city["store"].write() as conn:
        conn.execute(city_parkings.insert().values(**row))
    said, _page = recheck(admin, booking)
    assert said[0] == "The provider says Active; our record says Cancelled."
    assert said[1].startswith("The provider's end time differs from ours: ") and len(said) == 2


def test_helsinki_parking_that_ran_to_its_end_rechecks_without_difference(admin, driver, city, clock):
    booking = _start(driver, city, "recheck-hki-4")
    clock.shift(timedelta(hours=1, minutes=5))
    assert booking.status == Status.ACTIVE  # nothing moves a parking that simply ended: the end time says it
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]


# -- APDS pay-by-phone (seed 003 flow 2) ------------------------------------------------------------

ARNDALE = "805432"


@pytest.fixture
def platform(app, driver, clock):
    add_vehicle(driver.id, "GB", "BD18 SMR")
    places.sync_places()
    return {"api": app.extensions["providers"].get("apds"),
            "store": app.extensions["providers"].sandbox_app("apds").extensions["apds_store"]}


def test_apds_pay_by_phone_extended_and_stopped_rechecks_without_difference(admin, driver, platform, clock):
    clock.move_to(utcnow() + timedelta(microseconds=654321))  # a start with a fraction of a second
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "recheck-apds-1")
    first = platform["api"].session(booking.provider_ref)
    clock.shift(timedelta(minutes=10))
    sessions.extend_session(driver.id, booking.public_ref, 60, booking.version)
    clock.shift(timedelta(minutes=40))
    sessions.stop_session(driver.id, booking.public_ref, booking.version)
    stored = platform["api"].session(booking.provider_ref)
    # our record holds the platform's own times and amount, to the microsecond
    assert (booking.starts_at, booking.ends_at, booking.amount) == (stored.actual_start, stored.actual_end,
                                                                      stored.amount)
    assert stored.version == 3 and stored.amount != first.amount
    clock.shift(timedelta(seconds=30))

    said, page = recheck(admin, booking)
    assert said == [NO_DIFFERENCE]
    answer = last_answer(page)
    assert answer["version"] == 3 and Decimal(answer["amount"]) == stored.amount
    assert datetime.fromisoformat(answer["end"]) == stored.actual_end

    # the platform's store says the session runs on to the extended end, at the extended price
    with platform["store"].begin() as conn:
        row = conn.execute(select(platform_sessions).where(platform_sessions.c.id == booking.provider_ref)).one()
        document = json.loads(row.document)
        extended_end = booking.starts_at + timedelta(hours=2)
        document["actualEnd"] = document["segments"][-1]["actualEnd"] = extended_end.strftime("%Y-%m-%dT%H:%M:%SZ")
        document["segments"][-1]["financialTransactions"][0]["segmentValue"] = 9.9
        conn.execute(update(platform_sessions).where(platform_sessions.c.id == booking.provider_ref)
                     .values(end_ts=int(extended_end.timestamp()), document=json.dumps(document)))
    said, _page = recheck(admin, booking)
    assert said[0] == "The provider says Active; our record says Completed."
    assert said[1].startswith("The provider's end time differs from ours: ")
    assert said[2] == (f"The provider's amount differs from ours: £9.90 at the provider, £{booking.amount} in our "
                       "record.")


def test_apds_pay_by_phone_running_rechecks_without_difference(admin, driver, platform, clock):
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 90, "recheck-apds-2")
    clock.shift(timedelta(minutes=20))
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]
    clock.shift(timedelta(hours=2))  # it ran to its end
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]


# -- rent-car (seed 001): a change of dates, then a cancellation ------------------------------------


def test_rentcar_changed_then_cancelled_rechecks_without_difference(app, admin, make_user):
    from tests.rentcar.conformance import RentcarDriver
    from webapp.rentcar import rentals
    from webapp.rentcar.sandbox.store import reservations as company_reservations

    rent = RentcarDriver(app)
    user = make_user()
    booking = rent.book(user, "recheck-rent-1")
    rent.change(booking, booking.version)
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]
    store = app.extensions["providers"].sandbox_app("rentcar").extensions["rentcar_store"]
    with store.begin() as conn:
        conn.execute(update(company_reservations).where(company_reservations.c.revnum == booking.provider_ref)
                     .values(car_fee=company_reservations.c.car_fee + 10000))
    said, _page = recheck(admin, booking)
    assert said == [f"The provider's amount differs from ours: ₩{booking.amount + 10000:,.0f} at the provider, "
                    f"₩{booking.amount:,.0f} in our record."]
    with store.begin() as conn:
        conn.execute(update(company_reservations).where(company_reservations.c.revnum == booking.provider_ref)
                     .values(car_fee=company_reservations.c.car_fee - 10000))
    rentals.cancel_rental(user.id, booking.public_ref, booking.version, "plans changed")
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]


def test_apds_ticketless_stay_paid_at_the_exit_rechecks_without_difference(app, admin, driver, platform, clock):
    from webapp.apds import events

    sandbox = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    sandbox.extensions["apds_sender"] = lambda url, headers, body: receiver.open(
        url.removeprefix("https://parkgo.test"), method="POST", data=body, headers=headers).status_code
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, utcnow() + timedelta(days=2),
                                      "recheck-apds-tl")
    assert recheck(admin, booking)[0] == [NO_DIFFERENCE]  # registered, the car not seen yet
    for action, later in (("enter", timedelta(minutes=1)), ("exit", timedelta(hours=2, minutes=1))):
        clock.shift(later if action == "enter" else later - timedelta(minutes=1))
        answer = sandbox.test_client().post(f"/_sandbox/operators/{action}", json={
            "place": ARNDALE, "plate": "BD18SMR", "at": utcnow().isoformat()})
        assert answer.status_code < 300, answer.get_json()
        sandbox.test_client().post("/_sandbox/deliveries")
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED and booking.amount
    clock.shift(timedelta(minutes=1))
    said, page = recheck(admin, booking)
    assert said == [NO_DIFFERENCE]
    assert Decimal(last_answer(page)["amount"]) == booking.amount  # the paid stay, not the registration

    with platform["store"].begin() as conn:
        row = conn.execute(select(platform_sessions).where(platform_sessions.c.id == booking.apds.session_id)).one()
        document = json.loads(row.document)
        document["segments"][-1]["financialTransactions"][0]["segmentValue"] = 1.0
        conn.execute(update(platform_sessions).where(platform_sessions.c.id == booking.apds.session_id)
                     .values(document=json.dumps(document)))
    said, _page = recheck(admin, booking)
    assert said == [f"The provider's amount differs from ours: £1.00 at the provider, £{booking.amount} in our "
                    "record."]


# -- 247Parking (seed 004): no look-up call -------------------------------------------------------


def test_valet_recheck_after_a_change_and_a_cancellation_says_it_cannot_compare(app, admin, make_user):
    from tests.valet.conformance import ValetDriver
    from webapp.valet import reservations

    valet = ValetDriver(app)
    user = make_user()
    valet.prepare_user(user)
    booking = valet.book(user, "recheck-valet-1")
    cannot = ("This provider has no look-up call, so its copy cannot be compared from here. "
              "Ask the provider if in doubt.")
    valet.change(booking, booking.version)
    assert recheck(admin, booking)[0] == [cannot]  # never "no difference", never "settle by hand"
    reservations.cancel_valet(user.id, booking.public_ref, booking.version)
    assert recheck(admin, booking)[0] == [cannot]
