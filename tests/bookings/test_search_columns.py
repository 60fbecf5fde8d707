"""The stored search columns of a booking (plate_key, email_lower, phone_tail) and the admin search on them."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import event, text, update

from tests.conftest import DATABASE_URL
from webapp import create_app
from webapp.accounts import users as accounts
from webapp.bookings.admin_search import SearchFilters, search_bookings
from webapp.bookings.models import Booking
from webapp.config import TestingConfig
from webapp.extensions import db


def _found(query: str) -> set[str]:
    return {booking.public_ref for booking in search_bookings(SearchFilters(query=query)).rows}


def test_the_booking_core_fills_the_search_columns_on_create_and_on_change(make_user, make_booking):
    booking = make_booking(make_user(), plate="abc-123", contact_email="  Driver@Example.COM ",
                           contact_phone="+358 (40) 123-45.67")
    db.session.expire_all()
    assert (booking.plate_key, booking.email_lower, booking.phone_tail) == \
        ("ABC123", "driver@example.com", "01234567")
    booking.plate, booking.contact_email, booking.contact_phone = "xyz 9", None, ""
    db.session.commit()
    db.session.expire_all()
    assert (booking.plate_key, booking.email_lower, booking.phone_tail) == ("XYZ9", None, None)


@pytest.mark.parametrize("query", ["ABC", "abc-1", "abc 123", "BC12", "c-12"])
def test_a_partial_plate_finds_abc_123_through_plate_key(make_user, make_booking, query):
    wanted = make_booking(make_user(), plate="ABC-123")
    make_booking(make_user(), plate="XYZ-789")
    assert _found(query) == {wanted.public_ref}


@pytest.mark.parametrize("query", ["driver@", "DRIVER@EXAMPLE", "river@example.c"])
def test_a_partial_email_finds_the_booking_through_email_lower(make_user, make_booking, query):
    wanted = make_booking(make_user("driver@example.com"))
    make_booking(make_user("other@example.com"))
    assert _found(query) == {wanted.public_ref}


@pytest.mark.parametrize("query", ["040 123 4567", "+358 40 123 4567", "(040) 123-4567", "0401234567",
                                   "+358-40-123-45-67", "123 4567", "234567"])
def test_a_phone_in_any_formatting_finds_the_booking_through_phone_tail(make_user, make_booking, query):
    wanted = make_booking(make_user(), contact_phone="+358 (40) 123 4567")
    make_booking(make_user(), contact_phone="040 765 4321")
    assert _found(query) == {wanted.public_ref}


def test_the_search_reads_the_stored_columns_not_the_typed_values(make_user, make_booking):
    booking = make_booking(make_user("driver@example.com"), plate="ABC-123", contact_phone="040 123 4567")
    # as if normalised by other rules: only the stored columns decide what the search finds
    db.session.execute(update(Booking).where(Booking.id == booking.id)
                       .values(plate_key="ZZZ999", email_lower="someone@else.org", phone_tail="09998888"))
    db.session.commit()
    assert _found("ABC") == _found("driver@") == _found("040 123 4567") == set()
    assert _found("zzz-9") == _found("someone@") == {booking.public_ref}
    # a phone's candidates come from phone_tail alone; the number itself then decides the country
    assert _found("040 999 8888") == set()


def test_erasing_an_account_erases_the_search_copies_of_its_contact(make_user, make_booking):
    from tests.conftest import DEFAULT_PASSWORD

    user = make_user("driver@example.com", phone="040 123 4567")
    booking = make_booking(user)
    accounts.delete_account(user.id, DEFAULT_PASSWORD)
    db.session.expire_all()
    assert (booking.contact_email, booking.email_lower, booking.phone_tail) == (None, None, None)
    assert _found("driver@") == _found("040 123 4567") == set()


@pytest.mark.skipif(bool(DATABASE_URL), reason="SQLite's plan; PostgreSQL's is measured by bench/admin_lookup.py")
def test_on_sqlite_a_beginning_is_an_index_range_and_only_a_middle_scans_the_index(make_user, make_booking):
    make_booking(make_user("driver@example.com"), plate="ABC-123", contact_phone="+358 40 123 4567")

    def plans(query: str) -> str:
        sent_with_parameters = []

        def record(conn, cursor, statement, parameters, context, executemany):
            sent_with_parameters.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            search_bookings(SearchFilters(query=query))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        found = []
        with db.engine.connect() as connection:
            for statement, parameters in sent_with_parameters:
                found += [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                        parameters)]
        assert not [plan for plan in found if plan == "SCAN bookings"], found  # never the table itself
        return " ".join(found)

    # what an admin mostly types: the beginning of a plate or an address, a phone — ranges of the indexes
    for query, column in (("abc-1", "plate_key"), ("driver@", "email_lower")):
        used = plans(query)
        assert f"ix_bookings_{column}_search ({column}>? AND {column}<?)" in used, used
        assert "SCAN bookings USING COVERING INDEX" not in used, used
    used = plans("+358 40 123 4567")
    assert "ix_bookings_phone_tail (phone_tail=?)" in used and "SCAN bookings USING" not in used, used
    # a middle of a plate that nothing starts with: the narrow index is scanned, as before
    assert "SCAN bookings USING COVERING INDEX ix_bookings_plate_key_search" in plans("bc-1")


@pytest.mark.skipif(bool(DATABASE_URL), reason="SQLite's two passes; PostgreSQL matches anywhere in one")
def test_on_sqlite_what_starts_with_the_text_is_the_answer_else_what_holds_it(make_user, make_booking):
    starts = make_booking(make_user("first@example.com"), plate="ABC-123")
    holds = make_booking(make_user("second@example.com"), plate="XABC-9")
    assert _found("ABC") == {starts.public_ref}
    assert _found("ABC-9") == {holds.public_ref}  # nothing starts with it: found inside a plate
    assert _found("second@") == {holds.public_ref} and _found("example.com") == {starts.public_ref,
                                                                                   holds.public_ref}


def test_migration_0014_backfills_the_search_columns_of_existing_bookings(tmp_path):
    if DATABASE_URL:
        pytest.skip("tests/test_migrations.py covers the chain on PostgreSQL; the backfill is dialect-neutral")
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path),
                                    "DATABASE_URL": f"sqlite:///{tmp_path}/backfill.sqlite3"}))
    with app.app_context():
        flask_migrate.upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO bookings (public_ref, kind, provider, status, title, currency, plate, contact_email, "
                "contact_phone, created_at, updated_at, version) VALUES ('HP-AAAAAA', 'street_parking', "
                "'helsinki', 'active', '', 'EUR', 'abc-123', ' Driver@Example.com', '+358 (40) 123 4567', "
                "'2026-11-27 10:00:00', '2026-11-27 10:00:00', 1), ('HP-BBBBBB', 'street_parking', 'helsinki', "
                "'active', '', 'EUR', '', NULL, NULL, '2026-11-27 10:00:00', '2026-11-27 10:00:00', 1)"))
        flask_migrate.upgrade(revision="0014")
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT public_ref, plate_key, email_lower, phone_tail FROM bookings "
                                           "ORDER BY public_ref")).all()
        assert [tuple(row) for row in rows] == [("HP-AAAAAA", "ABC123", "driver@example.com", "01234567"),
                                                ("HP-BBBBBB", "", None, None)]
        flask_migrate.upgrade()  # the search reads through today's model
        assert _found("abc-1") == {"HP-AAAAAA"}
        db.engine.dispose()
    app.extensions["providers"].close()


def test_the_plate_guard_compares_the_stored_plate_key(make_user, make_booking):
    from datetime import timedelta

    from webapp.bookings.operations import overlapping
    from webapp.core.clock import utcnow

    now = utcnow()
    held = make_booking(make_user(), plate="abc 123", starts_at=now, ends_at=now + timedelta(hours=2))
    make_booking(make_user(), plate="ABC-124", starts_at=now, ends_at=now + timedelta(hours=2))
    assert [b.id for b in overlapping("ABC-123", now + timedelta(minutes=30), now + timedelta(hours=1))] == [held.id]
    # only the stored key decides: a booking whose key says another car does not hold this plate
    db.session.execute(update(Booking).where(Booking.id == held.id).values(plate_key="ZZZ999"))
    db.session.commit()
    assert overlapping("ABC-123", now, now + timedelta(hours=1)) == []


def test_a_search_of_beginnings_says_so_and_anywhere_finds_the_rest(make_user, make_booking):
    """SQLite answers from beginnings first, and the page says so; asked, it looks inside plates too. On
    PostgreSQL every search is anywhere. Either way the two plates are found by ``anywhere``."""
    starts = make_booking(make_user("first@example.com"), plate="ABC-123")
    holds = make_booking(make_user("second@example.com"), plate="XABC-9")
    first = search_bookings(SearchFilters(query="ABC"))
    anywhere = search_bookings(SearchFilters(query="ABC", anywhere=True))
    assert {b.public_ref for b in anywhere.rows} == {starts.public_ref, holds.public_ref}
    assert not anywhere.starts_with_only
    if db.session.get_bind().dialect.name == "sqlite":
        assert first.starts_with_only and {b.public_ref for b in first.rows} == {starts.public_ref}
    else:
        assert not first.starts_with_only and first.total == 2
