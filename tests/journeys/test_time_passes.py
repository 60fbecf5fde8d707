"""Time passes: each provider that books, walked through a booking's whole life with the app's clock and
the sandboxes' clocks moving together (``moving_clock``, tests/support/clock.py).

At each step every page of the booking and every htmx block those pages refresh is rendered — the
block alone, as htmx asks for it — and must answer 200; what it says (status, time left, price so far,
ends at, what a cancellation gives back, whether a change is still possible) must be true at that
moment, which is checked against the provider's own store in its sandbox wherever it can be read.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.journeys.support import amount, block, facts, page, text_of
from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, places, sessions
from webapp.bookings.models import Booking, Status
from webapp.core.clock import AMSTERDAM, HELSINKI, LONDON, SEOUL, format_duration, format_moment, zone_name
from webapp.extensions import db
from webapp.helsinki import areas
from webapp.helsinki.parkings import STOP_GRACE
from webapp.valet import reservations as valet_reservations
from webapp.valet.pricing import ValetChoice
from webapp.valet.sandbox import rules as valet_rules

EN = "en_GB"


def _latest_booking() -> Booking:
    booking = db.session.scalars(db.select(Booking).order_by(Booking.id.desc())).first()
    db.session.refresh(booking)
    return booking


def _history_status(history: str, ref: str) -> str:
    """The status the history's row of ``ref`` shows."""
    row = next(item for item in re.findall(r'<li class="card booking-row">.*?</li>', history, re.S) if ref in item)
    return text_of(re.search(r'<span class="badge[^"]*">(.*?)</span>', row).group(1))


def _common_pages(client, booking: Booking, status: str | None = None) -> dict[str, str]:
    """The booking's pages every provider has: its detail page and the history; both must say ``status``
    (the status as it is now, as the provider's own page says it)."""
    detail = page(client, f"/bookings/{booking.public_ref}")
    history = page(client, "/bookings")
    if status is not None:
        assert facts(detail)["Status"] == status, "the booking page"
        assert _history_status(history, booking.public_ref) == status, "the history"
    return {"detail": detail, "history": history}


# --- Helsinki street parking (seed 002): regret time, extension, the warning, the end, a stop -------------

#: a Tuesday 10:00 in Helsinki, inside every zone's paid hours and no Finnish holiday
HELSINKI_MORNING = datetime(2027, 2, 2, 10, 0, tzinfo=HELSINKI)


@pytest.fixture
def street(app, client, make_user, login, moving_clock):
    """A driver with a Finnish car, logged in at a Helsinki business morning; the city's areas synced."""
    moving_clock.start_at(HELSINKI_MORNING)
    driver = make_user()
    add_vehicle(driver.id, "FI", "ABC-123")
    areas.sync_areas()
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)
    login(driver)
    return {"driver": driver, "area": area, "city": app.extensions["providers"].get("helsinki"),
            "clock": moving_clock}


def _city_parking(street, booking: Booking):
    """The parking as the city holds it (seed §6.5: its start, stop and status evaluated now)."""
    return next(p for p in street["city"].parkings(register_number="ABC-123") if p.parking_id == booking.provider_ref)


