"""Money as a ledger, per provider: a booking's whole life (book → change or extend → cancel or stop),
after each step the ledger's entries, and what the booking page and the history row *say* (their text,
parsed), compared with the provider's own record of the price or the refund in its sandbox."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import holidays
import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, places, sessions
from webapp.bookings import ledger
from webapp.bookings.models import AT_COUNTER, PAID_NOW, Booking, Status
from webapp.core.clock import HELSINKI, SEOUL, utcnow
from webapp.extensions import db
from webapp.helsinki import areas, parkings
from webapp.rentcar import rentals
from webapp.valet import reservations
from webapp.valet.pricing import ValetChoice

# prices spelled out here are daytime prices (the Arndale's evening flat rate starts at 18:00)
pytestmark = pytest.mark.usefixtures("business_hours")

# -- what the pages say --------------------------------------------------------------------


def _amount(text: str) -> Decimal:
    """An amount as an English page writes it ("₩322,600", "-€5.50", "£3.70") as a Decimal."""
    plain = re.sub(r"<[^>]+>", "", text).replace("\u2212", "-")
    number = re.sub(r"[^\d.\-]", "", plain)
    assert number, f"no amount in {text!r}"
    return Decimal(number)


def payments_on(html: str) -> dict:
    """The booking page's Payments section: its entries (what, how, amount) and its sums."""
    section = re.search(r'<section class="card" id="booking-payments".*?</section>', html, re.S)
    if section is None:
        return {"entries": [], "figures": {}}
    text = section.group(0)
    rows = re.findall(r'<tr class="payment[^"]*" data-settlement="\w+">\s*<td>.*?</td>\s*<td>(.*?)</td>\s*'
                      r'<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>', text, re.S)
    figures = {name: _amount(value) for name, value in re.findall(r'data-figure="([a-z-]+)">(.*?)</td>', text, re.S)}
    return {"entries": [(what.strip(), how.strip(), _amount(value)) for what, how, value in rows],
            "figures": figures}


def history_row(html: str, ref: str) -> dict:
    """The history's row of ``ref``: its status, total, refund and counter part as the page says them."""
    row = next(item for item in re.findall(r'<li class="card booking-row">.*?</li>', html, re.S) if ref in item)
    said = {"status": re.sub(r"<[^>]+>", "", re.search(r'<span class="badge[^"]*">(.*?)</span>', row).group(1))}
    for name in ("total", "refunded", "at-counter"):
        found = re.search(rf'<span class="[^"]*booking-{name}">(.*?)</span>', row, re.S)
        said[name] = _amount(found.group(1)) if found else None
    return said


def _entries(booking: Booking) -> list[tuple[str, str, Decimal]]:
    db.session.refresh(booking)
    return [(entry.reason, entry.settlement, entry.amount) for entry in booking.ledger]


def _pages(client, booking: Booking) -> tuple[dict, dict]:
    detail = client.get(f"/bookings/{booking.public_ref}")
    assert detail.status_code == 200
    history = client.get("/bookings")
    assert history.status_code == 200
    return payments_on(detail.get_data(as_text=True)), history_row(history.get_data(as_text=True), booking.public_ref)


# -- rent-car (seed 001): pay at the counter, and pay now -------------------------------------


def _day(days: int, hour: int = 10) -> datetime:
    return (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


RENT_START, RENT_END = _day(10), _day(13)
RENT_WINDOW = {"start": f"{RENT_START:%Y-%m-%dT%H:%M}", "end": f"{RENT_END:%Y-%m-%dT%H:%M}"}


@pytest.fixture
def driver(make_user, login):
    user = make_user(name="Kim Minsu", phone="010-1234-5678")
    login(user)
    return user


def _company_record(app, booking: Booking):
    """The company's own record of the reservation (revdetail)."""
    return app.extensions["providers"].get("rentcar").reservation_detail("HALLA", revnum=booking.provider_ref)


def _reserve_page(client, pay: str, extras: tuple[str, ...]) -> Booking:
    """Reserve the 모닝 at 한라렌트카 from its detail page with the per-day Wi-Fi and a car seat."""
    html = client.get("/rentals/cars/HALLA/10101", query_string=RENT_WINDOW).get_data(as_text=True)
    quote = rentals.cached_quote("HALLA", 10101, RENT_START, RENT_END)
    gids = [str(next(e.gid for e in quote.extras if e.name == name)) for name in extras]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]*)"', html).group(1)
    data.update(cover="none", name="Kim Minsu", phone="010-1234-5678", email="kim@example.com", age="30", pay=pay,
                extras=gids, idempotency_key=key)
    assert client.post("/rentals/cars/HALLA/10101", data=data).status_code == 303
    return db.session.query(Booking).order_by(Booking.id.desc()).first()


