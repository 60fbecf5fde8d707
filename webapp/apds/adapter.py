"""The booking core's view of APDS bookings.

**Where our reference travels, and why there.** Every APDS booking that pays puts
``parkgo:<our reference>`` in ``segments[].financialTransactions[].transactionId``:
the spec defines it as the transaction id "as agreed upon by the two entities" (seed
§➊ shows an SP-defined ``TX-ID-PROVIDER-DEFINED-0001``), the platform stores it and
returns it with the session on every ``GET /sessions`` and in every ``SessionUpdated``
event — and it is the only field we choose on a session the *operator* opened
(flows 3 and 4), where the session id is the operator's. For the objects we create
ourselves the id is ours too: a pay-by-phone session's id and a ticketless assigned
right's id are UUIDs derived from our reference (uuid5), written on the booking
before the platform is called.

So after a lost reply the adapter looks up the plate's sessions at the place and
keeps only the one whose transaction carries our reference (phone, pay-running), or
the plate's assigned rights at the place with our derived id (ticketless) — never
"the same plate at a similar time".
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.apds import rate_text, rates
from webapp.apds.models import ApdsPlace, ApdsTariffSet
from webapp.apds.wire import RateTable, RightSpecification
from webapp.bookings.adapter import CancelNotOfferedError, Place, PriceBreakdown, PriceLine, RemoteBooking
from webapp.bookings.lifecycle import can_move
from webapp.bookings.models import Booking, Status
from webapp.core.clock import LONDON, format_duration, utcnow
from webapp.core.errors import ProviderNotFoundError
from webapp.core.provider import provider_client
from webapp.extensions import db

REFERENCE_PREFIX = "parkgo:"
_NAMESPACE = uuid.UUID("2f0e6a4c-7f3b-4d7e-9b1a-5a0c3e9d8b21")
#: how long a create whose answer was lost may still show up at the platform
SETTLE_MARGIN = timedelta(minutes=5)


def transaction_id_for(booking: Booking) -> str:
    """Our reference as it travels in ``financialTransactions[].transactionId``."""
    return f"{REFERENCE_PREFIX}{booking.public_ref}"


def session_id_for(booking: Booking) -> str:
    """The id of the session we post for ``booking`` (derived from our reference)."""
    return str(uuid.uuid5(_NAMESPACE, f"session:{booking.public_ref}"))


def assigned_right_id_for(booking: Booking) -> str:
    """The id of the assigned right we post for ``booking`` (derived from our reference)."""
    return str(uuid.uuid5(_NAMESPACE, f"right:{booking.public_ref}"))


def session_payload(session) -> dict:
    """What we keep of a platform session on the booking (JSON-serialisable)."""
    return {"session_id": session.id, "version": session.version, "place": session.place.id if session.place else None,
            "plate": session.plate, "start": session.actual_start.isoformat(),
            "end": session.actual_end.isoformat() if session.actual_end else None,
            "amount": str(session.amount) if session.amount is not None else None,
            "transaction_ids": [t.transaction_id for t in session.transactions if t.transaction_id]}


def carries(session, transaction_id: str) -> bool:
    """Whether one of the session's transactions carries ``transaction_id``."""
    return any(t.transaction_id == transaction_id for t in session.transactions)