def _start_street_parking(client, street, minutes: int, key: str) -> Booking:
    response = client.post(f"/parking/areas/{street['area'].area_id}",
                           data={"vehicle_id": street["driver"].vehicles[0].id, "duration": str(minutes),
                                 "idempotency_key": key, "confirm_overlap": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return _latest_booking()


def _street_pages(client, street, booking: Booking) -> dict[str, str]:
    """Every page of a street parking and every block its page refreshes, checked against the city."""
    db.session.refresh(booking)
    now = street["clock"].now()
    city = _city_parking(street, booking)
    url = f"/parking/{booking.public_ref}"
    whole = page(client, url)
    status = block(client, url, "session-status")
    said = facts(status)
    assert booking.ends_at == city.stop and city.is_valid == (city.start <= now < city.stop)
    # it runs until the city's stop, unless the driver stopped it (the city keeps a few seconds' grace)
    running = booking.status == Status.ACTIVE and now < city.stop

    # the block alone is the same box the whole page shows
    assert facts(re.search(r'<section class="card session" id="session-status".*?</section>', whole, re.S)
                 .group(0)) == said
    assert said["Ends"] == format_moment(city.stop, EN, HELSINKI)
    assert said["Started"] == format_moment(city.start, EN, HELSINKI)
    if running:
        assert said["Status"] == "Active"
        assert said["Time left"] == format_duration(city.stop - now, EN)
        so_far = areas.quote_area_stay(street["area"], city.start, now).total if now > city.start else 0
        assert amount(said["Price so far"]) == so_far
        assert amount(said["Total if it runs to the end"]) == areas.quote_area_stay(
            street["area"], city.start, city.stop).total
        assert 'hx-trigger="every 60s"' in status  # it keeps refreshing while it runs
        preview = block(client, f"{url}/extend/quote", "extension-preview",
                        {"end_at": f"{(city.stop + timedelta(minutes=30)).astimezone(HELSINKI):%Y-%m-%dT%H:%M}",
                         "version": booking.version})
        new_total = areas.quote_area_stay(street["area"], city.start, city.stop + timedelta(minutes=30)).total
        assert amount(re.search(r"New total: <strong>(.*?)</strong>", preview).group(1)) == new_total
    else:
        assert "Time left" not in said and "Price so far" not in said and "hx-trigger" not in status
        assert said["Status"] in ("Completed", "Cancelled")
        assert 'id="extension-preview"' not in whole  # nothing left to extend
    # the free cancellation is offered exactly while the city's regret time runs (seed §6.5.5: 2 minutes)
    in_regret_time = running and now < city.start + timedelta(seconds=120)
    assert ("Cancel parking" in status) == in_regret_time
    return {"session": whole, "status": status, **_common_pages(client, booking, said["Status"])}


def test_a_street_parking_through_its_whole_life(client, street):
    clock = street["clock"]
    start = clock.now()
    booking = _start_street_parking(client, street, 60, "journey-1")
    assert booking.status == Status.ACTIVE and _city_parking(street, booking).start == start
    shown = _street_pages(client, street, booking)
    assert facts(shown["status"])["Time left"] == "1 hr" and amount(facts(shown["status"])["Price so far"]) == 0

    clock.advance(seconds=61)  # inside the regret time, a minute parked
    _street_pages(client, street, booking)

    clock.advance(seconds=60)  # 2 min 1 s: the regret time is over, the box still refreshes
    shown = _street_pages(client, street, booking)
    assert facts(shown["status"])["Time left"] == "58 mins"
    refused = client.post(f"/parking/{booking.public_ref}/cancel", data={"version": booking.version})
    assert refused.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE and _city_parking(street, booking).is_valid

    clock.advance(minutes=10)  # extend by an hour
    new_end = (start + timedelta(hours=2)).astimezone(HELSINKI)
    response = client.post(f"/parking/{booking.public_ref}/extend",
                           data={"end_at": f"{new_end:%Y-%m-%dT%H:%M}", "version": booking.version})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert _city_parking(street, booking).stop == new_end and booking.ends_at == new_end
    assert booking.amount == areas.quote_area_stay(street["area"], start, new_end).total
    _street_pages(client, street, booking)

    clock.move_to(new_end - timedelta(minutes=8))  # the warning: every page's banner says it ends soon
    shown = _street_pages(client, street, booking)
    for name in ("session", "detail", "history"):
        pill = re.search(r'<a href="/parking/[^"]+" class="session-pill ending-soon".*?</a>', shown[name], re.S)
        assert pill and "ends in 8 mins" in text_of(pill.group(0)), name
    assert facts(shown["status"])["Time left"] == "8 mins"

    clock.move_to(new_end + timedelta(minutes=1))  # the end: the city says it no longer runs
    assert not _city_parking(street, booking).is_valid
    shown = _street_pages(client, street, booking)
    assert facts(shown["status"])["Status"] == "Completed"
    assert amount(facts(shown["status"])["Price"]) == booking.amount
    assert "session-pill" not in shown["detail"]  # no banner for a parking that ended


def test_a_street_parking_stopped_early_says_what_was_parked(client, street):
    clock = street["clock"]
    start = clock.now()
    booking = _start_street_parking(client, street, 120, "journey-2")
    clock.advance(minutes=45)
    _street_pages(client, street, booking)
    response = client.post(f"/parking/{booking.public_ref}/stop", data={"version": booking.version})
    assert response.status_code == 303
    db.session.refresh(booking)
    city = _city_parking(street, booking)
    assert booking.status == Status.COMPLETED and city.stop == start + timedelta(minutes=45) + STOP_GRACE
    assert booking.amount == areas.quote_area_stay(street["area"], start, city.stop).total
    shown = _street_pages(client, street, booking)
    assert facts(shown["status"])["Ends"] == format_moment(city.stop, EN, HELSINKI)
    clock.advance(hours=3)  # long after: the same truth
    _street_pages(client, street, booking)


def test_a_street_parking_cancelled_in_the_regret_time(client, street):
    clock = street["clock"]
    booking = _start_street_parking(client, street, 60, "journey-3")
    clock.advance(seconds=90)
    _street_pages(client, street, booking)
    assert client.post(f"/parking/{booking.public_ref}/cancel", data={"version": booking.version}).status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.CANCELLED
    assert not street["city"].parkings(register_number="ABC-123")  # the city deleted it
    shown = page(client, f"/parking/{booking.public_ref}")
    assert facts(shown)["Status"] == "Cancelled" and "Time left" not in shown
    _common_pages(client, booking, "Cancelled")


# --- APDS car parks (seed 003): a pay-by-phone session, and a ticketless registration ----------------------

ARNDALE = "805432"  # Manchester Arndale, a car park of the platform's sandbox
#: a Tuesday 09:00 in Manchester
MANCHESTER_MORNING = datetime(2027, 2, 2, 9, 0, tzinfo=LONDON)


@pytest.fixture
def car_park(app, client, make_user, login, moving_clock):
    """A driver with a British car, logged in; the platform's car parks synced; its events delivered to us."""
    moving_clock.start_at(MANCHESTER_MORNING)
    driver = make_user()
    add_vehicle(driver.id, "GB", "BD18 SMR")
    places.sync_places()
    login(driver)
    platform = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    platform.extensions["apds_sender"] = lambda url, headers, body: receiver.open(
        url.removeprefix("https://parkgo.test"), method="POST", data=body, headers=headers).status_code
    return {"driver": driver, "api": app.extensions["providers"].get("apds"), "platform": platform,
            "place": places.get_place(ARNDALE), "clock": moving_clock}


def _car_park_time(value: datetime, what: str = "datetime") -> str:
    """An instant as the car-park pages write it for a reader in Helsinki: UK time, the zone named."""
    return f"{format_moment(value, EN, LONDON, what)} ({zone_name(LONDON, EN)})"


def _phone_pages(client, car_park, booking: Booking) -> dict[str, str]:
    """The session page, its refreshed status box and extension preview, checked against the platform."""
    db.session.refresh(booking)
    now = car_park["clock"].now()
    remote = car_park["api"].session(booking.provider_ref)  # the platform's own session
    url = f"/carparks/sessions/{booking.public_ref}"
    whole = page(client, url)
    status = block(client, url, "session-status")
    said = facts(status)
    assert said["Started"] == _car_park_time(remote.actual_start)
    assert said["Ends"] == _car_park_time(remote.actual_end) and booking.ends_at == remote.actual_end
    running = booking.status == Status.ACTIVE and now < remote.actual_end
    if running:
        assert said["Status"] == "Active"
        assert said["Time left"] == format_duration(remote.actual_end - now, EN)
        stayed = max(now - remote.actual_start, timedelta(seconds=1))
        assert amount(said["Price so far"]) == places.quote_stay(car_park["place"], remote.actual_start, stayed).total
        assert amount(said["Paid for the whole stay"]) == remote.amount
        rights = car_park["api"].assigned_rights(place=ARNDALE, credential_id="BD18SMR").items
        expiry = max(r.expiry for r in rights if r.expiry is not None)
        assert said["Parking right"] == f"Enforcement sees your right until {_car_park_time(expiry)}"
        assert 'hx-trigger="every 60s"' in status
        preview = block(client, f"{url}/extend/quote", "extension-preview",
                        {"minutes": "30", "version": booking.version})
        new_total = places.quote_stay(car_park["place"], remote.actual_start,
                                      remote.actual_end - remote.actual_start + timedelta(minutes=30)).total
        assert amount(re.search(r"New total: <strong>(.*?)</strong>", preview).group(1)) == new_total
    else:
        assert said["Status"] == "Completed", "a session past its end is over (the platform ended it)"
        assert "Time left" not in said and "hx-trigger" not in status
        assert amount(said["Price"]) == remote.amount == booking.amount
        assert 'id="extension-preview"' not in whole
    return {"session": whole, "status": status, **_common_pages(client, booking, said["Status"])}


def test_a_pay_by_phone_session_through_its_whole_life(client, car_park):
    clock, driver = car_park["clock"], car_park["driver"]
    start = clock.now()
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "journey-apds-1")
    assert booking.status == Status.ACTIVE
    _phone_pages(client, car_park, booking)

    clock.advance(minutes=20)
    _phone_pages(client, car_park, booking)
    response = client.post(f"/carparks/sessions/{booking.public_ref}/extend",
                           data={"minutes": "60", "version": booking.version})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert car_park["api"].session(booking.provider_ref).actual_end == start + timedelta(hours=2)
    _phone_pages(client, car_park, booking)

    clock.move_to(start + timedelta(hours=2) - timedelta(minutes=8))  # near the end
    shown = _phone_pages(client, car_park, booking)
    assert facts(shown["status"])["Time left"] == "8 mins"

    clock.move_to(start + timedelta(hours=2, minutes=1))  # the end has passed
    _phone_pages(client, car_park, booking)


def test_a_pay_by_phone_session_stopped_early(client, car_park):
    clock, driver = car_park["clock"], car_park["driver"]
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 180, "journey-apds-2")
    clock.advance(minutes=50)
    _phone_pages(client, car_park, booking)
    response = client.post(f"/carparks/sessions/{booking.public_ref}/stop", data={"version": booking.version})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED
    shown = _phone_pages(client, car_park, booking)
    assert amount(facts(shown["status"])["Price"]) < places.quote_stay(car_park["place"], booking.starts_at,
                                                                      timedelta(minutes=180)).total
    clock.advance(hours=4)
    _phone_pages(client, car_park, booking)


