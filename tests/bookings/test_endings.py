"""A right that runs out at its end (a street parking) is recorded as completed by a job, so every page,
the admin's included, agrees with the provider, which ended it without telling anyone."""

from __future__ import annotations

from datetime import timedelta

from webapp.bookings import endings
from webapp.bookings.models import Action, Status
from webapp.core.clock import utcnow
from webapp.extensions import db


def test_a_parking_past_its_end_is_completed_and_one_still_running_is_not(app, make_user, make_booking):
    driver = make_user()
    now = utcnow()
    over = make_booking(driver, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=1))
    running = make_booking(driver, plate="XYZ-987", starts_at=now - timedelta(hours=1),
                           ends_at=now + timedelta(minutes=30))
    rental = make_booking(driver, kind="rental", provider="rentcar", plate="12가3456",
                          starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    assert endings.complete_ended(now) == 1
    db.session.refresh(over), db.session.refresh(running), db.session.refresh(rental)
    assert over.status == Status.COMPLETED and over.events[-1].action == Action.ENDED
    assert running.status == Status.ACTIVE
    assert rental.status == Status.ACTIVE  # a rental ends when the car is returned, not by the clock
    assert endings.complete_ended(now) == 0  # once
    assert [e.reason for e in over.ledger] == ["created"]  # the end moves no money: the stay was paid for


def test_the_booking_page_names_the_end_in_the_drivers_language(app, client, login, make_user, make_booking):
    driver = make_user(language="fi", name="", phone="")
    now = utcnow()
    over = make_booking(driver, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=1))
    endings.complete_ended(now)
    login(driver)
    html = client.get(f"/bookings/{over.public_ref}").get_data(as_text=True)
    assert "Päättyi" in html
