"""The history's money from the ledger: the monthly totals summed in SQL, and a page of bookings read in a
constant number of statements whatever its length."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from webapp.bookings.history import MonthTotal, monthly_totals
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import Action, Status
from webapp.extensions import db


@pytest.fixture
def driver(make_user):
    return make_user("months@example.com")


def _cancel(booking, fee: Decimal | None) -> None:
    booking.cancellation_fee = fee
    transition(booking, Action.CANCELLED, to=Status.CANCELLED)
    db.session.commit()


@pytest.fixture
def october(driver, make_booking):
    """A month with a parking, a valet booking cancelled with a fee, a pay-at-the-counter rental (its price
    changed once), a rental paid now and cancelled, a failed booking; and a parking in November."""
    october = datetime(2026, 10, 3, 9, tzinfo=UTC)
    parking = make_booking(driver, status=Status.COMPLETED, amount=Decimal("8.40"), starts_at=october)
    valet = make_booking(driver, kind="valet", provider="parking247", status=Status.RESERVED,
                         amount=Decimal("180.35"), starts_at=october + timedelta(days=5))
    _cancel(valet, Decimal("54.10"))
    counter = make_booking(driver, kind="rental", provider="rentcar", currency="KRW", status=Status.RESERVED,
                           amount=Decimal("189000"), amount_at_counter=Decimal("189000"),
                           starts_at=october + timedelta(days=20))
    counter.amount, counter.amount_at_counter = Decimal("322600"), Decimal("322600")
    transition(counter, Action.CHANGED)
    db.session.commit()
    prepaid = make_booking(driver, kind="rental", provider="rentcar", currency="KRW", status=Status.RESERVED,
                           amount=Decimal("99000"), starts_at=october + timedelta(days=21))
    _cancel(prepaid, Decimal(0))
    make_booking(driver, status=Status.FAILED, amount=Decimal("3.00"), starts_at=october)
    november = make_booking(driver, status=Status.COMPLETED, amount=Decimal("2.10"),
                            starts_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    return {"parking": parking, "valet": valet, "counter": counter, "prepaid": prepaid, "november": november}


def test_monthly_totals_count_the_fee_of_a_cancellation_and_the_money_paid_at_the_counter(driver, october):
    assert monthly_totals(driver.id) == [
        MonthTotal(date(2026, 11, 1), "EUR", Decimal("2.10"), Decimal(0), Decimal(0), 1),
        # the rental at the counter counts (the driver pays it, to the company); the cancelled one cost nothing
        MonthTotal(date(2026, 10, 1), "KRW", Decimal(0), Decimal("322600"), Decimal("99000"), 2),
        # 8.40 parked + the 54.10 247Parking kept of 180.35; the failed 3.00 was never charged
        MonthTotal(date(2026, 10, 1), "EUR", Decimal("62.50"), Decimal(0), Decimal("126.25"), 2),
    ]
    assert monthly_totals(driver.id)[1].total == Decimal("322600")


def test_monthly_totals_follow_the_history_filters(driver, october):
    from webapp.bookings.history import HistoryFilters

    rentals_only = monthly_totals(driver.id, HistoryFilters(kind="rental"))
    assert [(t.month, t.currency, t.total) for t in rentals_only] == [(date(2026, 10, 1), "KRW", Decimal("322600"))]
    assert monthly_totals(driver.id, HistoryFilters(status="cancelled"))[-1].paid_now == Decimal("54.10")


def test_the_history_page_says_the_totals_and_what_each_row_cost(client, login, driver, october):
    login(driver)
    html = client.get("/bookings").get_data(as_text=True)
    table = re.search(r'<table class="totals monthly-totals".*?</table>', html, re.S).group(0)
    rows = {(month, currency): [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", cells)]
            for month, currency, cells in re.findall(r'<tr data-month="([\d-]+)" data-currency="(\w+)">(.*?)</tr>',
                                                     table, re.S)}
    assert rows[("2026-10", "EUR")] == ["October 2026 EUR", "2", "€62.50", "€0.00", "€126.25", "€62.50"]
    assert rows[("2026-10", "KRW")] == ["October 2026 KRW", "2", "₩0", "₩322,600", "₩99,000", "₩322,600"]
    assert "at a rent company's counter" in html  # the page says what the total counts
    valet = next(row for row in re.findall(r'<li class="card booking-row">.*?</li>', html, re.S)
                 if october["valet"].public_ref in row)
    text = " ".join(re.sub(r"<[^>]+>", " ", valet).split())
    assert "Cancelled · refunded €126.25 · €54.10" in text and "€180.35" not in text
    counter = next(row for row in re.findall(r'<li class="card booking-row">.*?</li>', html, re.S)
                   if october["counter"].public_ref in row)
    assert "(₩322,600 at the counter)" in " ".join(re.sub(r"<[^>]+>", " ", counter).split())


@contextmanager
def _statements():
    """Count the SQL statements the block sends."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _bookings(driver, make_booking, n: int, first: datetime) -> None:
    kinds = (("street_parking", "helsinki", "EUR"), ("apds_session", "apds", "GBP"), ("rental", "rentcar", "KRW"),
             ("valet", "parking247", "EUR"))
    for index in range(n):
        kind, provider, currency = kinds[index % len(kinds)]
        booking = make_booking(driver, kind=kind, provider=provider, currency=currency, status=Status.COMPLETED,
                               amount=Decimal(10 + index), starts_at=first - timedelta(days=index))
        if index % 3 == 0:  # some with a refund, so the rows have more than one entry
            booking.amount = Decimal(5 + index)
            transition(booking, Action.STOPPED)
            db.session.commit()