def _ticketless_pages(client, car_park, booking: Booking) -> dict[str, str]:
    """The registration's page and its status box (refreshed every 5 s), checked against the platform."""
    db.session.refresh(booking)
    url = f"/carparks/sessions/{booking.public_ref}"
    whole = page(client, url)
    status = block(client, url, "session-status")
    said = facts(status)
    remote = car_park["api"].session(booking.apds.session_id) if booking.apds.session_id else None
    if remote is None:  # registered, not entered
        assert said["Entered"] == "Not yet" and said["Left"] == "—" and said["Amount"] == "—"
        assert said["Registered until"] == _car_park_time(booking.ends_at)
    else:
        entered = _car_park_time(remote.actual_start, "time")
        assert said["Entered"] == f"You entered {booking.title} at {entered}"
        if remote.actual_end is None or remote.amount is None:
            assert said["Left"] == "—" and said["Status"] == "Active"
        else:
            assert said["Left"] == _car_park_time(remote.actual_end, "time")
            assert amount(said["Amount"]) == remote.amount
    if booking.status == Status.ACTIVE:
        assert 'hx-trigger="every 5s"' in status and said["Status"] == "Active"
    else:
        assert "hx-trigger" not in status and said["Status"] == "Completed"
    return {"session": whole, "status": status, **_common_pages(client, booking, said["Status"])}


