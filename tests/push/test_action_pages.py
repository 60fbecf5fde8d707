"""The pages a notification's actions open: ``?extend=1#extend`` and ``?stop=confirm#stop`` on a running
parking (Helsinki street parking, APDS pay-by-phone), against the providers' sandboxes. Nothing is sent
until the driver taps; a parking that has ended shows the normal page and says why."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for

from tests.web.journey_data import DRIVER_EMAIL, make_journey_data
from webapp.apds import sessions as apds_sessions
from webapp.bookings import history
from webapp.bookings.models import Status
from webapp.extensions import db
from webapp.helsinki import parkings
from webapp.web.locale import money


@pytest.fixture
def journey(app, client, login):
    data = make_journey_data(app, seoul_lots=False)
    login(DRIVER_EMAIL)
    return data


def _booking(ref):
    booking = history.get_booking_for_admin(ref)
    db.session.refresh(booking)
    return booking


def _element(page: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id``."""
    return re.search(rf'<[a-z0-9]+[^>]*\bid="{element_id}"[^>]*>', page).group(0)


def _euros(amount: Decimal, currency: str) -> str:
    with _request():
        return money(amount, currency)


def _request():
    from flask import current_app

    return current_app.test_request_context("/")


# --- Helsinki street parking -----------------------------------------------------------------------------


def test_extend_opens_the_form_one_hour_later_with_its_price_and_sends_nothing(app, client, journey):
    ref = journey.refs["parkings"]
    before = _booking(ref)
    version, ends_at = before.version, before.ends_at
    page = client.get(f"/parking/{ref}?extend=1").get_data(as_text=True)
    box = _element(page, "extend")
    assert "autofocus" in box and 'tabindex="-1"' in box and 'aria-labelledby="extend-title"' in box
    # the form's default end: one hour later, to the minute (a datetime field has no seconds), so the price is the
    # one of that minute (priced to the second, the exact end differs by up to 59 s of paid time)
    default_end = (ends_at + timedelta(hours=1)).replace(second=0, microsecond=0)
    quote, to_pay = parkings.preview_extension(before.user_id, ref, default_end)
    preview = page[page.index('id="extension-preview"'):page.index('id="extension-preview"') + 600]
    assert _euros(quote.total, "EUR") in preview and _euros(to_pay, "EUR") in preview
    assert "Pick the new end time" not in preview
    after = _booking(ref)
    assert (after.version, after.ends_at, after.status) == (version, ends_at, Status.ACTIVE)


def test_without_the_query_the_extend_form_waits_for_a_time_and_takes_no_focus(app, client, journey):
    page = client.get(f"/parking/{journey.refs['parkings']}").get_data(as_text=True)
    assert "autofocus" not in _element(page, "extend")
    assert "Pick the new end time to see the difference in price first." in page
    assert "Stop this parking now?" not in page


def test_stop_asks_first_with_the_cost_so_far_and_a_way_to_keep_parking(app, client, journey):
    ref = journey.refs["parkings"]
    page = client.get(f"/parking/{ref}?stop=confirm").get_data(as_text=True)
    box_start = page.index('id="stop"')
    box = page[page.rfind("<section", 0, box_start):page.index("</section>", box_start)]
    assert "Stop this parking now?" in box and "autofocus" in box and 'tabindex="-1"' in box
    with _request():
        so_far = parkings.session_view(_booking(ref).user_id, ref).price_so_far
    assert f"So far it has cost {_euros(so_far, 'EUR')}." in box
    assert f'action="/parking/{ref}/stop"' in box and f'href="/parking/{ref}"' in box and "Keep parking" in box
    assert "data-confirm" not in box  # the box is the question: no second one
    assert page.count(f'action="/parking/{ref}/stop"') == 1  # the usual Stop card makes way for the box
    assert page.index('id="stop"') < page.index('id="session-status"')  # the first thing on the page
    assert _booking(ref).status == Status.ACTIVE  # opening the page stops nothing


def test_the_stop_box_stops_the_parking_at_the_city_when_tapped(app, client, journey):
    ref = journey.refs["parkings"]
    shown_version = _booking(ref).version
    page = client.get(f"/parking/{ref}?stop=confirm").get_data(as_text=True)
    version = re.search(r'id="stop".*?name="version" type="hidden" value="(\d+)"', page, re.S).group(1)
    assert int(version) == shown_version
    response = client.post(f"/parking/{ref}/stop", data={"version": version})
    assert response.status_code == 303
    stopped = _booking(ref)
    assert stopped.status == Status.COMPLETED
    [at_city] = [p for p in app.extensions["providers"].get("helsinki").parkings(register_number=stopped.plate)
                 if p.parking_id == stopped.provider_ref]
    assert abs(at_city.stop - stopped.ends_at) < timedelta(seconds=1)  # the city stopped it when we did