def test_rentcar_paid_at_the_counter_keeps_every_change_at_the_counter_and_a_cancellation_owes_nothing(
        app, client, driver):
    booking = _reserve_page(client, "counter", ("카시트", "포켓 와이파이"))
    company = _company_record(app, booking)
    price = Decimal(company.total)
    assert company.paid_directly == company.total  # the company expects it all at its counter
    assert _entries(booking) == [("provider_call", AT_COUNTER, price)]
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": 0, "at-counter": price, "total": price}
    assert row["total"] == price and row["at-counter"] == price and row["refunded"] is None

    # two more days: the change is previewed and booked from the manage page
    preview = client.post(f"/rentals/{booking.public_ref}/change", data={
        "start": RENT_WINDOW["start"], "end": f"{RENT_END + timedelta(days=2):%Y-%m-%dT%H:%M}",
        "cover": "none", "version": booking.version}).get_data(as_text=True)
    assert "at the counter, with the rest" in re.search(r'id="change-difference">(.*?)</dd>', preview, re.S).group(1)
    confirm = dict(re.findall(r'name="(start|end|cover|car_fee|insurance_fee|extras_fee|mid|version)"[^>]*'
                              r'value="([^"]*)"', preview))
    confirm.update(re.findall(r'name="(extra_fee__\d+)" value="(\d+)"', preview))
    assert client.post(f"/rentals/{booking.public_ref}/change/confirm", data=confirm).status_code == 303
    company = _company_record(app, booking)
    new_price = Decimal(company.total)
    assert new_price > price and company.paid_directly == company.total  # still all at the counter
    assert _entries(booking)[-1] == ("changed", AT_COUNTER, new_price - price)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": 0, "at-counter": new_price, "total": new_price}
    assert payments["entries"][-1] == ("Changed", "At the counter", new_price - price)
    assert row["total"] == new_price and row["at-counter"] == new_price
    # the extras listed on the manage page add up to the company's extras fee (the Wi-Fi is per day)
    manage = client.get(f"/rentals/{booking.public_ref}").get_data(as_text=True)
    extra_item = r'<li><span class="term">[^<]*</span> <span class="term-original muted" lang="ko">[^<]*</span> · '
    listed = [_amount(fee) for fee in re.findall(extra_item + r'([^\n<]*)', manage)]
    extras_line = _amount(re.search(r'<th scope="row">Extras</th><td>(.*?)</td>', manage).group(1))
    assert len(listed) == 2 and sum(listed) == extras_line == company.extras_fee

    assert client.post(f"/rentals/{booking.public_ref}/cancel", data={"reason": "plans changed",
                                                                       "version": booking.version}).status_code == 303
    assert _company_record(app, booking).state == "취소"
    assert _entries(booking)[-1] == ("cancelled", AT_COUNTER, -new_price)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": 0, "at-counter": 0, "total": 0}  # nothing due, nothing refunded
    assert row == {"status": "Cancelled", "total": 0, "refunded": None, "at-counter": None}