def _camera(car_park, action: str) -> None:
    """The car park's camera sees the car enter or leave now; the platform sends its events to us."""
    answer = car_park["platform"].test_client().post(
        f"/_sandbox/operators/{action}",
        json={"place": ARNDALE, "plate": "BD18SMR", "at": car_park["clock"].now().isoformat()})
    assert answer.status_code < 300, answer.get_data(as_text=True)
    car_park["platform"].test_client().post("/_sandbox/deliveries")


def test_a_ticketless_registration_through_entry_stay_and_exit(client, car_park):
    clock, driver = car_park["clock"], car_park["driver"]
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, clock.now() + timedelta(days=2),
                                      "journey-apds-3")
    _ticketless_pages(client, car_park, booking)
    clock.advance(hours=3)  # registered, not there yet
    _ticketless_pages(client, car_park, booking)
    _camera(car_park, "enter")
    shown = _ticketless_pages(client, car_park, booking)
    assert " at 12:00 (" in facts(shown["status"])["Entered"]  # 09:00 + 3 h, on the car park's clock
    clock.advance(hours=2, minutes=10)
    _ticketless_pages(client, car_park, booking)
    _camera(car_park, "exit")
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED
    shown = _ticketless_pages(client, car_park, booking)
    assert amount(facts(shown["status"])["Amount"]) == booking.amount > 0
    clock.advance(days=3)  # long after the registration's end: the same truth
    _ticketless_pages(client, car_park, booking)


