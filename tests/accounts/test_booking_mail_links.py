"""Booking mail carries absolute links on PUBLIC_BASE_URL: jobs have no request to take a host from (issue 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from webapp.accounts import booking_mail
from webapp.bookings.models import Status
from webapp.config import DevelopmentConfig, ProductionConfig, TestingConfig
from webapp.core.clock import utcnow


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"].outbox = []
    return box


def test_the_confirmation_links_the_booking_page_and_its_receipt(app, make_user, make_booking, outbox):
    app.config["PUBLIC_BASE_URL"] = "https://parkgo.example"
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now, ends_at=now + timedelta(hours=2))
    assert booking_mail.send_booking_notices(now) == 1  # no request here: the job's own context only
    (mail,) = outbox
    lines = mail.body.splitlines()
    assert f"Your booking: https://parkgo.example/bookings/{booking.public_ref}" in lines
    assert f"Receipt: https://parkgo.example/bookings/{booking.public_ref}/receipt" in lines


def test_a_booking_with_nothing_paid_has_no_receipt_link(app, make_user, make_booking, outbox):
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.RESERVED, amount=None, starts_at=now + timedelta(days=1))
    assert booking_mail.send_booking_notices(now) == 1
    (mail,) = outbox
    # the development default
    assert f"Your booking: http://127.0.0.1:5000/bookings/{booking.public_ref}" in mail.body.splitlines()
    assert "/receipt" not in mail.body


def test_the_reminder_links_the_booking_page_under_a_path_prefix(app, make_user, make_booking, outbox):
    app.config["PUBLIC_BASE_URL"] = "https://example.org/parkgo"
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now - timedelta(hours=2),
                           ends_at=now + timedelta(minutes=5), created_at=now - timedelta(hours=2))
    assert booking_mail.send_booking_notices(now) == 1
    (mail,) = outbox
    assert "ends soon" in mail.subject
    assert f"Your booking: https://example.org/parkgo/bookings/{booking.public_ref}" in mail.body.splitlines()


def test_the_link_opens_the_booking_page(app, client, make_user, make_booking, outbox):
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now, ends_at=now + timedelta(hours=2))
    booking_mail.send_booking_notices(now)
    link = next(line for line in outbox[0].body.splitlines() if "/bookings/" in line and "receipt" not in line)
    path = link.split("http://127.0.0.1:5000", 1)[1]
    client.post("/login", data={"email": "driver@example.com", "password": "correct horse battery"})
    response = client.get(path)
    assert response.status_code == 200 and booking.public_ref in response.get_data(as_text=True)


@pytest.mark.parametrize("config", [DevelopmentConfig, TestingConfig])
def test_public_base_url_comes_from_the_environment_without_its_trailing_slash(tmp_path, config):
    environ = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 32}
    assert config(environ).PUBLIC_BASE_URL == "http://127.0.0.1:5000"
    assert config({**environ, "PUBLIC_BASE_URL": "https://parkgo.example/ "}).PUBLIC_BASE_URL == \
        "https://parkgo.example"


def test_production_without_public_base_url_warns(tmp_path, caplog):
    ProductionConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 32})
    assert "PUBLIC_BASE_URL is not set" in caplog.text


def test_a_finnish_driver_gets_the_mail_in_finnish(app, make_user, make_booking, outbox):
    user = make_user("kuljettaja@example.com")
    user.language = "fi"
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now, ends_at=now + timedelta(hours=2))
    assert booking_mail.send_booking_notices(now) == 1
    (mail,) = outbox
    # the mail templates' own words come from the catalogs too (babel.cfg extracts templates/**.txt)
    assert f"Varauksesi: http://127.0.0.1:5000/bookings/{booking.public_ref}" in mail.body.splitlines()
    assert "Varauksesi on vahvistettu." in mail.body