def test_rentcar_paid_now_is_refunded_whole_on_cancelling(app, client, driver):
    booking = _reserve_page(client, "now", ("카시트",))
    price = Decimal(_company_record(app, booking).total)
    assert _company_record(app, booking).paid_directly == 0
    assert _entries(booking) == [("provider_call", PAID_NOW, price)]
    assert client.post(f"/rentals/{booking.public_ref}/cancel", data={"version": booking.version}).status_code == 303
    db.session.refresh(booking)
    assert booking.cancellation_fee == 0  # seed 001 has no cancellation fee, only its deadline
    assert _entries(booking)[-1] == ("cancelled", PAID_NOW, -price)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"refunded": price, "paid-now": 0, "total": 0}
    assert payments["entries"][-1] == ("Cancelled", "Refund", -price)
    assert row == {"status": "Cancelled", "total": 0, "refunded": price, "at-counter": None}
    # the rent-car page shows the same payments
    manage = client.get(f"/rentals/{booking.public_ref}").get_data(as_text=True)
    assert payments_on(manage)["figures"] == payments["figures"]


# -- 247Parking (seed 004): the refund the page promised is the one given ----------------------


def test_valet_cancelled_after_the_free_period_refunds_what_the_page_promised(app, client, driver):
    add_vehicle(driver.id, "NL", "97-KGT-1")
    drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(hours=10)  # inside the last 24 hours
    choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off, arrival=drop_off + timedelta(days=5),
                         persons=2, payment="ideal", insurance=True)
    request = reservations.ValetRequest(choice=choice, vehicle_id=driver.vehicles[0].id, email=driver.email)
    booking = reservations.book_valet(driver.id, request, "valet-ledger-1")
    partner = app.extensions["providers"].sandbox_app("parking247").extensions["parking247"]
    booked = Decimal(partner.reservation(booking.provider_ref).total)
    assert _entries(booking) == [("provider_call", PAID_NOW, booked)]

    change = reservations.ValetChange(drop_off=drop_off, arrival=drop_off + timedelta(days=7))
    reservations.change_valet(driver.id, booking.public_ref, change, booking.version)
    total = Decimal(partner.reservation(booking.provider_ref).total)
    assert total > booked and _entries(booking)[-1] == ("changed", PAID_NOW, total - booked)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": total, "total": total} and row["total"] == total

    page = client.get(f"/valet/{booking.public_ref}").get_data(as_text=True)
    promised = _amount(re.search(r"Cancel now and get back[^<]*<strong>(.*?)</strong>", page).group(1))
    assert 0 < promised < total  # insured, past the free period: all but the premium
    assert client.post(f"/valet/{booking.public_ref}/cancel", data={"version": booking.version}).status_code == 303
    refund = partner.refund(booking.provider_ref)  # 247Parking's own record
    db.session.refresh(booking)
    assert partner.reservation(booking.provider_ref).status == "canceled" and refund == promised
    assert booking.cancellation_fee == total - refund
    assert _entries(booking)[-1] == ("cancelled", PAID_NOW, -refund)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"refunded": refund, "paid-now": total - refund, "total": total - refund}
    assert payments["entries"][-1] == ("Cancelled", "Refund", -refund)
    assert row == {"status": "Cancelled", "total": total - refund, "refunded": refund, "at-counter": None}
    after = client.get(f"/valet/{booking.public_ref}").get_data(as_text=True)
    assert payments_on(after)["figures"]["refunded"] == refund
    assert _amount(re.search(r'id="reservation-total"><strong>(.*?)</strong>', after).group(1)) == total - refund


def test_valet_cancelled_for_the_driver_by_support_keeps_the_same_terms(app, client, make_user, login):
    driver = make_user()
    add_vehicle(driver.id, "NL", "97-KGT-1")
    drop_off = utcnow().replace(second=0, microsecond=0) + timedelta(days=4)  # free cancellation still
    choice = ValetChoice(location="schiphol", service="shuttle", drop_off=drop_off,
                         arrival=drop_off + timedelta(days=2), persons=1, payment="ideal")
    booking = reservations.book_valet(driver.id, reservations.ValetRequest(
        choice=choice, vehicle_id=driver.vehicles[0].id, email=driver.email), "valet-ledger-2")
    admin = make_user("admin@example.com", role="admin")
    login(admin)
    response = client.post(f"/admin/bookings/{booking.public_ref}/cancel",
                           data={"reason": "driver called", "version": booking.version})
    assert response.status_code in (200, 303)
    partner = app.extensions["providers"].sandbox_app("parking247").extensions["parking247"]
    price = Decimal(partner.reservation(booking.provider_ref).total)
    db.session.refresh(booking)
    assert partner.refund(booking.provider_ref) == price and booking.cancellation_fee == 0
    assert _entries(booking)[-1] == ("cancelled", PAID_NOW, -price)
    admin_page = payments_on(client.get(f"/admin/bookings/{booking.public_ref}").get_data(as_text=True))
    assert admin_page["figures"] == {"refunded": price, "paid-now": 0, "total": 0}