# --- Korean rent-cars (seed 001): the company's free-change deadline passes, then the pick-up and return ----

#: a Tuesday 10:00 in Seoul
SEOUL_MORNING = datetime(2027, 2, 2, 10, 0, tzinfo=SEOUL)


def _company_record(app, booking: Booking):
    """The company's own record of the reservation (revdetail)."""
    return app.extensions["providers"].get("rentcar").reservation_detail("HALLA", revnum=booking.provider_ref)


def _company_deadline(record) -> datetime:
    """R예약변경가능시간 as the company wrote it: Korean wall-clock time."""
    deadline = record.change_deadline
    return deadline.replace(tzinfo=SEOUL) if deadline.tzinfo is None else deadline


def _rental_pages(app, client, booking: Booking, now: datetime) -> dict[str, str]:
    """The manage page, the car page's total (the block it refreshes), checked against the company's record."""
    db.session.refresh(booking)
    record = _company_record(app, booking)
    whole = page(client, f"/rentals/{booking.public_ref}")
    deadline = re.search(r'<p class="rentcar-deadline[^"]*" id="deadline">(.*?)</p>', whole, re.S)
    kst = format_moment(_company_deadline(record), EN, SEOUL)
    if now <= _company_deadline(record):  # the company still takes a change or a cancellation
        assert text_of(deadline.group(1)) == f"Free change or cancellation until {kst} (Korean time)."
        assert f'action="/rentals/{booking.public_ref}/cancel"' in whole
    else:
        assert text_of(deadline.group(1)) == (f"Online changes closed at {kst} (Korean time). "
                                              "Please call the company.")
        assert f'action="/rentals/{booking.public_ref}/cancel"' not in whole
        assert f'action="/rentals/{booking.public_ref}/change"' not in whole
    assert "badge-reserved" in whole and Decimal(record.total) == booking.amount
    # the car page's total, the block its form refreshes, for a stay ahead of this moment
    ahead = (now + timedelta(days=10)).astimezone(SEOUL).replace(hour=10, minute=0)
    total = block(client, "/rentals/cars/HALLA/10101/total", "price-total",
                  {"start": f"{ahead:%Y-%m-%dT%H:%M}", "end": f"{ahead + timedelta(days=2):%Y-%m-%dT%H:%M}",
                   "cover": "none", "pay": "now"})
    assert "₩" in total
    return {"rental": whole, **_common_pages(client, booking, "Reserved")}


def test_a_rental_through_its_deadline_pick_up_and_return(app, client, make_user, login, moving_clock):
    moving_clock.start_at(SEOUL_MORNING)
    login(make_user(name="Kim Minsu", phone="010-1234-5678"))
    start, end = SEOUL_MORNING + timedelta(days=10), SEOUL_MORNING + timedelta(days=13)
    window = {"start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}"}
    html = page(client, "/rentals/cars/HALLA/10101?" + "&".join(f"{k}={v}" for k, v in window.items()))
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    data.update(cover="none", name="Kim Minsu", phone="010-1234-5678", email="kim@example.com", age="30", pay="now",
                idempotency_key=re.search(r'name="idempotency_key"[^>]*value="([^"]*)"', html).group(1))
    assert client.post("/rentals/cars/HALLA/10101", data=data).status_code == 303
    booking = _latest_booking()
    assert booking.status == Status.RESERVED
    deadline = _company_deadline(_company_record(app, booking))
    assert deadline < start
    _rental_pages(app, client, booking, moving_clock.now())

    moving_clock.move_to(deadline - timedelta(minutes=1))  # the last minute of free changes
    _rental_pages(app, client, booking, moving_clock.now())

    moving_clock.move_to(deadline + timedelta(minutes=1))  # closed: the page says so, and the company agrees
    _rental_pages(app, client, booking, moving_clock.now())
    response = client.post(f"/rentals/{booking.public_ref}/cancel", data={"version": booking.version,
                                                                          "reason": "plans changed"})
    assert response.status_code in (303, 422)
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED and _company_record(app, booking).state != "취소"

    for moment in (start + timedelta(hours=1), end + timedelta(hours=1)):  # on rent, then returned
        moving_clock.move_to(moment)
        _rental_pages(app, client, booking, moving_clock.now())


