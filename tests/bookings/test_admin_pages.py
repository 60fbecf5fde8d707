import pytest


@pytest.mark.parametrize("path", ["/admin", "/admin?q=ABC-123", "/admin/bookings/HP-AAAAAA"])
def test_drivers_get_403_on_admin_pages(client, make_user, login, path):
    login(make_user())
    assert client.get(path).status_code == 403


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user("boss@example.com", role="admin"))
    return client


@pytest.fixture
def booking(make_user, make_booking):
    driver = make_user("Driver@Example.com", phone="+358 40 123 4567")
    return make_booking(driver, plate="ABC-123", provider_ref="D8AF256C-B090")


@pytest.mark.parametrize(
    "query",
    ["ABC-123", "abc123", "driver@example.com", "+358 40 123 4567", "0401234567", "D8AF256C-B090"],
)
def test_admin_finds_booking_by_plate_email_phone_or_provider_ref(admin_client, booking, query):
    html = admin_client.get("/admin", query_string={"q": query}).get_data(as_text=True)
    assert booking.public_ref in html


def test_admin_finds_booking_by_our_reference(admin_client, booking):
    html = admin_client.get("/admin", query_string={"q": booking.public_ref.lower()}).get_data(as_text=True)
    assert booking.public_ref in html


def test_admin_search_without_match_says_so(admin_client, booking):
    html = admin_client.get("/admin", query_string={"q": "ZZZ-999"}).get_data(as_text=True)
    assert "No booking matches" in html and booking.public_ref not in html


def test_admin_search_over_htmx_returns_results_block(admin_client, booking):
    response = admin_client.get("/admin", query_string={"q": "ABC-123"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results"') and booking.public_ref in html
    assert "HX-Request" in response.headers["Vary"]


def test_admin_booking_page_shows_contact_and_codes(admin_client, booking):
    from webapp.bookings.operations import record
    from webapp.extensions import db

    record(booking, "provider_call", actor="system", outcome="error", provider_code="1204", message="cancel: 1204")
    db.session.commit()
    html = admin_client.get(f"/admin/bookings/{booking.public_ref}").get_data(as_text=True)
    assert "driver@example.com" in html and "+358 40 123 4567" in html
    assert "<code>1204</code>" in html and "cancel: 1204" in html


def test_admin_booking_page_says_kinds_actors_and_times_in_words(admin_client, booking):
    from webapp.bookings.operations import record
    from webapp.extensions import db

    record(booking, "provider_call", actor=f"user:{booking.user_id}", message="extend")
    record(booking, "settled by support", actor="admin:3")
    record(booking, "reconcile", actor="system")
    db.session.commit()
    html = admin_client.get(f"/admin/bookings/{booking.public_ref}").get_data(as_text=True)
    facts = html.split('id="booking-facts"', 1)[1].split("</dl>", 1)[0]
    assert "Street parking" in facts and "street_parking" not in facts
    assert "City of Helsinki" in facts  # the provider named, not its key "helsinki"
    assert "(Finland Time)" in facts  # times with their zone named
    timeline = html.split('class="timeline"', 1)[1]
    assert "The driver" in timeline and "Support (admin 3)" in timeline and "Automatic" in timeline
    assert "user:" not in timeline and "admin:3" not in timeline


def test_the_audit_log_says_what_was_done_in_words_with_its_zone(admin_client, booking):
    admin_client.get(f"/admin/bookings/{booking.public_ref}")
    admin_client.get("/admin", query_string={"q": "ABC"})
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    table = html.split('class="audit"', 1)[1]
    assert "Viewed the booking" in table and "Searched" in table
    assert "<td>view" not in table and "(Finland Time)" in table
    assert "Katsoi varauksen" in admin_client.get("/admin/audit?lang=fi").get_data(as_text=True)


def test_the_search_filters_name_providers_and_kinds_in_words(admin_client):
    html = admin_client.get("/admin").get_data(as_text=True)
    assert '<option value="parking247">247Parking valet</option>' in html
    assert '<option value="apds_session">Car park</option>' in html
    assert ">apds_session<" not in html and ">parking247<" not in html


def test_a_search_with_more_matches_than_it_counts_says_more_than_and_still_pages_to_the_end(
        admin_client, make_user, make_booking, monkeypatch):
    """The count stops at COUNT_UP_TO (a status filter counted 60,000 bookings for each page): past it the page
    says "More than …", and Next goes on while a page has rows after it."""
    from webapp.bookings import admin_search
    from webapp.bookings.models import Status

    monkeypatch.setattr(admin_search, "COUNT_UP_TO", 5)
    monkeypatch.setattr(admin_search, "PAGE_SIZE", 2)
    driver = make_user("many@example.com")
    made = {make_booking(driver, status=Status.COMPLETED).public_ref for _ in range(8)}
    make_booking(driver, status=Status.CANCELLED)
    seen: set[str] = set()
    for page in (1, 2, 3, 4):
        html = admin_client.get("/admin", query_string={"status": "completed", "page": page}).get_data(as_text=True)
        assert "More than 5 bookings" in html and f"Page {page}<" in html and " of " not in html.split("pager")[-1]
        seen |= {ref for ref in made if ref in html}
        assert ('>Next</a>' in html) is (page < 4), page
    assert seen == made
    few = admin_client.get("/admin", query_string={"status": "cancelled"}).get_data(as_text=True)
    assert "1 booking" in few and "More than" not in few
