"""A driver's history reads its parts from the indexes of migrations 0021 and 0022, not every booking of theirs.

At 1,000 bookings of one driver each part of the page read all of them from the table, and the past was
sorted whole for a page of 25 (bench/pages.py). The plans are SQLite's (PostgreSQL's are measured by the
bench): what matters is that the past is read in the page's order from an index and that the current
bookings and the past's count need no table rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import DATABASE_URL
from webapp.bookings.history import HistoryFilters, driver_history, driver_plates
from webapp.bookings.models import Status
from webapp.extensions import db

pytestmark = pytest.mark.skipif(bool(DATABASE_URL), reason="SQLite's plans; PostgreSQL's are in bench/pages.py")


def _plans(call) -> list[tuple[str, str]]:
    """(statement, its plan) of every statement ``call`` sends."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    with db.engine.connect() as connection:
        return [(statement, " ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                                   parameters)))
                for statement, parameters in sent]


def test_the_history_reads_the_past_in_its_order_from_an_index(make_user, make_booking):
    driver = make_user("driver@example.com")
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    for n in range(30):
        make_booking(driver, plate=f"ABC-{n % 3}", status=Status.COMPLETED if n % 2 else Status.CANCELLED,
                     starts_at=start - timedelta(days=n), ends_at=start - timedelta(days=n) + timedelta(hours=1))
    make_booking(driver, status=Status.RESERVED, starts_at=start + timedelta(days=400),
                 ends_at=start + timedelta(days=401))

    plans = _plans(lambda: (driver_history(driver.id, HistoryFilters(), page=2, now=start),
                            driver_plates(driver.id)))
    booking_reads = [(statement, plan) for statement, plan in plans
                     if "FROM bookings" in statement and "IN (?" not in statement.split("WHERE", 1)[-1][:40]]
    assert booking_reads, plans
    for statement, plan in booking_reads:
        assert "SCAN bookings" not in plan, (statement, plan)
    past = next(plan for statement, plan in booking_reads if "ORDER BY coalesce(" in statement and "LIMIT" in statement)
    # the page's 25 ids come from the index in order (no sort of every booking); only those 25 rows are sorted
    assert "LIST SUBQUERY" in past and "ix_bookings_user_started" in past, past
    assert past.count("TEMP B-TREE") == 1 and past.rindex("TEMP B-TREE") > past.index("ix_bookings_user_started"), past
    # the current rows (read only when the count says there are some) and both counts, from the index
    current = next(plan for statement, plan in booking_reads if "ORDER BY bookings.starts_at" in statement)
    assert "ix_bookings_user_status_ends (user_id=? AND status=?)" in current, current
    count = next(plan for statement, plan in plans if "count(*) FILTER" in statement)
    assert "COVERING INDEX ix_bookings_user_status_ends" in count, count
    plates = next(plan for statement, plan in booking_reads if "DISTINCT bookings.plate" in statement)
    assert "COVERING INDEX ix_bookings_user_plate" in plates, plates
    stamp = next(plan for statement, plan in booking_reads if "sum(bookings.version)" in statement)
    assert "COVERING INDEX ix_bookings_user_version" in stamp, stamp  # migration 0022


def test_the_history_pages_are_what_they_were(make_user, make_booking):
    driver = make_user("driver@example.com")
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    made = [make_booking(driver, status=Status.COMPLETED, starts_at=start - timedelta(hours=n))
            for n in range(30)]
    made.append(make_booking(driver, status=Status.COMPLETED, starts_at=None))  # ordered by when it was made
    first, second = (driver_history(driver.id, page=page, now=start + timedelta(days=1)) for page in (1, 2))
    newest_first = sorted(made, key=lambda b: (b.starts_at or b.created_at, b.id), reverse=True)
    assert [b.id for b in first.past + second.past] == [b.id for b in newest_first]
    assert first.pages == 2 and first.past_total == 31


def test_the_history_of_one_kind_counts_its_past_from_an_index(make_user, make_booking):
    driver = make_user("driver@example.com")
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    for n in range(12):
        make_booking(driver, kind="rental" if n % 2 else "street_parking", status=Status.COMPLETED,
                     starts_at=start - timedelta(days=n), ends_at=start - timedelta(days=n) + timedelta(hours=1))
    found = []
    plans = _plans(lambda: found.append(driver_history(driver.id, HistoryFilters(kind="rental"), now=start)))
    assert found[0].past_total == 6 and {b.kind for b in found[0].past} == {"rental"}
    count = next(plan for statement, plan in plans if "count(*) FILTER" in statement and "kind" in statement)
    assert "COVERING INDEX ix_bookings_user_kind_status_ends" in count, count  # migration 0022