# --- 247Parking valet (seed 004): the free cancellation ends, the drop-off and the return pass ---------------

#: a Tuesday 08:00 in Amsterdam
AMSTERDAM_MORNING = datetime(2027, 2, 2, 8, 0, tzinfo=AMSTERDAM)


def _valet_pages(app, client, booking: Booking, now: datetime) -> dict[str, str]:
    """The reservation page and its change preview, checked against 247Parking's own record and terms."""
    db.session.refresh(booking)
    partner = app.extensions["providers"].sandbox_app("parking247").extensions["parking247"]
    record = partner.reservation(booking.provider_ref)
    whole = page(client, f"/valet/{booking.public_ref}")
    said = facts(whole)
    detail = booking.valet
    assert said["Drop-off"].startswith(format_moment(detail.drop_off, EN, AMSTERDAM))
    assert said["Return flight lands"].startswith(format_moment(detail.arrival, EN, AMSTERDAM))
    assert amount(said.get("Total") or said["Quoted price"]) == Decimal(record.total) == booking.amount
    assert said["Status"] == "Reserved"
    if now < detail.drop_off:  # cancelling still possible: the refund promised is 247Parking's own rule
        promised = amount(re.search(r"Cancel now and get back: <strong>(.*?)</strong>", whole).group(1))
        assert promised == valet_rules.refund_on_cancel(record.fields, Decimal(record.total), partner.prices, now)
    else:
        assert "Cancel now and get back" not in whole
    if now < detail.arrival:  # a change is still possible: its preview is the block the form refreshes
        later = (detail.arrival + timedelta(days=1)).astimezone(AMSTERDAM)
        preview = block(client, f"/valet/{booking.public_ref}/change/quote", "change-preview",
                        {"drop_off": f"{detail.drop_off.astimezone(AMSTERDAM):%Y-%m-%dT%H:%M}",
                         "arrival": f"{later:%Y-%m-%dT%H:%M}", "wash": "0", "version": booking.version})
        assert "Difference" in preview  # a parked car's return can still move (its drop-off stays)
    else:
        assert 'id="change-preview"' not in whole
    return {"reservation": whole, **_common_pages(client, booking, "Reserved")}


def test_a_valet_reservation_through_free_cancellation_drop_off_and_return(app, client, make_user, login,
                                                                          moving_clock):
    moving_clock.start_at(AMSTERDAM_MORNING)
    driver = make_user()
    add_vehicle(driver.id, "NL", "97-KGT-1")
    login(driver)
    drop_off = AMSTERDAM_MORNING.astimezone(UTC) + timedelta(days=3)
    choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off, arrival=drop_off + timedelta(days=5),
                         persons=2, payment="ideal")
    booking = valet_reservations.book_valet(driver.id, valet_reservations.ValetRequest(
        choice=choice, vehicle_id=driver.vehicles[0].id, email=driver.email), "journey-valet-1")
    assert booking.status == Status.RESERVED
    shown = _valet_pages(app, client, booking, moving_clock.now())
    assert "Free cancellation until" in shown["reservation"]

    moving_clock.move_to(drop_off - timedelta(hours=25))  # the last hour of free cancellation
    _valet_pages(app, client, booking, moving_clock.now())
    moving_clock.move_to(drop_off - timedelta(hours=23))  # not free any more: nothing back without insurance
    shown = _valet_pages(app, client, booking, moving_clock.now())
    assert amount(re.search(r"Cancel now and get back: <strong>(.*?)</strong>", shown["reservation"]).group(1)) == 0

    later = (booking.valet.arrival + timedelta(days=1)).astimezone(AMSTERDAM)  # a day longer, still possible
    response = client.post(f"/valet/{booking.public_ref}/change", data={
        "drop_off": f"{drop_off.astimezone(AMSTERDAM):%Y-%m-%dT%H:%M}", "arrival": f"{later:%Y-%m-%dT%H:%M}",
        "wash": "0", "version": booking.version})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    _valet_pages(app, client, booking, moving_clock.now())

    for moment in (drop_off + timedelta(hours=1), later + timedelta(hours=1)):  # parked, then back home
        moving_clock.move_to(moment)
        _valet_pages(app, client, booking, moving_clock.now())