# -- Helsinki (seed 002): prepaid until the planned end; a stop refunds the rest ---------------


def _business_morning() -> datetime:
    """The next Finnish business day at 10:00 in Helsinki (parking is charged; today may be a holiday)."""
    day = utcnow().astimezone(HELSINKI).date() + timedelta(days=1)
    finnish = holidays.Finland()
    while day.weekday() >= 5 or day in finnish:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=HELSINKI).astimezone(UTC)


@pytest.fixture
def city(app, driver):
    """The city's sandbox at a business morning (its clock and ours agree), a zone-1 area, the driver's car."""
    start = _business_morning()
    sandbox = app.extensions["providers"].sandbox_app("helsinki")
    clock = {"now": start}
    sandbox.config["CLOCK"] = lambda: clock["now"]
    areas.sync_areas(start)
    area = next(a for a in areas.list_areas(start) if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)
    add_vehicle(driver.id, "FI", "ABC-123")
    return {"clock": clock, "area": area, "client": app.extensions["providers"].get("helsinki")}


def _city_price(city, booking: Booking) -> Decimal:
    """The price of the stay the city holds: its own start and stop, the area's tariff."""
    parking = next(p for p in city["client"].parkings(register_number="ABC-123")
                   if p.parking_id == booking.provider_ref)
    return areas.quote_area_stay(city["area"], parking.start, parking.stop).total


def test_helsinki_extend_then_stop_charges_the_difference_and_refunds_the_unused_time(client, driver, city):
    start = city["clock"]["now"]
    booking = parkings.start_parking(driver.id, city["area"].area_id, driver.vehicles[0].id,
                                     start + timedelta(hours=1), "hki-ledger-1", now=start)
    first = _city_price(city, booking)
    assert first > 0 and _entries(booking) == [("provider_call", PAID_NOW, first)]

    city["clock"]["now"] = start + timedelta(minutes=5)
    parkings.extend_parking(driver.id, booking.public_ref, start + timedelta(hours=2), booking.version,
                            now=start + timedelta(minutes=5))
    extended = _city_price(city, booking)
    assert _entries(booking)[-1] == ("extended", PAID_NOW, extended - first)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": extended, "total": extended} and row["total"] == extended

    city["clock"]["now"] = start + timedelta(minutes=40)
    parkings.stop_parking(driver.id, booking.public_ref, booking.version, now=start + timedelta(minutes=40))
    stayed = _city_price(city, booking)
    assert 0 < stayed < extended and booking.status == Status.COMPLETED
    assert _entries(booking)[-1] == ("stopped", PAID_NOW, stayed - extended)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"refunded": extended - stayed, "paid-now": stayed, "total": stayed}
    assert [how for _what, how, _amount in payments["entries"]] == ["Paid now", "Paid now", "Refund"]
    assert row == {"status": "Completed", "total": stayed, "refunded": extended - stayed, "at-counter": None}


def test_helsinki_cancelled_in_the_regret_time_is_refunded_whole(client, driver, city):
    start = city["clock"]["now"]
    booking = parkings.start_parking(driver.id, city["area"].area_id, driver.vehicles[0].id,
                                     start + timedelta(hours=1), "hki-ledger-2", now=start)
    paid = booking.amount
    city["clock"]["now"] = start + timedelta(seconds=30)
    parkings.cancel_parking(driver.id, booking.public_ref, booking.version, now=start + timedelta(seconds=30))
    assert not city["client"].parkings(register_number="ABC-123")  # the city deleted it
    assert booking.cancellation_fee == 0 and _entries(booking)[-1] == ("cancelled", PAID_NOW, -paid)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"refunded": paid, "paid-now": 0, "total": 0}
    assert row == {"status": "Cancelled", "total": 0, "refunded": paid, "at-counter": None}