def test_the_history_reads_thirty_bookings_in_as_many_statements_as_three(client, login, driver, make_booking):
    login(driver)
    first = datetime(2026, 9, 30, 9, tzinfo=UTC)
    _bookings(driver, make_booking, 3, first)
    client.get("/bookings")  # warm: the session, the caches of the layout
    with _statements() as few:
        assert client.get("/bookings").status_code == 200
    _bookings(driver, make_booking, 27, first - timedelta(days=40))
    client.get("/bookings")  # the totals of this state of the bookings are summed once, then kept
    with _statements() as many:
        html = client.get("/bookings").get_data(as_text=True)
    assert html.count('<li class="card booking-row">') == 25  # a full page
    assert len(many) == len(few), "\n".join(many)


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_the_payments_and_totals_are_said_in_every_language(client, login, driver, october, language):
    login(driver)
    client.post("/language", data={"language": language, "next": "/bookings"})
    history = client.get("/bookings")
    page = client.get(f"/bookings/{october['valet'].public_ref}")
    html = page.get_data(as_text=True)
    assert history.status_code == page.status_code == 200 and f'<html lang="{language}"' in html
    refund = {"fi": "Palautus", "sv": "Återbetalning", "ko": "환불"}[language]
    assert 'id="booking-payments"' in html and f"<td>{refund}</td>" in html
    assert {"fi": "Palautettu", "sv": "Återbetalt", "ko": "환불액"}[language] in html


def _page_totals(client) -> dict[tuple[str, str], list[str]]:
    html = client.get("/bookings").get_data(as_text=True)
    table = re.search(r'<table class="totals monthly-totals".*?</table>', html, re.S)
    if table is None:
        return {}
    return {(month, currency): [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", cells)][1:]
            for month, currency, cells in re.findall(r'<tr data-month="([\d-]+)" data-currency="(\w+)">(.*?)</tr>',
                                                     table.group(0), re.S)}


def test_the_kept_totals_follow_every_change_of_the_bookings(client, login, driver, make_booking, time_machine):
    """The totals and the vehicle filter's plates are worked out once per state of the driver's bookings and
    kept: each change below (a refund, a new booking, a start moved to another month, a cancellation) must show
    at once, on a stopped clock too."""
    time_machine.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False)
    login(driver)
    october = datetime(2026, 10, 3, 9, tzinfo=UTC)
    parking = make_booking(driver, status=Status.COMPLETED, amount=Decimal("8.40"), starts_at=october)
    assert _page_totals(client) == {("2026-10", "EUR"): ["1", "€8.40", "€0.00", "€0.00", "€8.40"]}
    assert _page_totals(client) == {("2026-10", "EUR"): ["1", "€8.40", "€0.00", "€0.00", "€8.40"]}  # kept

    parking.amount = Decimal("6.00")  # stopped earlier: part of it refunded
    transition(parking, Action.STOPPED)
    db.session.commit()
    assert _page_totals(client) == {("2026-10", "EUR"): ["1", "€6.00", "€0.00", "€2.40", "€6.00"]}

    assert '<option value="97-KGT-1"' not in client.get("/bookings").get_data(as_text=True)
    valet = make_booking(driver, kind="valet", provider="parking247", status=Status.RESERVED, plate="97-KGT-1",
                         amount=Decimal("100.00"), starts_at=october + timedelta(days=1))
    assert _page_totals(client)[("2026-10", "EUR")] == ["2", "€106.00", "€0.00", "€2.40", "€106.00"]
    assert '<option value="97-KGT-1"' in client.get("/bookings").get_data(as_text=True)  # the kept plates too

    valet.starts_at = datetime(2026, 11, 4, 9, tzinfo=UTC)  # the driver moved it: no money changes
    transition(valet, Action.CHANGED)
    db.session.commit()
    assert _page_totals(client) == {("2026-11", "EUR"): ["1", "€100.00", "€0.00", "€0.00", "€100.00"],
                                    ("2026-10", "EUR"): ["1", "€6.00", "€0.00", "€2.40", "€6.00"]}

    _cancel(valet, Decimal("30.00"))
    assert _page_totals(client)[("2026-11", "EUR")] == ["1", "€30.00", "€0.00", "€70.00", "€30.00"]
    assert client.get("/bookings?status=cancelled").status_code == 200
    assert "€6.00" not in client.get("/bookings?status=cancelled").get_data(as_text=True)

    # the table is kept as HTML per language too: the same state of the bookings, read in Finnish
    assert "November 2026" in client.get("/bookings").get_data(as_text=True)
    client.post("/language", data={"language": "fi", "next": "/bookings"})
    finnish = client.get("/bookings").get_data(as_text=True)
    assert "marraskuu 2026" in finnish and "November 2026" not in finnish
    assert "30,00\xa0€" in finnish
