"""Mail drivers expect about their bookings: a confirmation, and a reminder before a parking ends.

A job, every minute (``booking_notices``), instead of a hook in each provider's
use case: whatever provider settled a booking, and however it got there (at
once, or by reconciliation after a lost reply), the next run mails it. Each
notice is a ``BookingNotice`` row committed before the mail goes, unique per
booking and kind, so N consumers and a manual run send it at most once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError

from webapp.accounts import notices
from webapp.accounts.models import BookingNotice, User
from webapp.bookings.models import Booking, Status
from webapp.bookings.receipts import has_receipt
from webapp.bookings.registry import booking_title
from webapp.core.clock import locale_for, utcnow
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task
from webapp.extensions import db
from webapp.push.reminders import push_reminds_of_ending

log = logging.getLogger(__name__)

CONFIRMED = "confirmed"
ENDING = "ending"
#: bookings settled longer ago get no confirmation (a first deployment does not mail the history)
CONFIRM_WITHIN = timedelta(hours=1)
#: the reminder goes this long before a parking ends (the banner warns at the same time)
REMIND_BEFORE = timedelta(minutes=10)


def _without(kind: str):
    return ~exists().where(and_(BookingNotice.booking_id == Booking.id, BookingNotice.kind == kind))


def _due(now: datetime) -> list[tuple[Booking, str]]:
    mailable = (Booking.contact_email.is_not(None), Booking.user_id.is_not(None))
    confirm = db.session.scalars(
        select(Booking).where(*mailable, Booking.status.in_((Status.ACTIVE, Status.RESERVED)),
                              Booking.created_at >= now - CONFIRM_WITHIN, _without(CONFIRMED))
    )
    remind = db.session.scalars(
        select(Booking).where(*mailable, Booking.status == Status.ACTIVE, Booking.ends_at > now,
                              Booking.ends_at <= now + REMIND_BEFORE, _without(ENDING))
    )
    # The e-mail reminder is for drivers without push: one whose phone is warned by push (a device, the
    # kind on, a parking push warns of) gets no mail. Left out here rather than claimed as "not needed",
    # so that if the push warning cannot go (the last device removed or gone, the kind turned off within
    # these 10 minutes) the next run still mails it.
    remind = [booking for booking in remind if not push_reminds_of_ending(booking)]
    return [(booking, CONFIRMED) for booking in confirm] + [(booking, ENDING) for booking in remind]


def _claim(booking: Booking, kind: str, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(BookingNotice(booking_id=booking.id, kind=kind, sent_at=now))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()  # another consumer claimed it first
        return False


def _links(booking: Booking) -> dict[str, str | None]:
    """The booking's page and, once something is paid, its receipt: absolute, on ``PUBLIC_BASE_URL``."""
    paid = has_receipt(booking)
    return {"booking_url": notices.public_url("bookings.detail", ref=booking.public_ref),
            "receipt_url": notices.public_url("bookings.receipt", ref=booking.public_ref) if paid else None}


def send_booking_notices(now: datetime | None = None) -> int:
    """Mail every confirmation and reminder that is due; returns how many went out."""
    now = now or utcnow()
    sent = 0
    for booking, kind in _due(now):
        if not _claim(booking, kind, now):
            continue
        user = db.session.get(User, booking.user_id)
        links = _links(booking)
        language = (user.language if user else None) or "en"
        with force_locale(locale_for(language)):
            # the title in the reader's language (a rent-car's Korean model name with its English one)
            title = booking_title(booking, language)
            subject = (_l("Booked: %(title)s", title=title) if kind == CONFIRMED
                       else _l("Your parking ends soon: %(title)s", title=title))
            template = "account/mail/booking_confirmed.txt" if kind == CONFIRMED else "account/mail/parking_ending.txt"
            sent += notices.send(booking.contact_email, str(subject), template, booking=booking, title=title,
                                 **links)
    return sent


@app_periodic_task(EVERY_MINUTE)
def booking_notices() -> None:
    """The job: confirmations and reminders due this minute."""
    sent = send_booking_notices()
    if sent:
        log.info("booking mail: %d sent", sent)