# -- APDS (seed 003): pay-by-phone extend and stop; ticketless paid at the exit -----------------

ARNDALE = "805432"


@pytest.fixture
def platform_driver(app, driver):
    add_vehicle(driver.id, "GB", "BD18 SMR")
    places.sync_places()
    return driver


def test_apds_pay_by_phone_extend_and_stop_follow_the_platforms_session(app, client, platform_driver):
    api = app.extensions["providers"].get("apds")
    user = platform_driver
    booking = sessions.start_session(user.id, ARNDALE, user.vehicles[0].id, 60, "apds-ledger-1")
    first = api.session(booking.provider_ref).amount
    assert _entries(booking) == [("provider_call", PAID_NOW, first)]
    sessions.extend_session(user.id, booking.public_ref, 60, booking.version)
    extended = api.session(booking.provider_ref).amount
    assert _entries(booking)[-1] == ("extended", PAID_NOW, extended - first)
    sessions.stop_session(user.id, booking.public_ref, booking.version)
    stayed = api.session(booking.provider_ref).amount
    assert stayed < extended and _entries(booking)[-1] == ("stopped", PAID_NOW, stayed - extended)
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"refunded": extended - stayed, "paid-now": stayed, "total": stayed}
    assert row == {"status": "Completed", "total": stayed, "refunded": extended - stayed, "at-counter": None}


def test_apds_ticketless_charges_nothing_until_the_exit_and_then_what_the_operator_set(app, client,
                                                                                        platform_driver):
    platform = app.extensions["providers"].sandbox_app("apds")
    api = app.extensions["providers"].get("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()

    def sender(url, headers, body):
        return receiver.open(url.removeprefix("https://parkgo.test"), method="POST", data=body,
                             headers=headers).status_code

    platform.extensions["apds_sender"] = sender
    now = datetime.now(UTC)
    user = platform_driver
    booking = sessions.register_plate(user.id, ARNDALE, user.vehicles[0].id, now + timedelta(days=2), "apds-tl")
    for action, at in (("enter", now + timedelta(minutes=1)), ("exit", now + timedelta(hours=2, minutes=1))):
        answer = platform.test_client().post(f"/_sandbox/operators/{action}",
                                             json={"place": ARNDALE, "plate": "BD18SMR", "at": at.isoformat()})
        assert answer.status_code < 300, json.dumps(answer.get_json())
        if action == "enter":
            platform.test_client().post("/_sandbox/deliveries")
            assert _entries(booking) == []  # parked, nothing paid yet
            assert payments_on(client.get(f"/bookings/{booking.public_ref}").get_data(as_text=True))["entries"] == []
    platform.test_client().post("/_sandbox/deliveries")
    db.session.refresh(booking)
    due = api.session(booking.apds.session_id).amount
    assert booking.status == Status.COMPLETED and _entries(booking) == [("paid", PAID_NOW, due)]
    payments, row = _pages(client, booking)
    assert payments["figures"] == {"paid-now": due, "total": due}
    assert payments["entries"] == [("Paid", "Paid now", due)]
    assert row["total"] == due and row["refunded"] is None


# -- the summary in one place -------------------------------------------------------------------


def test_a_page_without_entries_shows_no_payments(client, driver, make_booking):
    pending = make_booking(driver, status=Status.PENDING, amount=Decimal("4.20"))
    assert ledger.summary(pending).entries == ()
    html = client.get(f"/bookings/{pending.public_ref}").get_data(as_text=True)
    assert 'id="booking-payments"' not in html and "Quoted price" in html
    assert history_row(client.get("/bookings").get_data(as_text=True), pending.public_ref)["total"] is None

