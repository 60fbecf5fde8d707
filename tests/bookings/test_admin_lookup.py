"""The admin's booking lookup, the needs-attention list, actions on a driver's behalf and the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from webapp.bookings.models import AdminAuditEntry, Booking, Status
from webapp.extensions import db


@pytest.fixture
def admin_client(client, make_user, login):
    admin = make_user("admin@example.com", role="admin")
    login(admin)
    client.admin = admin
    return client


@pytest.fixture
def bookings(make_user, make_booking):
    driver = make_user("driver@example.com", phone="+358 40 123 4567")
    other = make_user("someone@example.org", phone="050 999 8888")
    return {
        "abc": make_booking(driver, plate="ABC-123", title="Kamppi"),
        "xyz": make_booking(other, plate="XYZ 789", title="Kallio", status=Status.COMPLETED),
        "unknown": make_booking(other, plate="QQQ-1", title="Lost reply", status=Status.UNKNOWN),
    }


def _refs(html: str) -> set[str]:
    return set(re.findall(r"/admin/bookings/([A-Z]{2}-[A-Z0-9]{6})", html))


@pytest.mark.parametrize(("query", "expected"), [
    ("abc", {"abc"}), ("ABC-1", {"abc"}), ("abc 123", {"abc"}), ("xyz7", {"xyz"}),
    ("driver@", {"abc"}), ("someone@example", {"xyz", "unknown"}), ("040 123 4567", {"abc"}),
    ("+358401234567", {"abc"}), ("0509998888", {"xyz", "unknown"}), ("nothing-like-it", set()),
])
def test_admin_finds_by_partial_plate_email_and_any_phone_format(admin_client, bookings, query, expected):
    html = admin_client.get("/admin", query_string={"q": query}).get_data(as_text=True)
    assert _refs(html) == {bookings[name].public_ref for name in expected}


def test_admin_finds_by_our_reference_and_the_providers(admin_client, bookings):
    booking = bookings["abc"]
    booking.provider_ref = "D8AF256C-B090"
    db.session.commit()
    for query in (booking.public_ref.lower(), "D8AF256C-B090"):
        assert _refs(admin_client.get("/admin", query_string={"q": query}).get_data(as_text=True)) == \
            {booking.public_ref}


def test_admin_filters_by_status_and_pages_past_the_last_say_so(admin_client, bookings):
    html = admin_client.get("/admin", query_string={"status": "completed"}).get_data(as_text=True)
    assert _refs(html) == {bookings["xyz"].public_ref}
    html = admin_client.get("/admin", query_string={"q": "abc", "page": 99}).get_data(as_text=True)
    assert "past the last one" in html
    response = admin_client.get("/admin", query_string={"status": "bogus"})
    assert response.status_code == 200 and "Choose a status" in response.get_data(as_text=True)


def test_needs_attention_lists_unknown_bookings_oldest_first(admin_client, bookings, make_booking, make_user):
    older = make_booking(make_user(), plate="OLD-1", status=Status.UNKNOWN,
                         created_at=datetime.now(UTC) - timedelta(hours=2))
    html = admin_client.get("/admin/attention").get_data(as_text=True)
    assert html.index(older.public_ref) < html.index(bookings["unknown"].public_ref)
    assert bookings["abc"].public_ref not in html


def test_settle_an_unknown_booking_with_a_note_is_recorded_and_audited(admin_client, bookings):
    booking = bookings["unknown"]
    refused = admin_client.post(f"/admin/bookings/{booking.public_ref}/settle",
                                data={"status": "reserved", "note": "", "version": booking.version})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.count("Write what you found out") == 1
    assert "Give the provider" in html
    response = admin_client.post(f"/admin/bookings/{booking.public_ref}/settle",
                                 data={"status": "reserved", "provider_ref": "S123456", "version": booking.version,
                                       "note": "Confirmed by phone with 247Parking"})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED and booking.provider_ref == "S123456"
    assert booking.events[-1].actor == f"admin:{admin_client.admin.id}"
    assert "Confirmed by phone" in booking.events[-1].message
    # the refused attempt re-rendered the page without logging a second view; the settle is logged once
    actions = [e.action for e in db.session.scalars(db.select(AdminAuditEntry))]
    assert actions == ["settle"]


def test_the_audit_log_records_views_and_searches_and_has_no_edit_route(admin_client, bookings, app):
    admin_client.get("/admin", query_string={"q": "abc"})
    admin_client.get(f"/admin/bookings/{bookings['abc'].public_ref}")
    entries = list(db.session.scalars(db.select(AdminAuditEntry).order_by(AdminAuditEntry.id)))
    assert [(e.action, e.admin_email) for e in entries] == [("search", "admin@example.com"),
                                                             ("view", "admin@example.com")]
    assert entries[1].target == bookings["abc"].public_ref and entries[1].ip == "127.0.0.1"
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert bookings["abc"].public_ref in html
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)


def test_recheck_settles_a_helsinki_parking_whose_reply_was_lost(app, admin_client, make_user):
    from tests.helsinki.conformance import HelsinkiDriver

    driver = HelsinkiDriver(app)
    user = make_user()
    driver.prepare_user(user)
    driver.sandbox.extensions["faults"].late_commit = 1
    booking = driver.book(user, "admin-recheck-1")
    assert booking.status == Status.UNKNOWN
    driver.sandbox.extensions["faults"].commit_late(driver.sandbox)
    response = admin_client.post(f"/admin/bookings/{booking.public_ref}/recheck")
    assert response.status_code == 303  # a reload of the result does not re-check again
    html = admin_client.get(response.location).get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE and "Checking with the provider → Active" in html
    assert booking.events[-1].actor.startswith("admin:")
    # a second re-check finds no difference
    response = admin_client.post(f"/admin/bookings/{booking.public_ref}/recheck", follow_redirects=True)
    assert "No difference" in response.get_data(as_text=True)


def test_recheck_says_when_the_provider_does_not_have_it_yet(app, admin_client, make_user):
    from tests.helsinki.conformance import HelsinkiDriver

    driver = HelsinkiDriver(app)
    user = make_user()
    driver.prepare_user(user)
    driver.sandbox.extensions["faults"].late_commit = 1
    booking = driver.book(user, "admin-recheck-2")
    html = admin_client.post(f"/admin/bookings/{booking.public_ref}/recheck",
                             follow_redirects=True).get_data(as_text=True)
    assert "does not show this booking yet" in html and "No difference" not in html


def test_admin_cancels_on_the_drivers_behalf_with_a_reason(app, admin_client, make_user):
    from tests.helsinki.conformance import HelsinkiDriver

    driver = HelsinkiDriver(app)
    user = make_user()
    driver.prepare_user(user)
    booking = driver.book(user, "admin-cancel-1")
    without = admin_client.post(f"/admin/bookings/{booking.public_ref}/cancel",
                                data={"reason": " ", "version": booking.version})
    assert without.status_code == 422 and without.get_data(as_text=True).count("Say why") == 1
    response = admin_client.post(f"/admin/bookings/{booking.public_ref}/cancel",
                                 data={"reason": "Driver called: wrong car", "version": booking.version})
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.CANCELLED and driver.remote_refs() == set()
    assert booking.events[-1].message == "Driver called: wrong car"


# --- access: drivers never reach admin pages, nobody sees another driver's booking -------------

def _example(rule, ref: str) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{argument}>", ref if argument == "ref" else "1", path)
    return path


def test_every_admin_route_is_403_for_a_driver(app, client, make_user, login, bookings):
    login(make_user())
    # /admin/… and every feature's own admin pages (/rentals/admin/cost, /seoul …/admin …)
    admin_rules = [r for r in app.url_map.iter_rules() if "/admin" in r.rule]
    assert len(admin_rules) >= 6
    for rule in admin_rules:
        path = _example(rule, bookings["abc"].public_ref)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert client.open(path, method=method).status_code == 403, (method, path)


def test_every_booking_route_is_404_for_another_driver(app, client, make_user, login, bookings):
    login(make_user())
    ref = bookings["abc"].public_ref
    booking_rules = [r for r in app.url_map.iter_rules()
                     if "ref" in r.arguments and "/admin" not in r.rule]
    assert booking_rules
    for rule in booking_rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example(rule, ref), method=method)
            assert response.status_code == 404, (method, rule.rule, response.status_code)
    assert db.session.get(Booking, bookings["abc"].id).status == Status.ACTIVE


def test_phone_with_parentheses_is_found_and_a_reference_is_not_taken_for_a_phone(admin_client, make_user,
                                                                                  make_booking):
    paren = make_booking(make_user(), contact_phone="(040) 765 4321")
    ending = make_booking(make_user(), contact_phone="+358 40 006 0825")
    assert _refs(admin_client.get("/admin", query_string={"q": "+358 40 765 4321"}).get_data(as_text=True)) == \
        {paren.public_ref}
    assert ending.public_ref not in admin_client.get("/admin", query_string={"q": "RE000060825"}).get_data(
        as_text=True)


def test_cancel_where_the_provider_has_none_is_a_sentence_not_a_500(admin_client, make_user, make_booking):
    session = make_booking(make_user(), kind="apds_session", provider="apds", provider_ref="S-1")
    response = admin_client.post(f"/admin/bookings/{session.public_ref}/cancel",
                                 data={"reason": "Driver asked", "version": session.version}, follow_redirects=True)
    assert response.status_code == 200
    assert "no cancellation for this booking" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.status == Status.ACTIVE


def test_a_reference_is_answered_exactly_before_any_partial_match(admin_client, make_user, make_booking):
    wanted = make_booking(make_user())
    lookalike = make_booking(make_user(), plate=wanted.public_ref.replace("-", ""))
    html = admin_client.get("/admin", query_string={"q": wanted.public_ref}).get_data(as_text=True)
    assert _refs(html) == {wanted.public_ref}
    # the same text as a partial plate still finds the look-alike when it is not a reference
    html = admin_client.get("/admin", query_string={"q": wanted.public_ref[3:]}).get_data(as_text=True)
    assert lookalike.public_ref in _refs(html)


def test_six_digits_find_a_plate_holding_them_as_well_as_a_phone(admin_client, make_user, make_booking):
    # a reference's random part can be all digits; searched without its prefix it is a partial plate too
    plate = make_booking(make_user(), plate="HP123456")
    phone = make_booking(make_user(), contact_phone="+358 40 712 3456")
    make_booking(make_user(), plate="XYZ-789", contact_phone="040 765 4321")
    assert _refs(admin_client.get("/admin", query_string={"q": "123456"}).get_data(as_text=True)) == \
        {plate.public_ref, phone.public_ref}


def test_admin_search_finds_a_partial_email_anywhere_and_a_drivers_name(make_user, make_booking):
    from webapp.bookings.admin_search import SearchFilters, search_bookings

    newbie = make_booking(make_user("newbie554826desk@example.org", name="Noora Virtanen"))
    korean = make_booking(make_user("minjun@example.kr", name="김민준"), plate="12가3456")
    for query, wanted in (("newbie", newbie), ("554826desk", newbie), ("noora", newbie), ("Virtanen", newbie),
                          ("김민준", korean), ("민준", korean)):
        found = {b.public_ref for b in search_bookings(SearchFilters(query=query)).rows}
        assert found == {wanted.public_ref}, query


def test_admin_phone_search_tells_countries_apart(make_user, make_booking):
    from webapp.bookings.admin_search import SearchFilters, search_bookings

    korean = make_booking(make_user(), kind="rental", provider="rentcar", contact_phone="010-1234-5678")
    dutch = make_booking(make_user(), kind="valet", provider="parking247", contact_phone="+31 6 1234 5678")
    finnish = make_booking(make_user(), contact_phone="040 123 4567")

    def found(query):
        return {b.public_ref for b in search_bookings(SearchFilters(query=query)).rows}

    assert found("010-1234-5678") == found("+82 10 1234 5678") == {korean.public_ref}
    assert found("+31 6 1234 5678") == found("06 1234 5678") == {dutch.public_ref}
    assert found("+358 40 123 4567") == found("040 123 4567") == {finnish.public_ref}


def test_a_search_of_beginnings_offers_to_look_inside_too(admin_client, make_user, make_booking, app):
    starts = make_booking(make_user("first@example.com"), plate="ABC-123")
    holds = make_booking(make_user("second@example.com"), plate="XABC-9")
    page = admin_client.get("/admin", query_string={"q": "ABC", "sort": "oldest"}).get_data(as_text=True)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:  # answered from the indexes of beginnings: the page says so, and links the search anywhere
        assert _refs(page) == {starts.public_ref}
        assert "begin with “ABC”" in page
        link = re.search(r'href="(/admin\?[^"]*anywhere=1[^"]*)"', page).group(1).replace("&amp;", "&")
        assert "q=ABC" in link and "sort=oldest" in link
        page = admin_client.get(link).get_data(as_text=True)
    assert _refs(page) == {starts.public_ref, holds.public_ref}
    assert "begin with" not in page
