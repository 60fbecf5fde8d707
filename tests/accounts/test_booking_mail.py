"""Booking mail read from the outbox: a confirmation once, a reminder before a parking ends (issue 11)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from webapp.accounts import booking_mail
from webapp.bookings.models import Status
from webapp.core.clock import utcnow


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"].outbox = []
    return box


def test_an_active_booking_is_confirmed_once_however_often_the_job_runs(app, make_user, make_booking, outbox):
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now, ends_at=now + timedelta(hours=2))
    assert booking_mail.send_booking_notices(now) == 1
    assert booking_mail.send_booking_notices(now) == 0
    (mail,) = outbox
    assert mail.to == ["driver@example.com"] and booking.public_ref in mail.body and "confirmed" in mail.body


def test_a_parking_ending_within_ten_minutes_gets_one_reminder(app, make_user, make_booking, outbox):
    user = make_user("driver@example.com")
    now = utcnow()
    booking = make_booking(user, status=Status.ACTIVE, starts_at=now - timedelta(hours=2),
                           ends_at=now + timedelta(minutes=30), created_at=now - timedelta(hours=2))
    assert booking_mail.send_booking_notices(now) == 0  # settled long ago, ends later
    later = now + timedelta(minutes=25)
    assert booking_mail.send_booking_notices(later) == 1
    assert booking_mail.send_booking_notices(later + timedelta(minutes=1)) == 0
    (mail,) = outbox
    assert "ends soon" in mail.subject and booking.public_ref in mail.body


def test_failed_pending_and_detached_bookings_get_no_mail(app, make_user, make_booking, outbox):
    user = make_user()
    now = utcnow()
    make_booking(user, status=Status.FAILED)
    make_booking(user, status=Status.PENDING)
    make_booking(None, status=Status.ACTIVE, ends_at=now + timedelta(minutes=5))
    assert booking_mail.send_booking_notices(now) == 0 and outbox == []




@pytest.mark.parametrize(("language", "start"), [
    (None, "06/12/2026, 11:08 (Finland Time)"),  # browser language: British English
    ("en", "06/12/2026, 11:08 (Finland Time)"),
    ("fi", "6.12.2026 11.08 (aikavyöhyke: Suomi)"),
    ("sv", "2026-12-06 11:08 (Finlandtid)"),
    ("ko", "26. 12. 6. 오전 11:08 (핀란드 시간)"),
])
def test_mail_times_are_in_the_readers_format_with_the_zone_named(app, make_user, make_booking, outbox, language,
                                                                 start):
    from datetime import UTC, datetime
    user = make_user("zone@example.com", language=language, name="", phone="") if language else \
        make_user("zone@example.com")
    starts = datetime(2026, 12, 6, 9, 8, tzinfo=UTC)  # 11:08 in Helsinki
    make_booking(user, status=Status.ACTIVE, starts_at=starts, ends_at=starts + timedelta(hours=2),
                 created_at=starts)
    assert booking_mail.send_booking_notices(starts + timedelta(minutes=1)) == 1
    (mail,) = outbox
    assert start in mail.body, mail.body
    assert "12/6/26" not in mail.body and not re.search(r"\d (AM|PM)\b", mail.body)  # (a reference may hold "AM")
