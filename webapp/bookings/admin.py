"""Support staff: the audited booking lookup (the search itself: ``admin_search``), the "needs attention"
list, actions on a driver's behalf, the audit log.

Every admin view of a booking and every admin action is written to the
append-only ``AdminAuditEntry`` table in the same transaction as the action.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo

from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import desc, func, or_, select

from webapp.accounts.models import User
from webapp.bookings import operations
from webapp.bookings.adapter import RemoteBooking, can_look_up
from webapp.bookings.admin_search import PAGE_SIZE, Page, SearchFilters, search_bookings
from webapp.bookings.history import get_booking_for_admin, listing_options
from webapp.bookings.lifecycle import transition
from webapp.bookings.models import (
    Action,
    AdminAuditEntry,
    Booking,
    Outcome,
    Status,
)
from webapp.bookings.reconcile import PENDING_GRACE, reconcile
from webapp.bookings.registry import adapter_for
from webapp.core.clock import PROVIDER_ZONES, utcnow
from webapp.core.errors import ConflictError, ProviderError, ValidationError, shown_message
from webapp.core.money import format_money
from webapp.extensions import db

#: what an admin may settle an unknown booking as
SETTLE_CHOICES = (Status.ACTIVE, Status.RESERVED, Status.FAILED)


def find_bookings(admin_id: int, filters: SearchFilters, page: int = 1, ip: str = "") -> Page:
    """The admin's search (``search_bookings``), audited.

    The audit is written first: its commit would expire every row loaded before it, and rendering
    the page would then load each row again, with each of its details, one query at a time
    (issue 18: ~50 statements for 25 rows). After it, the rows are loaded once, with their details.

    Raises:
        ValidationError: a filter out of its choices (the search is still audited).
    """
    audit_search(admin_id, filters, ip)
    return search_bookings(filters, page)


def needs_attention(now: datetime | None = None, limit: int = 200) -> list[Booking]:
    """Bookings whose provider side is not known (unknown, or pending past the grace), oldest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Booking).options(*listing_options()).where(or_(Booking.status == Status.UNKNOWN,
                                  (Booking.status == Status.PENDING) & (Booking.created_at < now - PENDING_GRACE)))
        .order_by(Booking.created_at).limit(limit)
    ).unique())


def view_booking(admin_id: int, ref: str, ip: str = "", audit: bool = True) -> tuple[Booking, User | None]:
    """Any booking by reference with its driver's account, for support; the view is audited once.

    Args:
        audit: False when the page is shown again after an action (the action is audited instead).

    Raises:
        NotFoundError: no such reference.
    """
    booking = get_booking_for_admin(ref)
    if audit:
        _audit(admin_id, "view", booking.public_ref, "", ip)
        db.session.commit()
    return booking, db.session.get(User, booking.user_id) if booking.user_id else None


def audit_search(admin_id: int, filters: SearchFilters, ip: str = "") -> None:
    """Record an admin search (what was looked for is personal data too)."""
    used = {"provider": filters.provider, "kind": filters.kind, "status": filters.status,
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else ""}
    if filters.query or any(used.values()):
        _audit(admin_id, "search", filters.query[:200], " ".join(f"{k}={v}" for k, v in used.items() if v), ip)
        db.session.commit()


