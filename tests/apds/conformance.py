"""The APDS driver of the booking-core conformance suite (tests/bookings/test_conformance.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import places, sessions

ARNDALE = "805432"
PLATE = "BD18 SMR"


class ApdsDriver:
    """Books pay-by-phone sessions through the feature's own use case, against the platform sandbox."""

    kind = "apds_session"
    api = "apds"
    #: the client method a change calls (the two-tabs test counts its calls)
    change_call = "update_session"

    def __init__(self, app) -> None:
        self.app = app
        places.sync_places()

    def prepare_user(self, user) -> None:
        add_vehicle(user.id, "GB", PLATE)

    def book(self, user, key: str, *, confirm_overlap: bool = False):
        return sessions.start_session(user.id, ARNDALE, user.vehicles[0].id, 60, key, contact_email=user.email,
                                      now=datetime.now(UTC), confirm_overlap=confirm_overlap)

    @property
    def sandbox(self):
        return self.app.extensions["providers"].sandbox_app(self.api)

    def remote_refs(self) -> set[str]:
        client = self.app.extensions["providers"].get(self.api)
        return {s.id for s in client.sessions(credential_id="BD18SMR").items}

    def change(self, booking, version: int):
        """A change that goes to the platform (two tabs race on it)."""
        return sessions.extend_session(booking.user_id, booking.public_ref, 30, version)
