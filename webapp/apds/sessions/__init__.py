"""APDS bookings on the booking core: pay-by-phone sessions, ticketless registrations, paying a running session.

Every one is a ``Booking`` (kind ``apds_session``) with an ``ApdsSession`` detail row,
written pending and committed before the platform is called, unknown when the
platform's answer is lost (and then found again exactly by our reference — see
``adapter.py``), plate-conflict guarded, and in the history.

One module per flow, on what they share (``access``: the driver's bookings and
vehicles; ``platform``: the client, our name on it, a payment it took):

- **Pay-by-phone** (seed 003 flow 2, ``pay_by_phone``): ``start_session`` posts a session whose segment
  carries a financial transaction with the price our rate engine computed, our
  reference as ``transactionId`` and the date collected; the platform creates the
  matching assigned right. ``extend_session`` / ``stop_session`` first claim the
  booking's version (two tabs: one wins), then PUT the session with the version the
  platform last gave it.
- **Ticketless** (flow 3, ``ticketless``): ``register_plate`` posts an assigned right for the plate at
  the place with the expiry the driver chose; the camera's entry and exit arrive as
  events (``events.py``), and ``pay_exit`` pays the amount the operator set, with a PUT
  carrying ``dateCollected`` and our ``transactionId``.
- **Pay the session I'm in** (flow 4, ``parked_here``): ``find_running`` asks for the plate's running
  session at the place (``start_before=now&end_after=now``); ``pay_running`` pays it.

The session page of every flow is ``session_page``. The use cases are imported from
here (``from webapp.apds import sessions``).
"""

from webapp.apds.sessions.access import active_sessions, reconcile_session, require_session
from webapp.apds.sessions.parked_here import RunningSession, find_running, pay_running
from webapp.apds.sessions.pay_by_phone import extend_session, preview_extension, start_session, stop_session
from webapp.apds.sessions.platform import SERVICE_PROVIDER
from webapp.apds.sessions.session_page import SessionView, session_view
from webapp.apds.sessions.ticketless import exits_due, pay_exit, register_plate
from webapp.bookings.operations import PlateConflictError
from webapp.core.errors import ProviderFailedError

__all__ = [
    "SERVICE_PROVIDER", "PlateConflictError", "ProviderFailedError", "RunningSession", "SessionView",
    "active_sessions", "exits_due", "extend_session", "find_running", "pay_exit", "pay_running", "preview_extension",
    "reconcile_session", "register_plate", "require_session", "session_view", "start_session", "stop_session",
]
