"""Helsinki street parkings reported to the city's live parking hub (parkkihubi), exactly, without a read call.

With ``HELSINKI_BACKEND=parkkihubi`` a street parking is sold and priced by us (the city's areas
and tariffs, as with the city API) and reported to the hub, where enforcement looks a car up:
its start, every extension, its stop and its cancellation within the regret time. Such a
booking has ``provider`` "parkkihubi", the hub's parking id as ``provider_ref`` and a
``HubReport`` row: what the hub was told, and what is still to tell.

**Why the hub needs its own answer to a lost reply.** The booking core settles a lost reply by
looking the remote booking up. The hub cannot be read (GET is 405; ``shared/parkkihubi-operator-api.md``,
*Endpoints*): the id in the create's answer is the only handle, and an identical repeat POST is a
second parking (*Things the server does not check*). So instead of reading, we make the hub hold
what our record says, with writes chosen so that sending one again is always safe:

1. **Our record is the truth; after the create, every write can be repeated.** A change is a
   ``PATCH`` of exactly ``{"time_end": <absolute instant>}`` — the one change the hub accepts at any
   time, grace period or not (*Grace period*) — and a cancellation is a ``DELETE``, whose repeat
   answers 404 once the first was carried out, which is what we asked. Sent again, either leaves
   the hub as one send would; so a lost answer is answered by sending the same write again
   (twice within the driver's request, then every minute by the job) until the hub answers.

2. **The create cannot be repeated, so it never carries the paid end.** A create whose answer was
   lost may have left a parking whose id we will never learn, and so can never move or delete. The
   first ``POST`` therefore ends at most ``HOLD`` (two minutes, the hub's own grace period) after we
   send it; only once its answer gives us the id is the paid end sent with a ``PATCH``. An orphan of
   a lost, late or concurrent create ends by itself within two minutes of its sending, and a lost
   create is answered with a new create (a new hold), never a blind repeat of the old one. A
   create answered to two processes at once keeps the first id stored; the other deletes its own.

3. **What the driver pays follows what the hub confirmed, in the driver's favour.**
   - *start*: active and charged only once the hub confirmed the paid end. Until then the booking
     is unknown (nothing charged) and each look-up — at once in the request, then the core's sweep —
     sends what is missing (a new create, or the ``PATCH``). A re-sent create starts when it is
     sent, and the price is quoted again from there: the driver never pays for minutes the hub did
     not show the car paid. By ``settle_deadline`` (the hold plus one sweep) it is given up: failed,
     nothing charged, and a parking whose id we hold is deleted.
   - *extend*: charged only when the hub confirms the new end. Unconfirmed, the extension is
     refused (nothing charged) and the old end is sent again, which also undoes the extension
     should the hub carry it out late.
   - *stop*: the driver stops paying at once; the stop's ``PATCH`` is sent until the hub answers.
     When only the answer was lost the hub already holds the stop.
   - *cancel* (regret time): nothing charged; the ``DELETE`` is sent until the hub answers.

   So enforcement never sees a car unpaid for a minute the driver paid for, and a parking the
   driver stopped or cancelled stays valid at the hub only until the next send the hub answers —
   within the hub's two-minute grace period while it answers at all.

4. **Late commits.** A write the hub carries out after we gave up on it can overwrite a later one
   (an extension landing after the stop). After any lost answer the booking's truth is sent again
   once more at ``recheck_until`` (``LATE_COMMIT_WINDOW`` after the loss), however the later sends
   ended, so a stale write is overwritten within the window.

Every send and the hub's answer are kept (``HubReport.last_sent``/``last_answer``, and the
booking's ``provider_payload`` for the admin page), and every lost or refused answer is a
booking event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.bookings import operations
from webapp.bookings.adapter import RemoteBooking
from webapp.bookings.models import Action, Booking, Outcome, Status
from webapp.core.errors import (
    ProviderBadResponseError,
    ProviderError,
    ProviderNotFoundError,
    ProviderRejectedError,
    ServiceError,
)
from webapp.core.provider import provider_client
from webapp.extensions import db
from webapp.helsinki.areas import quote_area_stay
from webapp.helsinki.models import HelsinkiArea, HubReport

log = logging.getLogger(__name__)

#: ``Booking.provider`` of a parking reported to the hub, and the ``HELSINKI_BACKEND`` value that chooses it
HUB = "parkkihubi"
#: the longest a create may end after it is sent: the hub's grace period (``PARKKIHUBI_TIME_PARKINGS_EDITABLE``,
#: *Grace period*), so a parking we could not learn the id of is valid no longer than the hub's own rules allow
HOLD = timedelta(minutes=2)
#: how long after a lost answer the hub may still carry the write out: the hub's gunicorn kills a request
#: after 60 s (peer/parkkihubi_up.sh, ``--timeout 60``); twice that
LATE_COMMIT_WINDOW = timedelta(minutes=2)
#: a start the hub has not confirmed by then is given up (the hold, plus one sweep to send again)
RESEND_WINDOW = HOLD + timedelta(minutes=1)
#: when the hub refused for a reason of ours (key, rate limit), try again after this
RETRY_LATER = timedelta(minutes=1)
#: sends of a repeatable write within one call (a create is sent once per call)
ATTEMPTS = 2
PARKINGS_PATH = "operator/v1/parking/"

LOST, LATER, GONE, REFUSED = "lost", "later", "gone", "refused"


def uses_hub() -> bool:
    """Whether new Helsinki parkings are reported to the hub (``HELSINKI_BACKEND=parkkihubi``)."""
    return current_app.config.get("HELSINKI_BACKEND") == HUB


def is_hub_booking(booking: Booking) -> bool:
    """Whether ``booking`` was reported to the hub (whatever the setting says now)."""
    return booking.provider == HUB


def _hub():
    return provider_client(HUB)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class SyncResult:
    """How one ``sync`` ended.

    Attributes:
        confirmed: the hub answered, and holds what our record says.
        kind: when not confirmed, ``lost`` (no answer: maybe carried out), ``later`` (refused for a
            reason of ours — key, rate limit, a wrong URL — nothing carried out) or ``refused``.
        error: the last error, when not confirmed.
        parking: the hub's last answer (its parking), when it answered with one.
    """

    confirmed: bool = False
    kind: str | None = None
    error: ProviderError | None = None
    parking: object | None = None


def classify(error: ProviderError) -> str:
    """What an error of the hub means for what the hub holds (see the module docstring)."""
    if operations.is_unknown_outcome(error):
        return LOST
    if isinstance(error, ProviderBadResponseError) and error.status_code is not None and error.status_code < 300:
        return LOST  # carried out, but the answer (the id) cannot be read
    if isinstance(error, ProviderNotFoundError):
        return GONE
    if isinstance(error, ProviderRejectedError):
        return REFUSED
    return LATER  # 401/403 of our key, 429, a redirect or a page that is not the API: nothing carried out


# -- opening a report ----------------------------------------------------------------------


def open_report(booking: Booking, now: datetime) -> HubReport:
    """The report of a new booking (added to the session of ``open_pending``): due at once."""
    report = HubReport(booking=booking, time_start=now, time_end=booking.ends_at, due_at=now)
    db.session.add(report)
    return report


# -- sending -------------------------------------------------------------------------------


def sync(booking: Booking, now: datetime, *, attempts: int = ATTEMPTS) -> SyncResult:
    """Make the hub hold what ``booking``'s report says: nothing (withdrawn) or a parking ending at ``time_end``.

    Sends at most one create (never repeated here: see the module docstring), then a repeatable
    ``PATCH``/``DELETE`` up to ``attempts`` times while its answer is lost. Records what was sent and
    answered, the events of lost and refused answers, and when to send again. Commits: the hub's id
    must be stored the moment it is known (it is the only handle), and what was sent must outlive
    the process.

    Returns:
        How it ended; never raises a ``ProviderError``.
    """
    report = booking.hub_report
    wanted = (report.time_end, report.withdrawn)
    sends, reported_again = 0, False
    while True:
        sends += 1
        try:
            result = _send(booking, report, now)
            break
        except ProviderError as error:
            kind = classify(error)
            if kind == GONE and not report.withdrawn and report.time_end > now and not reported_again:
                # the hub has no such parking of ours any more, yet it should hold one: report it again (once)
                log.warning("hub: parking %s of %s is gone; reporting it again", report.parking_id, booking.public_ref)
                report.parking_id, reported_again = None, True
                db.session.commit()
                continue
            if kind == GONE:
                # nothing of ours at the hub, and nothing valid should be there: the hub agrees with us
                result = SyncResult(confirmed=True)
                break
            result = SyncResult(kind=kind, error=error)
            if kind == LOST:
                # the write may still be carried out late, even if a repeat is answered: send the truth again then
                report.recheck_until = max(report.recheck_until or now, now + LATE_COMMIT_WINDOW)
            # a refusal does not change when repeated; a lost create is never repeated within one sync
            if kind != LOST or report.parking_id is None or sends >= attempts:
                break
    _finish(booking, report, result, wanted, now)
    return result


def _send(booking: Booking, report: HubReport, now: datetime) -> SyncResult:
    if report.withdrawn:
        if report.parking_id is not None:
            _delete(booking, report, now)
        return SyncResult(confirmed=True)
    parking = None
    if report.parking_id is None:
        parking = _create(booking, report, now)
    if parking is None or parking.time_end != report.time_end:
        parking = _end(booking, report, now)
    if parking.time_end != report.time_end:
        raise ProviderBadResponseError(HUB, "time_end", f"the hub holds {parking.time_end}, we sent {report.time_end}",
                                       status_code=200)
    return SyncResult(confirmed=True, parking=parking)


def _create(booking: Booking, report: HubReport, now: datetime):
    """POST the parking with the hold as its end; store its id unless another process stored one first."""
    area = db.session.get(HelsinkiArea, booking.street_parking.area_id)
    # a parking starts when its create is sent (one sent again later starts later: the driver pays from there)
    report.time_start = now
    hold_end = min(report.time_end, now + HOLD)
    location = (area.centre_lon, area.centre_lat) if area and area.centre_lon is not None else None
    zone = str(booking.street_parking.zone if booking.street_parking.zone is not None else (area.zone if area else ""))
    fields = {"registration_number": booking.plate, "zone": zone, "time_start": report.time_start,
              "time_end": hold_end, "location": location, "terminal_number": booking.street_parking.device_id}
    _note_sent(booking, report, "POST", PARKINGS_PATH, {
        **fields, "time_start": _iso(report.time_start), "time_end": _iso(hold_end),
        "location": {"type": "Point", "coordinates": list(location)} if location else None}, now)
    try:
        parking = _hub().create_parking(**fields)
    except ProviderError as error:
        if classify(error) == LOST:
            report.lost_creates += 1
        _note_answer(booking, report, error=error)
        db.session.commit()
        raise
    _note_answer(booking, report, parking=parking)
    claimed = db.session.execute(
        update(HubReport).where(HubReport.booking_id == booking.id, HubReport.parking_id.is_(None))
        .values(parking_id=parking.id, time_start=parking.time_start)).rowcount
    db.session.commit()
    db.session.refresh(report)
    if not claimed:
        # another process's create was answered first: ours is a duplicate, and we hold its id
        try:
            _hub().delete_parking(parking.id)
        except ProviderError as error:  # it ends by itself at its hold end
            log.warning("hub: duplicate parking %s of %s not deleted: %s", parking.id, booking.public_ref, error)
        return None
    return parking


def _end(booking: Booking, report: HubReport, now: datetime):
    path = f"{PARKINGS_PATH}{report.parking_id}/"
    _note_sent(booking, report, "PATCH", path, {"time_end": _iso(report.time_end)}, now)
    try:
        parking = _hub().end_parking(report.parking_id, report.time_end)
    except ProviderError as error:
        _note_answer(booking, report, error=error)
        raise
    _note_answer(booking, report, parking=parking)
    return parking


def _delete(booking: Booking, report: HubReport, now: datetime) -> None:
    _note_sent(booking, report, "DELETE", f"{PARKINGS_PATH}{report.parking_id}/", None, now)
    try:
        _hub().delete_parking(report.parking_id)
    except ProviderError as error:
        _note_answer(booking, report, error=error)
        raise
    _note_answer(booking, report, status=204)


def _note_sent(booking: Booking, report: HubReport, method: str, path: str, body: dict | None,
               now: datetime) -> None:
    report.last_sent = {"method": method, "path": path, "body": body, "at": _iso(now)}
    report.sent_at = now


def _note_answer(booking: Booking, report: HubReport, *, parking=None, error: ProviderError | None = None,
                 status: int | None = None) -> None:
    if parking is not None:
        answer = {"status": "ok", "parking": parking.model_dump(mode="json")}
    elif error is not None:
        answer = {"status": error.status_code, "error": type(error).__name__, "code": error.code,
                  "detail": error.detail[:500]}
    else:
        answer = {"status": status}
    report.last_answer = answer
    _show_to_support(booking, {"sent": report.last_sent, "answer": answer})


def _show_to_support(booking: Booking, payload: dict) -> None:
    """The booking's ``provider_payload`` (the admin page's "provider's last answer") becomes ``payload``
    without a new version of the booking: a send in the background (the job, a re-check) changes nothing
    the driver decides on, so a page the driver has open must not become "changed in another window"."""
    table = Booking.__table__
    db.session.execute(update(table).where(table.c.id == booking.id).values(provider_payload=payload))
    set_committed_value(booking, "provider_payload", payload)


def _note_event(booking: Booking, what: str, error: ProviderError, outcome: Outcome) -> None:
    operations.record(booking, Action.PROVIDER_CALL, outcome=outcome, provider_code=error.code,
                      message=f"hub: {what}: {error.detail}"[:2000], payload=booking.provider_payload)


def _finish(booking: Booking, report: HubReport, result: SyncResult, wanted: tuple, now: datetime) -> None:
    """Record how the sync ended and when to send again; a truth changed meanwhile stays due."""
    # an unsettled booking's events are written by the start or the look-up that called us
    noted = Status(booking.status).settled
    method = (report.last_sent or {}).get("method", "")
    if result.confirmed:
        report.confirmed = True
        again = report.recheck_until if report.recheck_until and report.recheck_until > now else None
        report.due_at = again
    else:
        report.confirmed = False
        if result.kind == LOST:
            report.due_at = now
            if noted:
                _note_event(booking, f"{method} without an answer", result.error, Outcome.UNKNOWN)
        elif result.kind == LATER:
            report.due_at = now + RETRY_LATER
            if noted:
                _note_event(booking, f"{method} not carried out", result.error, Outcome.ERROR)
        else:
            report.due_at = None
            if noted:
                _note_event(booking, f"{method} refused", result.error, Outcome.ERROR)
            log.error("hub refused %s for %s: %s", report.last_sent, booking.public_ref, result.error)
    # another process may have changed what the hub should hold while we sent (a driver's extension
    # while the job sent the old end): then what we sent may be stale at the hub, so it stays due
    stored = db.session.execute(select(HubReport.time_end, HubReport.withdrawn)
                                .where(HubReport.booking_id == booking.id)).one()
    if (stored.time_end, stored.withdrawn) != wanted:
        report.confirmed, report.due_at = False, now
    db.session.commit()


# -- the use cases' part -----------------------------------------------------------------


def start(booking: Booking, now: datetime) -> SyncResult:
    """Report a new parking (pending, committed): one create, then the paid end.

    Confirmed: the booking is settled active with the hub's times (the caller commits).
    Otherwise the caller decides: lost → unknown and a look-up; refused → failed.
    """
    result = sync(booking, now)
    if result.confirmed:
        _take_hub_times(booking)
        operations.settle(booking, booking.hub_report.parking_id, Status.ACTIVE, payload=booking.provider_payload,
                          message=f"start: hub parking {booking.hub_report.parking_id}")
    return result


def withdraw_failed_start(booking: Booking, now: datetime) -> None:
    """A start the hub refused or never confirmed: the hub is told to hold nothing of it."""
    report = booking.hub_report
    if report is not None and not report.withdrawn:
        report.withdrawn = True
        db.session.commit()
        sync(booking, now)


def change_end(booking: Booking, new_end: datetime, now: datetime) -> SyncResult:
    """Move the end the hub holds (an extension); unconfirmed, the old end is the truth again.

    The intent is committed before the send, so the job and this request never disagree on it.
    """
    report = booking.hub_report
    old_end = report.time_end
    report.time_end, report.due_at = new_end, now
    db.session.commit()
    result = sync(booking, now)
    if not result.confirmed:
        # not confirmed: not made. The old end is sent again (now if the hub answers, else by the job),
        # which also undoes the extension should the hub carry it out late
        report.time_end, report.due_at = old_end, now
        db.session.commit()
        if result.kind != LOST:
            sync(booking, now, attempts=1)
    return result


def report_stop(booking: Booking, stop: datetime, now: datetime) -> datetime:
    """Tell the hub the parking ended at ``stop``; returns the end the booking keeps (the hub's, if it answered).

    The driver's stop stands whether or not the hub answered: it is sent again until it does.
    """
    report = booking.hub_report
    report.time_end, report.due_at = stop, now
    db.session.commit()
    result = sync(booking, now)
    return result.parking.time_end if result.confirmed and result.parking is not None else stop


def withdraw(booking: Booking, now: datetime) -> SyncResult:
    """Tell the hub to hold nothing of the parking (a cancellation): deleted now, or sent again until it is."""
    report = booking.hub_report
    report.withdrawn, report.due_at = True, now
    db.session.commit()
    return sync(booking, now)


def _take_hub_times(booking: Booking) -> None:
    report = booking.hub_report
    booking.starts_at, booking.ends_at = report.time_start, report.time_end


# -- the adapter's part ------------------------------------------------------------------


def settle_deadline(booking: Booking) -> datetime:
    """Until when an unconfirmed start is still sent again (the hold, plus one sweep)."""
    return booking.created_at + RESEND_WINDOW


def find_remote(booking: Booking, now: datetime) -> list[RemoteBooking]:
    """The hub's parking of ``booking``, made to hold what our record says (the hub cannot be read).

    Unsettled: what is missing is sent (a new create, or the paid end); before the deadline a
    confirmed parking is returned, and its price is quoted again from the hub's start. Past the
    deadline nothing is sent but a delete of a parking we hold the id of: the start is given up.
    Settled (the admin's re-check): our record is sent again and the hub's answer returned.

    Raises:
        ProviderError: the hub did not answer (or refused): nothing can be said yet.
    """
    report = booking.hub_report
    if report is None:
        return []
    if not Status(booking.status).settled:
        if now >= settle_deadline(booking):
            withdraw_failed_start(booking, now)
            return []
        quoted_from = booking.starts_at
        result = sync(booking, now)
        if not result.confirmed:
            raise result.error or ProviderError(HUB, "unconfirmed", "the hub did not confirm")
        if report.time_start != quoted_from:
            _quote_again(booking, report.time_start)
        return [_remote(booking, booking.status if booking.status not in (Status.PENDING, Status.UNKNOWN)
                        else Status.ACTIVE)]
    result = sync(booking, now)
    if not result.confirmed:
        raise result.error or ProviderError(HUB, "unconfirmed", "the hub did not confirm")
    if report.withdrawn:
        return []
    return [_remote(booking, Status(booking.status))]


def _remote(booking: Booking, status: Status) -> RemoteBooking:
    report = booking.hub_report
    return RemoteBooking(provider_ref=report.parking_id, status=status, starts_at=report.time_start,
                         ends_at=report.time_end, payload={"sent": report.last_sent, "answer": report.last_answer})


def _quote_again(booking: Booking, start_at: datetime) -> None:
    """The price from the hub's start (a create sent again starts later than the driver pressed)."""
    area = db.session.get(HelsinkiArea, booking.street_parking.area_id)
    if area is None or booking.ends_at is None or start_at >= booking.ends_at:
        return
    try:
        total = quote_area_stay(area, start_at, booking.ends_at).total
    except (ServiceError, ProviderError) as error:  # the quoted price stays (it is never less)
        log.warning("re-quoting %s from %s failed; the quoted price stays: %s", booking.public_ref, start_at, error)
        return
    booking.amount = min(total, booking.amount) if booking.amount is not None else total


def cancel_remote(booking: Booking, now: datetime) -> None:
    """The admin's cancellation for a driver: the hub is told to hold nothing (sent again until it does).

    Raises:
        ProviderError: the hub refused the delete (nothing is cancelled).
    """
    result = withdraw(booking, now)
    if not result.confirmed and result.kind == REFUSED:
        booking.hub_report.withdrawn = False
        db.session.commit()
        raise result.error
    booking.cancellation_fee = Decimal(0)


# -- the job's part ------------------------------------------------------------------------


def due_reports(now: datetime, limit: int = 500) -> list[int]:
    """Booking ids whose report is due (settled bookings only: the sweep looks after unsettled ones)."""
    settled = (Status.ACTIVE, Status.COMPLETED, Status.CANCELLED, Status.FAILED)
    return list(db.session.scalars(
        select(HubReport.booking_id).join(Booking, Booking.id == HubReport.booking_id)
        .where(HubReport.due_at.is_not(None), HubReport.due_at <= now, Booking.status.in_(settled))
        .order_by(HubReport.due_at).limit(limit)))


def send_due(now: datetime) -> dict[str, int]:
    """Send every due report once (the job, every minute). Returns counts by outcome."""
    counts = {"confirmed": 0, LOST: 0, LATER: 0, REFUSED: 0}
    for booking_id in due_reports(now):
        booking = db.session.get(Booking, booking_id)
        if booking is None or booking.hub_report is None:
            continue
        result = sync(booking, now, attempts=1)
        counts["confirmed" if result.confirmed else result.kind] += 1
    return counts