@pytest.mark.parametrize(("query", "anchor", "sentence"), [
    ("stop=confirm", "stop", "This parking is no longer running, so there is nothing to stop."),
    ("extend=1", "extend", "This parking is no longer running, so it cannot be extended."),
])
def test_an_ended_parking_shows_the_normal_page_and_says_why(app, client, journey, query, anchor, sentence):
    ref = journey.refs["helsinki_done"]
    page = client.get(f"/parking/{ref}?{query}").get_data(as_text=True)
    assert sentence in page and "autofocus" in _element(page, anchor)
    assert "Stop this parking now?" not in page and "/extend" not in page and "/stop" not in page
    assert "Price" in page  # the normal page's figures


@pytest.mark.parametrize("query", ["stop=yes", "extend=0", "extend=2&stop=maybe", "stop=confirm%00", "extend="])
def test_other_values_open_the_normal_page(app, client, journey, query):
    response = client.get(f"/parking/{journey.refs['parkings']}?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400) and "Stop this parking now?" not in page
    if response.status_code == 200:
        assert "autofocus" not in _element(page, "extend")


def test_the_owner_is_offered_notifications_and_the_app_on_a_running_parking(app, client, journey):
    page = client.get(f"/parking/{journey.refs['parkings']}").get_data(as_text=True)
    assert "Get a notification 10 minutes before it ends" in page and "data-push-quiet" in page
    assert "data-install-offer hidden" in page and "Install the app" in page
    ended = client.get(f"/parking/{journey.refs['helsinki_done']}").get_data(as_text=True)
    assert "data-push-opt-in" not in ended and "data-install-offer" not in ended


@pytest.mark.parametrize(("feature", "endpoint"), [("rentals", "rentals.rental"), ("valet", "valet.reservation")])
def test_an_upcoming_rental_or_valet_reservation_offers_a_notification_the_day_before(app, client, journey, feature,
                                                                                       endpoint):
    with _request():
        path = url_for(endpoint, ref=journey.refs[feature])
    page = client.get(path).get_data(as_text=True)
    assert "Get a notification the day before" in page and "data-install-offer" in page


# --- APDS pay-by-phone -----------------------------------------------------------------------------------


def test_apds_extend_opens_the_form_with_thirty_minutes_more_priced(app, client, journey):
    ref = journey.refs["apds"]
    before = _booking(ref)
    page = client.get(f"/carparks/sessions/{ref}?extend=1").get_data(as_text=True)
    assert "autofocus" in _element(page, "extend")
    total, to_pay = apds_sessions.preview_extension(before.user_id, ref, 30)
    preview = page[page.index('id="extension-preview"'):page.index('id="extension-preview"') + 600]
    assert _euros(total, before.currency) in preview and _euros(to_pay, before.currency) in preview
    # the choice that was priced is the one chosen
    assert re.search(r'<input[^>]*\bchecked\b[^>]*value="30"|<input[^>]*value="30"[^>]*\bchecked\b', page)
    after = _booking(ref)
    assert (after.version, after.ends_at, after.amount) == (before.version, before.ends_at, before.amount)


def test_apds_stop_asks_first_then_stops_when_tapped(app, client, journey):
    ref = journey.refs["apds"]
    booking = _booking(ref)
    page = client.get(f"/carparks/sessions/{ref}?stop=confirm").get_data(as_text=True)
    box = page[page.index('id="stop"'):page.index("</section>", page.index('id="stop"'))]
    with _request():
        so_far = apds_sessions.session_view(booking.user_id, ref).price_so_far
    assert "Stop this parking now?" in box and f"So far it has cost {_euros(so_far, booking.currency)}." in box
    assert f'href="/carparks/sessions/{ref}"' in box and page.count(f'action="/carparks/sessions/{ref}/stop"') == 1
    assert _booking(ref).status == Status.ACTIVE
    assert client.post(f"/carparks/sessions/{ref}/stop", data={"version": booking.version}).status_code == 303
    assert _booking(ref).status == Status.COMPLETED
    ended = client.get(f"/carparks/sessions/{ref}?stop=confirm").get_data(as_text=True)
    assert "This parking is no longer running, so there is nothing to stop." in ended
    assert "Stop this parking now?" not in ended and "data-push-opt-in" not in ended


def test_another_drivers_parking_is_404_whatever_the_query(app, client, journey, make_user, login):
    client.post("/logout")
    login(make_user("someone@example.com"))
    for path in (f"/parking/{journey.refs['parkings']}?stop=confirm",
                 f"/carparks/sessions/{journey.refs['apds']}?extend=1"):
        assert client.get(path).status_code == 404