class ApdsAdapter:
    """``BookingAdapter`` for APDS sessions and registrations (``bookings.adapter``)."""

    def ends_by_itself(self, booking: Booking) -> bool:
        """A pay-by-phone session is paid until its end and the platform ends it then (seed 003 flow 2); a
        ticketless registration runs until the car leaves, whatever its "registered until" says."""
        return booking.apds is not None and booking.apds.mode == "phone"

    def find_remote(self, booking: Booking) -> list[RemoteBooking]:
        """The platform's object that is exactly ``booking`` (see the module docstring).

        Raises:
            ProviderError: the platform could not be asked.
        """
        detail = booking.apds
        client = provider_client("apds")
        now = utcnow()
        if detail.mode == "ticketless":
            rights = client.assigned_rights(place=detail.place_id, credential_id=_compact(booking.plate))
            mine = [r for r in rights.items if r.id == detail.assigned_right_id]
            stay = _paid_stay(client, detail) if mine else None
            if stay is not None:
                # the car came and left and the platform holds our payment of the stay (flow 3): the
                # registration is over at the exit, and costs what the operator set
                return [RemoteBooking(provider_ref=r.id, status=_completed_if_allowed(booking),
                                      starts_at=r.issuance_time, ends_at=stay.actual_end, amount=stay.amount,
                                      payload=session_payload(stay)) for r in mine]
            return [RemoteBooking(provider_ref=r.id, status=Status.ACTIVE, starts_at=r.issuance_time,
                                  ends_at=r.expiry, payload={"assigned_right_id": r.id}) for r in mine]
        sessions = client.sessions(credential_id=_compact(booking.plate), place=detail.place_id)
        return [RemoteBooking(provider_ref=s.id, status=_found_status(booking, s, now), starts_at=s.actual_start,
                              ends_at=s.actual_end, amount=s.amount, payload=session_payload(s))
                for s in sessions.items if carries(s, detail.transaction_id)]

    def settle_deadline(self, booking: Booking) -> datetime:
        """A create that has not appeared five minutes after it was sent never will."""
        return booking.created_at + SETTLE_MARGIN

    def cancel_remote(self, booking: Booking) -> None:
        """APDS has no cancellation of a session: a running one is stopped instead (``stop_session``)."""
        raise CancelNotOfferedError

    def describe_place(self, booking: Booking, language: str) -> list[Place]:
        """The car park: its name and address as the platform gives them, on the map."""
        place = _place_of(booking)
        if place is None:
            return []
        return [Place(name=place.name, address=(place.address,) if place.address else (), map_layer="apds",
                      latitude=place.latitude, longitude=place.longitude)]

    def price_breakdown(self, booking: Booking, language: str) -> PriceBreakdown | None:
        """The rate table that applied to the stay, its rate lines, and the amount (seed 003 §➋ rates).

        The stay is entry to exit where the car park's cameras saw them, else the booked times;
        computed again from the stored rate tables (no call to the platform).
        """
        place, detail = _place_of(booking), booking.apds
        start, end = ((detail.entered_at, detail.exited_at) if detail.entered_at and detail.exited_at
                      else (booking.starts_at, booking.ends_at))
        if place is None or start is None or end is None or end < start:
            return None
        tariff_set = db.session.get(ApdsTariffSet, place.tariff_key)
        try:
            options = [(RightSpecification.model_validate(t["right"]), RateTable.model_validate(t["rate"]))
                       for t in (tariff_set.tariffs if tariff_set else [])]
            local_start = start.astimezone(_zone(place))
            quote = rates.price_at_place(options, local_start, end - start)
            table = next(table for _spec, table in options if table.id == quote.rate_table_id)
            rows = rates.readable_rows(table)
        except (ValueError, KeyError, TypeError, StopIteration):  # StayNotAllowedError is a ValueError
            return None
        locale = get_locale() or "en"
        lines = [PriceLine(label=quote.rate_name or _("Parking"), amount=quote.total - quote.tax,
                           quantity=format_duration(timedelta(seconds=quote.stay_seconds), locale))]
        for row in rows:
            # the band as the engine charges it, in the page's language (not the platform's looser English)
            per = row.per_seconds // 60 if row.per_seconds and row.per_seconds % 60 == 0 else None
            lines.append(PriceLine(label=rate_text.row_label(row), rate=row.value, rate_per_minutes=per))
        if quote.tax:
            lines.append(PriceLine(label=_("Tax"), amount=quote.tax))
        notes = (_("The rate lines of the car park's rate table; the first line is what the stay cost."),)
        if quote.tax_included:
            notes += (_("Tax is included in the car park's prices."),)
        total = booking.amount if booking.amount is not None else quote.total
        return PriceBreakdown(lines=tuple(lines), total=total, currency=booking.currency or quote.currency,
                              notes=notes)


def _found_status(booking: Booking, session, now: datetime) -> Status:
    """What a session found carrying our transaction means for ``booking``, now.

    A pay-by-phone session runs until its ``actualEnd``: active before it, over (completed) after
    it. The platform keeps no "stopped" state of its own: a stop is a PUT that moves ``actualEnd``
    to the moment of the stop (seed 003 §➌), so a stopped session and one that ran to its end read
    alike, by their end. Paying a running session (flow 4) is one payment, and the transaction is
    only on the session once the platform took it: found means paid, so the booking is completed —
    straight from unknown, since the sweep is what finds it when the reply was lost. (A booking
    still pending, whose process died mid-call, goes through active: the lifecycle has no
    pending → completed.)
    """
    if booking.apds.mode == "pay_running":
        return _completed_if_allowed(booking)
    if session.actual_end is not None and session.actual_end <= now:
        return _completed_if_allowed(booking)
    return Status.ACTIVE


def _completed_if_allowed(booking: Booking) -> Status:
    return Status.COMPLETED if can_move(Status(booking.status), Status.COMPLETED) else Status.ACTIVE


def _paid_stay(client, detail):
    """The stay the operator opened for a ticketless registration, once it carries our paid transaction
    (None: the car has not left, or the stay is not paid yet, or it cannot be read)."""
    if not detail.session_id:
        return None
    try:
        stay = client.session(detail.session_id)
    except ProviderNotFoundError:
        return None
    return stay if carries(stay, detail.transaction_id) and stay.paid else None


def _place_of(booking: Booking) -> ApdsPlace | None:
    detail = booking.apds
    return db.session.get(ApdsPlace, detail.place_id) if detail is not None else None


def _zone(place: ApdsPlace) -> ZoneInfo:
    try:
        return ZoneInfo(place.time_zone) if place.time_zone else LONDON
    except (ZoneInfoNotFoundError, ValueError):
        return LONDON


def _compact(plate: str) -> str:
    return "".join(ch for ch in (plate or "").upper() if ch.isalnum())
