"""The Helsinki driver of the booking-core conformance suite (tests/bookings/test_conformance.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.accounts.vehicles import add_vehicle
from webapp.helsinki import areas, hub, parkings
from webapp.parkkihubi.sandbox.store import from_micros


class HelsinkiDriver:
    """Books street parkings through the feature's own use case, against the city's sandbox."""

    kind = "street_parking"
    api = "helsinki"
    #: the client method a change calls (the two-tabs test counts its calls)
    change_call = "change_stop"

    def __init__(self, app) -> None:
        self.app = app
        areas.sync_areas()
        self.area = next(a for a in areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)

    def prepare_user(self, user) -> None:
        add_vehicle(user.id, "FI", "ABC-123")

    def book(self, user, key: str, *, confirm_overlap: bool = False):
        now = datetime.now(UTC)
        return parkings.start_parking(user.id, self.area.area_id, user.vehicles[0].id, now + timedelta(minutes=60),
                                      key, contact_email=user.email, now=now, confirm_overlap=confirm_overlap)

    @property
    def sandbox(self):
        return self.app.extensions["providers"].sandbox_app(self.api)

    def remote_refs(self) -> set[str]:
        client = self.app.extensions["providers"].get(self.api)
        return {p.parking_id for p in client.parkings(register_number="ABC-123")}

    def change(self, booking, version: int):
        """A change that goes to the provider (two tabs race on it)."""
        return parkings.extend_parking(booking.user_id, booking.public_ref, booking.ends_at + timedelta(minutes=30),
                                       version)


class ParkkihubiDriver(HelsinkiDriver):
    """Street parkings reported to the city's parking hub (``HELSINKI_BACKEND=parkkihubi``), against its sandbox.

    The hub cannot be read: a lost reply is answered by sending again (``webapp/helsinki/hub.py``),
    so a look-up that reaches the hub settles at once (``resends``).
    """

    name = "street_parking:parkkihubi"
    api = "parkkihubi"
    change_call = "end_parking"
    resends = True

    def __init__(self, app) -> None:
        app.config["HELSINKI_BACKEND"] = "parkkihubi"
        super().__init__(app)

    @property
    def store(self):
        return self.sandbox.extensions["parkkihubi_store"]

    def remote_refs(self) -> set[str]:
        """Every parking the hub holds of the plate (the hub's own store: the hub has no read call)."""
        return {row["id"] for row in self.store.all_parkings("ABC-123")}

    # -- what the resending cases of the suite need (tests/bookings/test_conformance_resending.py) --

    #: how long a create's own end may be after its sending (the hub's grace period)
    hold = hub.HOLD

    def extend(self, booking, new_end):
        return parkings.extend_parking(booking.user_id, booking.public_ref, new_end, booking.version)

    def stop(self, booking):
        return parkings.stop_parking(booking.user_id, booking.public_ref, booking.version)

    def cancel(self, booking):
        return parkings.cancel_parking(booking.user_id, booking.public_ref, booking.version)

    def send_due(self):
        """The job that sends again what the hub has not confirmed (every minute), run as the runner runs it."""
        from webapp.helsinki.jobs import send_hub_reports

        send_hub_reports.call_local()

    def remote_rows(self) -> list[dict]:
        """The hub's parkings of the plate, oldest first, with aware ``time_start``/``time_end``/``created_at``."""
        return [{**row, "time_start": from_micros(row["time_start"]), "time_end": from_micros(row["time_end"]),
                 "created_at": from_micros(row["created_at"])} for row in self.store.all_parkings("ABC-123")]

    def enforced(self, when) -> set[str]:
        """What enforcement sees at ``when``: the ids of the plate's parkings valid then."""
        return {row["id"] for row in self.store.valid_at("ABC-123", when)}
