"""The money ledger: every change of what a booking costs is posted as its difference, per settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from webapp.bookings import ledger
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import AT_COUNTER, PAID_NOW, Action, Status
from webapp.extensions import db


@pytest.fixture
def pending(app, make_user, make_booking):
    return make_booking(make_user("ledger@example.com"), kind="rental", provider="rentcar", currency="KRW",
                        amount=Decimal("100000"), status=Status.PENDING)


def _entries(booking):
    return [(entry.reason, entry.settlement, entry.amount) for entry in booking.ledger]


def test_nothing_is_charged_before_the_provider_confirms(pending):
    assert _entries(pending) == []
    assert ledger.summary(pending).total == 0


def test_confirmation_charges_the_price_split_between_now_and_the_counter(pending):
    pending.amount_at_counter = Decimal("30000")
    transition(pending, Action.PROVIDER_CALL, to=Status.RESERVED)
    db.session.commit()
    assert _entries(pending) == [("provider_call", PAID_NOW, Decimal("70000")),
                                 ("provider_call", AT_COUNTER, Decimal("30000"))]
    money = ledger.summary(pending)
    assert (money.paid_now, money.at_counter, money.total, money.refunded) == (70000, 30000, 100000, 0)


def test_a_change_posts_only_its_difference_where_it_is_paid(pending):
    pending.amount_at_counter = Decimal("100000")  # all at the counter
    transition(pending, Action.PROVIDER_CALL, to=Status.RESERVED)
    db.session.commit()
    pending.amount, pending.amount_at_counter = Decimal("133600"), Decimal("133600")
    transition(pending, Action.CHANGED)
    db.session.commit()
    assert _entries(pending)[-1] == ("changed", AT_COUNTER, Decimal("33600"))
    assert ledger.summary(pending).paid_now == 0  # a pay-at-the-counter rental never shows "paid now"


def test_a_cancellation_refunds_all_but_the_fee_and_nothing_stays_due_at_the_counter(pending):
    pending.amount_at_counter = Decimal("20000")
    transition(pending, Action.PROVIDER_CALL, to=Status.RESERVED)
    db.session.commit()
    pending.cancellation_fee = Decimal("5000")
    transition(pending, Action.CANCELLED, to=Status.CANCELLED)
    db.session.commit()
    money = ledger.summary(pending)
    assert (money.paid_now, money.at_counter, money.refunded, money.charged) == (5000, 0, 75000, 80000)
    assert {entry.reason for entry in pending.ledger if entry.is_refund} == {"cancelled"}


def test_a_failure_after_a_charge_refunds_it_and_repeated_flushes_post_nothing_more(pending):
    transition(pending, Action.PROVIDER_CALL, to=Status.ACTIVE)
    db.session.commit()
    for _ in range(3):
        db.session.commit()
    assert len(pending.ledger) == 1
    pending.status = Status.FAILED  # (the lifecycle forbids it; the ledger follows whatever is stored)
    db.session.commit()
    assert ledger.summary(pending).total == 0 and ledger.summary(pending).refunded == 100000


def test_migration_0015_opens_the_ledger_of_existing_bookings_with_what_they_cost(tmp_path):
    import flask_migrate
    from sqlalchemy import text

    from webapp import create_app
    from webapp.config import TestingConfig

    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path),
                                    "DATABASE_URL": f"sqlite:///{tmp_path}/opening.sqlite3"}))
    with app.app_context():
        flask_migrate.upgrade(revision="0014")
        with db.engine.begin() as connection:
            for ref, status, amount in (("HP-AAAAAA", "completed", "4.20"), ("HP-BBBBBB", "failed", "3.00"),
                                        ("HP-CCCCCC", "active", None)):
                connection.execute(text(
                    "INSERT INTO bookings (public_ref, kind, provider, status, title, currency, plate, plate_key, "
                    "amount, created_at, updated_at, version) VALUES (:ref, 'street_parking', 'helsinki', :status, '', "
                    "'EUR', '', '', :amount, '2026-11-27 10:00:00', '2026-11-27 10:00:00', 1)"),
                    {"ref": ref, "status": status, "amount": amount})
        flask_migrate.upgrade(revision="0015")
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT b.public_ref, l.settlement, l.amount, l.reason FROM booking_ledger l "
                "JOIN bookings b ON b.id = l.booking_id")).all()
        assert [(ref, settlement, Decimal(str(value)), reason) for ref, settlement, value, reason in rows] == [
            ("HP-AAAAAA", "now", Decimal("4.20"), "opening")]
        db.engine.dispose()
    app.extensions["providers"].close()
