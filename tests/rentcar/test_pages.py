"""Rent-car pages through the test client: search → detail → reserve → manage (change, extras, cancel)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from webapp.bookings.models import Booking, Status
from webapp.core.clock import SEOUL, utcnow
from webapp.extensions import db
from webapp.rentcar.models import RentcarApiCost


def _day(days: int = 10, hour: int = 10):
    return (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


START, END = _day(), _day(13)
WINDOW = {"start": f"{START:%Y-%m-%dT%H:%M}", "end": f"{END:%Y-%m-%dT%H:%M}"}


@pytest.fixture
def driver(make_user, login):
    user = make_user(name="Kim Minsu", phone="010-1234-5678")
    login(user)
    return user


def _revadds(app) -> int:
    sandbox = app.extensions["providers"].sandbox_app("rentcar")
    rows = sandbox.test_client().get("/_sandbox/cost").get_json()["rows"]
    return sum(r["calls"] for r in rows if r["cmd"] == "revadd")


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html).group(1)


def _reserve_form(html: str, cover: str = "option2", extras=()) -> dict:
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    data.update(cover=cover, name="Kim Minsu", phone="010-1234-5678", email="kim@example.com", age="30",
                pay="now", idempotency_key=_hidden(html, "idempotency_key"))
    data["extras"] = list(extras)
    return data


def test_search_is_open_to_guests_and_reserving_needs_login(client):
    assert client.get("/rentals/").status_code == 200
    response = client.post("/rentals/cars/ABC/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_search_groups_models_cheapest_company_first(client, driver):
    page = client.get("/rentals/", query_string={**WINDOW, "fuel": "전기"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "아이오닉5" in html and "Hyundai Ioniq 5" in html and "모닝" not in html
    # within a model, the first offer is the cheapest
    block = html[html.index("아이오닉5"):]
    prices = [int(p.replace(",", "")) for p in re.findall(r"<strong>₩?([\d,]+)", block[:block.index("</ol>")])]
    assert prices == sorted(prices) and len(prices) >= 3


@pytest.mark.parametrize(("window", "field"), [
    ({"start": WINDOW["end"], "end": WINDOW["start"]}, "end"),
    ({"start": "2020-01-01T10:00", "end": "2020-01-02T10:00"}, "start"),
    ({"start": WINDOW["start"], "end": f"{_day(45):%Y-%m-%dT%H:%M}"}, "end"),
])
def test_bad_windows_are_refused_before_any_call_with_the_form_kept(app, client, driver, window, field):
    page = client.get("/rentals/", query_string={**window, "fuel": "전기"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'id="{field}-error"' in html
    assert 'value="전기" checked' in html or "checked" in html
    assert db.session.query(RentcarApiCost).filter(RentcarApiCost.action == "search").count() == 0


def test_reserve_with_full_cover_and_a_child_seat_then_change_and_cancel(app, client, driver):
    detail = client.get("/rentals/cars/HALLA/10106", query_string=WINDOW)
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "완전자차" in html and "슈퍼자차" in html and "카시트" in html
    assert 'value="Kim Minsu"' in html  # prefilled from the profile
    seat = re.search(r'name="extras" value="(\d+)"', html).group(1)
    done = client.post("/rentals/cars/HALLA/10106", data=_reserve_form(html, "option2", [seat]))
    assert done.status_code == 303, done.get_data(as_text=True)[:2000]
    booking = db.session.query(Booking).one()
    assert booking.status == Status.RESERVED and booking.rental.cover_name == "완전자차"
    assert booking.rental.extras[0]["name"] == "카시트" and booking.currency == "KRW"
    manage = client.get(f"/rentals/{booking.public_ref}").get_data(as_text=True)
    assert "Free change or cancellation until" in manage
    # change the return day: preview first, then confirm
    new_end = f"{_day(14):%Y-%m-%dT%H:%M}"
    preview = client.post(f"/rentals/{booking.public_ref}/change",
                          data={"start": WINDOW["start"], "end": new_end, "cover": "option2",
                                "version": booking.version})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "New total" in text
    confirm = dict(re.findall(r'name="(start|end|cover|car_fee|insurance_fee|extras_fee|version)"[^>]*value="([^"]*)"',
                              text))
    assert client.post(f"/rentals/{booking.public_ref}/change/confirm", data=confirm).status_code == 303
    db.session.refresh(booking)
    assert booking.ends_at.astimezone(SEOUL).day == _day(14).day
    assert client.post(f"/rentals/{booking.public_ref}/cancel",
                       data={"reason": "plans changed", "version": booking.version}).status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.CANCELLED
    assert db.session.query(RentcarApiCost).filter(RentcarApiCost.action == "reserve").count() == 1


def test_reserve_refuses_a_driver_too_young_before_any_call_and_keeps_the_form(app, client, driver):
    html = client.get("/rentals/cars/HALLA/10106", query_string=WINDOW).get_data(as_text=True)
    data = _reserve_form(html)
    data["age"] = "21"  # the Ioniq 5 needs 23
    page = client.post("/rentals/cars/HALLA/10106", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "aged 23 or more" in text and 'value="Kim Minsu"' in text
    assert _revadds(app) == 0 and db.session.query(Booking).count() == 0


def test_a_changed_price_shows_the_new_price_and_books_nothing(app, client, driver):
    html = client.get("/rentals/cars/HALLA/10106", query_string=WINDOW).get_data(as_text=True)
    data = _reserve_form(html, "none")
    data["car_fee__none"] = str(int(data["car_fee__none"]) - 5000)  # the quote the driver saw was cheaper
    page = client.post("/rentals/cars/HALLA/10106", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 409 and 'id="price-changed"' in text
    assert db.session.query(Booking).one().status == Status.FAILED
    assert _hidden(text, "idempotency_key") != data["idempotency_key"]  # ask again with a fresh form


def test_another_drivers_rental_is_not_found(app, client, driver, make_user, make_booking):
    other = make_user()
    theirs = make_booking(other, kind="rental", provider="rentcar")
    assert client.get(f"/rentals/{theirs.public_ref}").status_code == 404


def test_admins_see_the_api_cost_per_day_and_drivers_do_not(app, client, make_user, login):
    driver_user = make_user()
    login(driver_user)
    client.get("/rentals/", query_string=WINDOW)
    assert client.get("/rentals/admin/cost").status_code == 403
    admin = make_user(role="admin")
    admin_client = app.test_client()
    login(admin, test_client=admin_client)
    page = admin_client.get("/rentals/admin/cost")
    table = page.get_data(as_text=True).split('id="rentcar-cost"', 1)[1]
    assert page.status_code == 200 and "<td>Search</td>" in table and "<td>search</td>" not in table
    assert "<td>Hae</td>" in admin_client.get("/rentals/admin/cost?lang=fi").get_data(as_text=True)


def test_sandbox_rentcar_cost_command_prints_the_meter(app, client, driver):
    client.get("/rentals/", query_string=WINDOW)
    result = app.test_cli_runner().invoke(args=["sandbox", "rentcar-cost"])
    assert result.exit_code == 0
    assert "carsearch_r" in result.output and "companylist" in result.output and "total 0.6000" in result.output


def test_change_the_car_from_the_results_of_the_same_company(app, client, driver):
    html = client.get("/rentals/cars/HALLA/10101", query_string=WINDOW).get_data(as_text=True)
    assert client.post("/rentals/cars/HALLA/10101", data=_reserve_form(html, "none")).status_code == 303
    booking = db.session.query(Booking).one()
    manage = client.get(f"/rentals/{booking.public_ref}").get_data(as_text=True)
    link = re.search(r'href="(/rentals/\?[^"]*change=[^"]*)"', manage).group(1).replace("&amp;", "&")
    results = client.get(link).get_data(as_text=True)
    offers = results[results.index('id="rentcar-results"'):]
    assert "Change to this car" in offers and "탐라렌트카" not in offers  # only the same company
    preview = client.post(f"/rentals/{booking.public_ref}/change",
                          data={**WINDOW, "mid": "10102", "cover": "none", "version": booking.version})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "레이" in text
    confirm = dict(re.findall(
        r'name="(start|end|cover|car_fee|insurance_fee|extras_fee|mid|version)"[^>]*value="([^"]*)"', text))
    assert client.post(f"/rentals/{booking.public_ref}/change/confirm", data=confirm).status_code == 303
    db.session.refresh(booking)
    assert booking.rental.mid == 10102 and booking.rental.model_name == "레이" and "레이" in booking.title


def test_a_reserve_post_with_a_broken_window_goes_back_to_the_search(app, client, driver):
    page = client.post("/rentals/cars/HALLA/10101", data={"start": "", "end": "nonsense", "cover": "none",
                                                           "idempotency_key": "k-1", "name": "a", "phone": "1",
                                                           "age": "30"})
    assert page.status_code == 303 and page.headers["Location"].endswith("/rentals/")
    assert _revadds(app) == 0 and db.session.query(Booking).count() == 0


def test_a_lost_reply_shows_check_again_and_the_check_finds_it_by_our_reference(app, client, driver, monkeypatch):
    from webapp.bookings.registry import booking_kinds
    from webapp.core.errors import ProviderUnavailableError

    html = client.get("/rentals/cars/HALLA/10101", query_string=WINDOW).get_data(as_text=True)
    app.extensions["providers"].sandbox_app("rentcar").extensions["faults"].drop_after_commit = 1
    adapter = booking_kinds()["rental"].adapter
    monkeypatch.setattr(adapter, "find_remote", lambda booking: (_ for _ in ()).throw(
        ProviderUnavailableError("rentcar", "503", "down")), raising=False)
    done = client.post("/rentals/cars/HALLA/10101", data=_reserve_form(html, "none"))
    assert done.status_code == 303
    booking = db.session.query(Booking).one()
    assert booking.status == Status.UNKNOWN
    assert "Check again" in client.get(done.headers["Location"]).get_data(as_text=True)
    monkeypatch.undo()
    assert client.post(f"/rentals/{booking.public_ref}/check").status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED and booking.rental.revnum == booking.provider_ref
    assert _revadds(app) == 1  # one click, one reservation


def test_change_to_an_insurance_product_from_the_covers_side_by_side(app, client, driver):
    html = client.get("/rentals/cars/HALLA/10101", query_string=WINDOW).get_data(as_text=True)
    assert client.post("/rentals/cars/HALLA/10101", data=_reserve_form(html, "option1")).status_code == 303
    booking = db.session.query(Booking).one()
    manage = client.get(f"/rentals/{booking.public_ref}").get_data(as_text=True)
    link = re.search(r'href="(/rentals/cars/[^"]*change=[^"]*)"', manage).group(1).replace("&amp;", "&")
    covers = client.get(link).get_data(as_text=True)
    assert "Change to this cover" in covers and 'id="reserve-form"' in covers and "Driver's name" not in covers
    insid = re.search(r'name="cover" value="ins:(\d+)"><input type="hidden" name="version"', covers).group(1)
    preview = client.post(f"/rentals/{booking.public_ref}/change",
                          data={**WINDOW, "cover": f"ins:{insid}", "version": booking.version})
    text = preview.get_data(as_text=True)
    confirm = dict(re.findall(
        r'name="(start|end|cover|car_fee|insurance_fee|extras_fee|mid|version)"[^>]*value="([^"]*)"', text))
    assert client.post(f"/rentals/{booking.public_ref}/change/confirm", data=confirm).status_code == 303
    db.session.refresh(booking)
    assert booking.rental.insid == int(insid) and booking.rental.insurance_fee > 0 and booking.rental.option_ins == 0


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_the_pages_render_in_every_language(app, client, driver, language):
    client.post("/language", data={"language": language, "next": "/rentals/"})
    for path, args in (("/rentals/", {**WINDOW, "fuel": "전기"}), ("/rentals/cars/HALLA/10106", WINDOW)):
        page = client.get(path, query_string=args)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "아이오닉5" in html and f'<html lang="{language}"' in html


def test_the_total_follows_the_cover_and_extras_without_a_call(app, client, driver):
    html = client.get("/rentals/cars/HALLA/10106", query_string=WINDOW).get_data(as_text=True)
    data = _reserve_form(html, "option2")
    seat = re.search(r'name="extras" value="(\d+)"', html).group(1)
    expected = int(data["car_fee__option2"]) + int(data[f"extra_fee__{seat}"])
    rows_before = db.session.query(RentcarApiCost).count()
    block = client.get("/rentals/cars/HALLA/10106/total", headers={"HX-Request": "true"},
                       query_string={**WINDOW, "cover": "option2", "extras": seat, "pay": "counter"})
    text = block.get_data(as_text=True)
    assert block.status_code == 200 and text.lstrip().startswith('<div class="price-preview" id="price-total"')
    assert f"{expected:,}" in text and "at the counter" in text
    assert db.session.query(RentcarApiCost).count() == rows_before  # the quote came from the reuse