def recheck(admin_id: int, ref: str, ip: str = "") -> tuple[Booking, list[str]]:
    """Ask the provider again about a booking, through its adapter; returns what changed, in words.

    An unsettled booking is reconciled (settled if the provider has it); a settled one is compared
    with the provider's copy, which is recorded as an event but changes nothing by itself.
    """
    booking = get_booking_for_admin(ref)
    adapter = adapter_for(booking.kind)
    before = (booking.status, booking.provider_ref)
    changes: list[str] = []
    if adapter is None:
        changes.append(str(_l("This provider cannot be asked yet.")))
    elif not can_look_up(adapter) and not Status(booking.status).settled:
        # 247Parking: no call finds a booking, so support settles it with the provider's answer
        changes.append(str(_l("This provider has no look-up call: settle the booking by hand with its answer.")))
    elif not can_look_up(adapter):
        # a settled one has nothing to settle: what it holds can only be asked of the provider by support
        changes.append(str(_l("This provider has no look-up call, so its copy cannot be compared from here. "
                              "Ask the provider if in doubt.")))
    elif not Status(booking.status).settled:
        reconcile(booking, actor=f"admin:{admin_id}")
        if (booking.status, booking.provider_ref) != before:
            changes.append(str(_l("Status %(before)s → %(after)s.", before=Status(before[0]).label,
                                  after=Status(booking.status).label)))
        elif booking.events[-1].outcome == Outcome.UNKNOWN:
            changes.append(str(_l("The provider could not be reached. Try again later.")))
        else:
            changes.append(str(_l("The provider does not show this booking yet; the sweep keeps checking.")))
    else:
        try:
            found = adapter.find_remote(booking)
        except ProviderError as error:
            operations.record(booking, Action.RECONCILE, actor=f"admin:{admin_id}", outcome=Outcome.UNKNOWN,
                              provider_code=error.code, message=f"admin re-check failed: {error.detail}")
            changes.append(shown_message(error))
        else:
            # the adapter finds the provider's bookings that carry our reference; of those, ours is the one
            # linked (a booking never linked, e.g. failed, is compared with whatever carries its reference)
            mine = next((r for r in found if booking.provider_ref in (None, r.provider_ref)), None)
            changes.extend(differences(booking, mine, utcnow()))
            operations.record(booking, Action.RECONCILE, actor=f"admin:{admin_id}",
                              message="admin re-check: " + ("; ".join(changes) or "no difference"),
                              payload=mine.payload if mine else None)
    if not changes:
        changes.append(str(_l("No difference: the provider agrees with our record.")))
    _audit(admin_id, "recheck", booking.public_ref, "; ".join(changes), ip)
    db.session.commit()
    return booking, changes


def status_as_of(status: Status, ends_at: datetime | None, now: datetime) -> Status:
    """A status as of ``now``, for comparing our record with a provider's copy.

    Active and completed differ, for a stay, only by whether its end has passed: neither the city
    (seed 002 §6.5.4: a parking is ``valid`` until its stop) nor the APDS platform (a session ends at
    its ``actualEnd``) keeps a "stopped" state apart from the end time, a stop moves that end to the
    moment of the stop, and our record keeps a parking that ran to its end active. So a stay whose
    end is ahead is active and one whose end has passed is completed, whichever the record says —
    and the end time itself is compared on its own.
    """
    if status in (Status.ACTIVE, Status.COMPLETED) and ends_at is not None:
        return Status.ACTIVE if ends_at > now else Status.COMPLETED
    return status


def differences(booking: Booking, remote: RemoteBooking | None, now: datetime) -> list[str]:
    """What the provider's copy of ``booking`` says differently from our record, in words ([]: it agrees).

    Compared: the status (as of ``now``, see ``status_as_of``), the start and end times (to the
    second: the providers keep whole seconds) and the amount, wherever the provider's copy has them.
    Nothing found agrees with a cancelled or failed booking (the city deletes a parking cancelled in
    its regret time, seed 002 §6.8); with any other booking it is a difference.
    """
    if remote is None:
        if booking.status in (Status.CANCELLED, Status.FAILED):
            return []
        return [str(_l("The provider no longer lists this booking."))]
    found: list[str] = []
    ours = status_as_of(Status(booking.status), booking.ends_at, now)
    theirs = status_as_of(Status(remote.status), remote.ends_at, now)
    if ours != theirs:
        found.append(str(_l("The provider says %(theirs)s; our record says %(ours)s.", theirs=theirs.label,
                            ours=ours.label)))
    zone = PROVIDER_ZONES.get(booking.provider, UTC)
    if remote.starts_at and booking.starts_at and _second(remote.starts_at) != _second(booking.starts_at):
        found.append(str(_l("The provider's start time differs from ours: %(theirs)s at the provider, %(ours)s "
                            "in our record.", theirs=_moment(remote.starts_at, zone),
                            ours=_moment(booking.starts_at, zone))))
    if remote.ends_at and booking.ends_at and _second(remote.ends_at) != _second(booking.ends_at):
        found.append(str(_l("The provider's end time differs from ours: %(theirs)s at the provider, %(ours)s "
                            "in our record.", theirs=_moment(remote.ends_at, zone),
                            ours=_moment(booking.ends_at, zone))))
    if remote.amount is not None and booking.amount is not None and remote.amount != booking.amount:
        locale = get_locale() or "en_GB"
        found.append(str(_l("The provider's amount differs from ours: %(theirs)s at the provider, %(ours)s in our "
                            "record.", theirs=format_money(remote.amount, booking.currency, locale),
                            ours=format_money(booking.amount, booking.currency, locale))))
    return found


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _moment(moment: datetime, zone: tzinfo) -> str:
    """A time to the second in the place's zone (support compares seconds: a minute would hide them)."""
    return format_datetime(moment, "medium", tzinfo=zone, locale=get_locale() or "en_GB")


