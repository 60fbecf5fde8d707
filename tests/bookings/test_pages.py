from webapp.bookings.operations import record
from webapp.extensions import db


def test_empty_history_invites_to_find_parking(client, make_user, login):
    login(make_user())
    html = client.get("/bookings").get_data(as_text=True)
    assert "No bookings yet" in html and 'href="/map"' in html


def test_history_lists_own_bookings_only(client, make_user, login, make_booking):
    me, other = make_user(), make_user()
    mine = make_booking(me, title="Kamppi, Fredrikinkatu")
    theirs = make_booking(other, title="Kallio, Fleminginkatu")
    login(me)
    html = client.get("/bookings").get_data(as_text=True)
    assert mine.public_ref in html and theirs.public_ref not in html


def test_detail_shows_event_timeline(client, make_user, login, make_booking):
    me = make_user()
    booking = make_booking(me)
    record(booking, "provider_call", actor="system", outcome="error", provider_code="1204",
                 message="Cancellation is no longer possible")
    db.session.commit()
    login(me)
    html = client.get(f"/bookings/{booking.public_ref}").get_data(as_text=True)
    assert booking.public_ref in html
    assert "The provider refused the request" in html
    # technical messages and provider codes are for support, not drivers
    assert "1204" not in html and "Cancellation is no longer possible" not in html


def test_someone_elses_booking_is_404_not_403(client, make_user, login, make_booking):
    owner = make_user()
    booking = make_booking(owner)
    login(make_user())
    response = client.get(f"/bookings/{booking.public_ref}")
    assert response.status_code == 404
    assert client.get("/bookings/HP-NOSUCH").status_code == 404


def test_reference_lookup_is_case_insensitive_for_owner(client, make_user, login, make_booking):
    me = make_user()
    booking = make_booking(me)
    login(me)
    assert client.get(f"/bookings/{booking.public_ref.lower()}").status_code == 200


def test_a_settled_booking_that_cost_nothing_says_so(client, login, make_user, make_booking):
    from decimal import Decimal
    driver = make_user()
    free = make_booking(driver, amount=Decimal("0"))  # a Sunday: street parking is free
    login(driver)
    html = client.get(f"/bookings/{free.public_ref}").get_data(as_text=True)
    assert 'id="booking-total">€0.00<' in html
