"""The traveller's valet pages through the test client: each dual-mode route with and without HX-Request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.bookings.models import Booking, Status
from webapp.core.clock import AMSTERDAM, utcnow
from webapp.extensions import db

HX = {"HX-Request": "true"}


@pytest.fixture
def traveller(make_user, login):
    user = make_user(name="Anna de Vries", phone="+31 6 1234 5678")
    add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra, zwart")
    login(user)
    return user


@pytest.fixture
def sandbox(app):
    return app.extensions["providers"].sandbox_app("parking247")


def _local(value: datetime) -> str:
    return value.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M")


def form_data(user, **changes) -> dict:
    drop_off = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    data = {"location": "schiphol", "drop_off": _local(drop_off), "arrival": _local(drop_off + timedelta(days=7)),
            "departure_flight": "HV 123", "arrival_flight": "HV 456", "service": "valet", "persons": "2",
            "vehicle_id": str(user.vehicles[0].id), "car": "Opel Astra, zwart", "wash": "1", "payment": "ideal",
            "discount_code": "WELKOM10", "first_name": "Anna", "last_name": "de Vries", "email": user.email,
            "mobile": "0612345678", "remarks": "Baby on board", "idempotency_key": "valet-form-1"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _book(client, user, **changes):
    response = client.post("/valet/", data=form_data(user, **changes))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return db.session.query(Booking).one()


def test_book_page_prefills_contact_and_car_and_shows_a_price(client, traveller):
    html = client.get("/valet/").get_data(as_text=True)

    assert 'value="Anna"' in html and 'value="de Vries"' in html and traveller.email in html
    assert "97-KGT-1" in html
    # the vehicle's nickname is no description of the car for 247Parking's staff: the field starts empty
    car_input = re.search(r'<input[^>]*name="car"[^>]*>', html).group(0)
    assert "Opel Astra" not in car_input and 'value="' not in car_input.replace('value=""', "")
    assert 'id="price-quote"' in html and "Total" in html
    assert 'href="/valet/"' in html  # the navigation link
    # each service is explained in one line
    assert "A driver takes your car at the terminal" in html


@pytest.mark.parametrize("headers", [{}, HX])
def test_quote_is_a_fragment_for_htmx_and_the_page_otherwise(client, traveller, headers):
    response = client.get("/valet/quote", query_string=form_data(traveller), headers=headers)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'id="price-quote"' in html and "Discount" in html and "WELKOM10" in html
    assert ("<html" in html) is (not headers)
    assert ('hx-swap-oob="true"' in html) is bool(headers)


@pytest.mark.parametrize("headers", [{}, HX])
def test_an_invalid_combination_is_explained_beside_the_option(client, traveller, headers):
    response = client.get("/valet/quote", query_string=form_data(traveller, indoor="y"), headers=headers)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    rule = re.search(r'<p class="error-message" id="indoor-rule"[^>]*>([^<]*)</p>', html)
    assert rule and "only possible with the shuttle" in rule.group(1)
    assert "Fix the options marked above" in html


def test_the_price_block_clears_a_rule_message_once_fixed(client, traveller):
    html = client.get("/valet/quote", query_string=form_data(traveller, service="shuttle", indoor="y", wash="0"),
                      headers=HX).get_data(as_text=True)

    assert re.search(r'id="indoor-rule"[^>]*hx-swap-oob="true"></p>', html)
    assert "Indoor parking" in html


@pytest.mark.parametrize("headers", [{}, HX])
def test_booking_redirects_to_the_confirmation(client, traveller, sandbox, headers):
    response = client.post("/valet/", data=form_data(traveller), headers=headers)

    booking = db.session.query(Booking).one()
    target = f"/valet/{booking.public_ref}"
    if headers:
        assert response.status_code == 204 and response.headers["HX-Redirect"] == target
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(target)
    assert booking.status == Status.RESERVED
    page = client.get(target).get_data(as_text=True)
    assert booking.provider_ref in page and f"/valet/{booking.public_ref}/voucher" in page
    assert "Reserved with 247Parking" in page


def test_bad_input_is_shown_with_the_values_kept_and_nothing_sent(client, traveller, sandbox):
    response = client.post("/valet/", data=form_data(traveller, indoor="y", leather="y", remarks="Keep me"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "only possible with the shuttle" in html and "Leather care needs a car wash inside" in html
    assert "Keep me</textarea>" in html and 'value="WELKOM10"' in html and 'value="HV 456"' in html
    assert db.session.query(Booking).count() == 0
    assert sandbox.extensions["parking247"].reservation_numbers() == set()


def test_missing_times_are_asked_for(client, traveller, sandbox):
    response = client.post("/valet/", data=form_data(traveller, drop_off="", arrival="not a time"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose when you hand over the car." in html
    assert sandbox.extensions["parking247"].reservation_numbers() == set()


def test_a_refusal_keeps_what_was_typed_and_allows_another_try(client, traveller, sandbox):
    state = sandbox.extensions["parking247"]
    state.prices = {**state.prices, "discount_codes": {}}

    response = client.post("/valet/", data=form_data(traveller, remarks="Keep me"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "247Parking does not know this discount code" in html and "Keep me</textarea>" in html
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    assert key != "valet-form-1"
    assert db.session.query(Booking).one().status == Status.FAILED


def test_a_lost_reply_shows_what_was_sent_and_asks_not_to_book_again(client, traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1

    booking = _book(client, traveller)

    html = client.get(f"/valet/{booking.public_ref}").get_data(as_text=True)
    assert booking.status == Status.UNKNOWN
    assert "did not answer" in html and "What we sent" in html and booking.public_ref in html


@pytest.mark.parametrize("headers", [{}, HX])
def test_change_preview_shows_the_difference_first(client, traveller, headers):
    booking = _book(client, traveller)
    detail = booking.valet
    query = {"drop_off": _local(detail.drop_off), "arrival": _local(detail.arrival + timedelta(days=1)),
             "departure_flight": "HV 123", "arrival_flight": "KL 999", "wash": "1", "version": booking.version}

    response = client.get(f"/valet/{booking.public_ref}/change/quote", query_string=query, headers=headers)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Difference" in html and "€8.55" in html  # 9.50 - 10 %
    assert ("<html" in html) is (not headers)


@pytest.mark.parametrize("headers", [{}, HX])
def test_change_puts_the_new_return_flight(client, traveller, sandbox, headers):
    booking = _book(client, traveller)
    detail = booking.valet
    data = {"drop_off": _local(detail.drop_off), "arrival": _local(detail.arrival + timedelta(days=1)),
            "departure_flight": "HV 123", "arrival_flight": "KL 999", "wash": "1", "version": booking.version}

    response = client.post(f"/valet/{booking.public_ref}/change", data=data, headers=headers)

    assert response.status_code == (204 if headers else 303)
    db.session.refresh(booking)
    remote = sandbox.extensions["parking247"].reservation(booking.provider_ref)
    assert remote.fields["aankomst_vluchtnummer"] == "KL 999" and booking.valet.arrival_flight == "KL 999"
    assert "Reservation changed" in client.get(f"/valet/{booking.public_ref}").get_data(as_text=True)


def test_a_bad_change_is_shown_with_the_values_kept(client, traveller, sandbox):
    booking = _book(client, traveller)
    detail = booking.valet
    data = {"drop_off": _local(detail.drop_off), "arrival": _local(detail.drop_off - timedelta(hours=1)),
            "arrival_flight": "KL 999", "wash": "1", "version": booking.version}

    response = client.post(f"/valet/{booking.public_ref}/change", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "must land after you drop the car off" in html
    assert 'value="KL 999"' in html
    assert "aankomst_vluchtnummer" not in {k for k, v in sandbox.extensions["parking247"].reservation(
        booking.provider_ref).fields.items() if v == "KL 999"}


def test_cancel_from_the_reservation_page(client, traveller, sandbox):
    booking = _book(client, traveller)
    page = client.get(f"/valet/{booking.public_ref}").get_data(as_text=True)
    assert "Free cancellation until" in page

    response = client.post(f"/valet/{booking.public_ref}/cancel", data={"version": booking.version})

    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.CANCELLED
    assert sandbox.extensions["parking247"].reservation(booking.provider_ref).status == "canceled"
    assert "Reservation cancelled with 247Parking" in client.get(f"/valet/{booking.public_ref}").get_data(
        as_text=True)


def test_a_stale_cancel_is_refused_in_words(client, traveller):
    booking = _book(client, traveller)

    client.post(f"/valet/{booking.public_ref}/cancel", data={"version": booking.version - 1})

    db.session.refresh(booking)
    assert booking.status == Status.RESERVED


def test_the_voucher_has_the_number_and_its_qr_code(client, traveller):
    booking = _book(client, traveller)

    html = client.get(f"/valet/{booking.public_ref}/voucher").get_data(as_text=True)

    assert booking.provider_ref in html and '<svg' in html and 'class="voucher-qr"' in html
    assert "Opel Astra, zwart" in html and "KL" not in html
    # whose car it is and where to meet, as 247Parking holds it: the name sent with the reservation
    assert "<dd>Anna de Vries</dd>" in html
    assert "Evert van de Beekstraat 202" in html and "1118 CP Schiphol" in html


def test_the_booking_is_in_the_history_with_a_link_to_its_page(client, traveller):
    booking = _book(client, traveller)

    assert booking.public_ref in client.get("/bookings").get_data(as_text=True)
    assert f"/valet/{booking.public_ref}" in client.get(f"/bookings/{booking.public_ref}").get_data(as_text=True)


def test_another_travellers_reservation_is_not_found(client, traveller, make_user, login, app):
    booking = _book(client, traveller)
    other = make_user()
    other_client = app.test_client()
    login(other, test_client=other_client)

    for path in ("", "/voucher"):
        assert other_client.get(f"/valet/{booking.public_ref}{path}").status_code == 404


# the booking form and its price are open to guests (tests/web/test_access.py); a booking is not
@pytest.mark.parametrize("path", ["/valet/VP-AAAAAA", "/valet/VP-AAAAAA/voucher", "/valet/VP-AAAAAA/change/quote"])
def test_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_car_already_booked_for_that_time_is_shown_and_asked_before_sending(client, traveller, sandbox):
    first = _book(client, traveller)

    response = client.post("/valet/", data=form_data(traveller, idempotency_key="valet-form-2"))

    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="plate-conflict"' in html and first.public_ref in html
    assert len(sandbox.extensions["parking247"].reservation_numbers()) == 1
    confirmed = client.post("/valet/", data=form_data(traveller, idempotency_key="valet-form-2", confirm_overlap="y"))
    assert confirmed.status_code == 303 and len(sandbox.extensions["parking247"].reservation_numbers()) == 2


def test_support_finds_a_lost_valet_booking_in_needs_attention_with_what_was_sent(
        app, client, traveller, sandbox, make_user, login):
    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(client, traveller)
    support = make_user(role="admin")
    admin_client = app.test_client()
    login(support, test_client=admin_client)

    listed = admin_client.get("/admin/attention").get_data(as_text=True)
    page = admin_client.get(f"/admin/bookings/{booking.public_ref}")

    assert booking.public_ref in listed
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "referentienummer" in html and "97-KGT-1" in html