def cancel_for_driver(admin_id: int, ref: str, reason: str, expected_version: int, ip: str = "") -> Booking:
    """Cancel a booking at the provider on the driver's behalf, with a reason.

    Raises:
        ValidationError: no reason given.
        ConflictError: changed meanwhile, not cancellable in its state, or the provider has no cancel.
        ProviderFailedError-like ConflictError: the provider refused (its sentence is the message).
    """
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise ValidationError({"reason": str(_l("Say why the booking is cancelled."))})
    booking = get_booking_for_admin(ref)
    if booking.status not in (Status.ACTIVE, Status.RESERVED):
        raise ConflictError(str(_l("Only an active or reserved booking can be cancelled.")))
    adapter = adapter_for(booking.kind)
    if adapter is None:
        raise ConflictError(str(_l("This provider cannot be asked yet.")))
    operations.claim(booking, expected_version, Action.CANCEL_REQUESTED, f"admin:{admin_id}")
    try:
        adapter.cancel_remote(booking)
    except ProviderError as error:
        operations.record(booking, Action.PROVIDER_CALL, actor=f"admin:{admin_id}", outcome=Outcome.ERROR,
                          provider_code=error.code, message=f"admin cancel: {error.detail}")
        _audit(admin_id, "cancel refused", booking.public_ref, f"{error.code}: {reason}", ip)
        db.session.commit()
        raise ConflictError(shown_message(error)) from error
    transition(booking, Action.CANCELLED, to=Status.CANCELLED, actor=f"admin:{admin_id}", message=reason)
    _audit(admin_id, "cancel", booking.public_ref, reason, ip)
    db.session.commit()
    return booking


def settle_by_admin(admin_id: int, ref: str, status: str, provider_ref: str, note: str, expected_version: int,
                    ip: str = "") -> Booking:
    """Settle an unknown booking by hand (e.g. support confirmed it with the provider by phone).

    Raises:
        ValidationError: no note, a status not offered, or a settled status without the provider's reference.
        ConflictError: the booking is already settled, changed meanwhile, or the reference belongs to another booking.
    """
    errors: dict[str, str] = {}
    note = " ".join((note or "").split())[:500]
    provider_ref = (provider_ref or "").strip()[:80]
    try:
        target = Status(status)
    except ValueError:
        target = None
    if target not in SETTLE_CHOICES:
        errors["status"] = str(_l("Choose what the provider says."))
    if not note:
        errors["note"] = str(_l("Write what you found out and how."))
    if target in (Status.ACTIVE, Status.RESERVED) and not provider_ref:
        errors["provider_ref"] = str(_l("Give the provider's reference of the booking."))
    if errors:
        raise ValidationError(errors)
    booking = get_booking_for_admin(ref)
    if Status(booking.status).settled:
        raise ConflictError(str(_l("This booking is already settled.")))
    if booking.version != expected_version:
        raise ConflictError(str(_l("This booking was changed in another window. Reload the page to see it.")))
    actor = f"admin:{admin_id}"
    if target == Status.FAILED:
        operations.fail(booking, f"settled by support: {note}", action=Action.SETTLED_BY_SUPPORT, actor=actor)
    else:
        if operations.is_linked_elsewhere(booking, provider_ref):
            raise ValidationError({"provider_ref": str(_l("That reference belongs to another booking."))})
        operations.settle(booking, provider_ref, target, action=Action.SETTLED_BY_SUPPORT, actor=actor,
                          message=f"settled by support: {note}")
    _audit(admin_id, "settle", booking.public_ref, f"{target}: {note}", ip)
    db.session.commit()
    return booking


def audit_log(page: int = 1) -> Page:
    """The admin audit log, newest first (read-only)."""
    page = min(max(1, page), 10**6)
    total = db.session.scalar(select(func.count(AdminAuditEntry.id))) or 0
    rows = list(db.session.scalars(select(AdminAuditEntry).order_by(desc(AdminAuditEntry.id))
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Page(rows=rows, page=page, pages=max(1, math.ceil(total / PAGE_SIZE)), total=total)


def _audit(admin_id: int, action: str, target: str, detail: str, ip: str) -> None:
    admin = db.session.get(User, admin_id)
    db.session.add(AdminAuditEntry(admin_id=admin_id, admin_email=admin.email if admin else "", action=action,
                                   target=target[:200], detail=detail[:2000], ip=(ip or "")[:45]))
