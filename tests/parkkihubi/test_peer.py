"""The client and the Helsinki hub backend against a real parkkihubi (skipped unless one is given).

Bring one up on loopback (README, "Running the hub itself locally"; ``../shared/peer/parkkihubi_up.sh``
prints the values) and run::

    PARKKIHUBI_PEER_URL=http://127.0.0.1:5480/ PARKKIHUBI_PEER_KEY=<operator key> \\
    PARKKIHUBI_PEER_KEY_2=<second operator's key> PARKKIHUBI_PEER_ENFORCER_KEY=<enforcer key> \\
    .venv/bin/python -m pytest tests/parkkihubi/test_peer.py -v

CI has no hub and keeps to the sandbox (``test_contract.py``). A lost answer is made on our side
here — the request reaches the hub and is carried out, and its answer is thrown away, or it reaches
the hub only when the test says (a late commit) — since a real hub has no fault switch.

What the hub 4.0.0 answered differently from the sandbox, found by sending both the same requests:
``SEEN_DIFFERENCES`` below (the sandbox was brought in line with each).
"""

from __future__ import annotations

import os
import secrets
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import make_app
from webapp.accounts.vehicles import add_vehicle
from webapp.bookings import ledger, reconcile
from webapp.bookings.models import Status
from webapp.core.errors import ProviderAuthError, ProviderNotFoundError, ProviderRejectedError
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.provider import ProviderSettings
from webapp.extensions import db
from webapp.helsinki import areas, hub, parkings
from webapp.parkkihubi.client import ParkkihubiClient

PEER_URL = os.environ.get("PARKKIHUBI_PEER_URL", "").rstrip("/")
PEER_KEY = os.environ.get("PARKKIHUBI_PEER_KEY", "")
PEER_KEY_2 = os.environ.get("PARKKIHUBI_PEER_KEY_2", "")
ENFORCER_KEY = os.environ.get("PARKKIHUBI_PEER_ENFORCER_KEY", "")

pytestmark = pytest.mark.skipif(not (PEER_URL and PEER_KEY), reason="no parkkihubi peer (PARKKIHUBI_PEER_URL/_KEY)")

#: What the running hub answered differently from the sandbox when the same ~95 requests went to both
#: (2026-12-06, hub 4.0.0 at e40f9e1 on loopback). The sandbox now answers each of these as the hub does;
#: none touches what our adapter sends (a JSON object, a zone code, a GeoJSON point, no domain), and the
#: rules it relies on — the grace period, PATCH of exactly time_end, DELETE at any time, 404 for another
#: operator's or a deleted parking, duplicates, times read as UTC, 301 without the slash — matched.
SEEN_DIFFERENCES: list[str] = [
    "JSON is rendered compactly, and every answer of a DRF view carries an Allow header (even a 401)",
    "a JSON body that is not an object (a list) is an HTML 500, not a 400",
    'a body without Content-Type is 415 Unsupported media type "" in request., not an empty body',
    "domain: null is a 400 (zone not found in no domain; domain may not be null), not the default HKI",
    "location: a dict that is not GeoJSON says 'Invalid geometry pointer returned from "
    "\"OGR_G_CreateGeometryFromJson\".', a number 'Improper geometry input type: <class 'int'>'",
    "location: a 3-D point is an HTML 500 (the column holds 2-D points), like a polygon",
    "zone: an object is 'Object with code={...} does not exist.', not 'Invalid value.'",
    "is_disc_parking comes before domain in an answer",
    "OPTIONS answers DRF's full field metadata ('Operator Api Parking List', actions)",
    "enforcement's valid_parking names the operator by its UUID",
    "the HTML 404 and 500 pages begin with a newline",
]

T = datetime.now(UTC).replace(microsecond=0)


def _plate() -> str:
    """A plate of its own for each case (the hub's database outlives the runs)."""
    letters = "".join(secrets.choice("ABCDEFGHJKLMNPRSTUVXYZ") for _ in range(3))
    return f"{letters}-{secrets.randbelow(1000):03d}"


@pytest.fixture
def raw():
    http = httpx.Client(base_url=PEER_URL, headers={"Authorization": f"ApiKey {PEER_KEY}"}, timeout=10)
    yield http
    http.close()


@pytest.fixture
def client():
    http = build_http_client(HttpSettings("parkkihubi", PEER_URL + "/", retries=0))
    yield ParkkihubiClient(http, PEER_KEY)
    http.close()


def _body(plate: str, **overrides) -> dict:
    body = {"registration_number": plate, "zone": "1", "time_start": T.isoformat(),
            "time_end": (T + timedelta(minutes=5)).isoformat(), "terminal_number": "parkgo:PEER-TEST",
            "location": {"type": "Point", "coordinates": [24.9525, 60.1695]}}
    body.update(overrides)
    return body


# -- the protocol, as the sandbox answers it ---------------------------------------------------


def test_peer_refuses_credentials_as_the_sandbox_does():
    response = httpx.post(f"{PEER_URL}/operator/v1/parking/", json=_body(_plate()))
    assert response.status_code == 401 and response.headers.get("WWW-Authenticate") == "ApiKey"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    wrong = httpx.post(f"{PEER_URL}/operator/v1/parking/", json=_body(_plate()),
                       headers={"Authorization": "ApiKey " + "0" * 40})
    assert wrong.json() == {"detail": "Invalid token."}


def test_peer_redirects_a_path_without_its_slash_and_cannot_be_read(raw, client):
    assert raw.post("/operator/v1/parking", json=_body(_plate())).status_code == 301
    parking = client.create_parking(registration_number=_plate(), zone="1", time_start=T,
                                    time_end=T + timedelta(minutes=1))
    try:
        assert raw.get(f"/operator/v1/parking/{parking.id}/").status_code == 405
    finally:
        client.delete_parking(parking.id)


def test_peer_answers_a_parking_as_the_sandbox_does(raw, client):
    response = raw.post("/operator/v1/parking/", json=_body(_plate()))
    body = response.json()
    try:
        assert response.status_code == 201 and body["zone"] == 1 and body["domain"] == "HKI"
        assert list(body) == ["id", "created_at", "modified_at", "location", "terminal_number",
                              "registration_number", "time_start", "time_end", "zone", "status", "domain"]
        assert body["time_start"] == T.isoformat().replace("+00:00", "Z")
    finally:
        client.delete_parking(body["id"])


@pytest.mark.parametrize(("overrides", "errors"), [
    ({"zone": "9"}, {"zone": ["Object with code=9 does not exist."]}),
    ({"registration_number": "X" * 21}, {"registration_number": ["Ensure this field has no more than 20 characters."]}),
    ({"time_end": (T - timedelta(minutes=1)).isoformat()},
     {"non_field_errors": ['"time_start" cannot be after "time_end".']}),
    ({"time_start": "tomorrow"}, {"time_start": [
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
])
def test_peer_field_errors_match_the_sandbox(raw, overrides, errors):
    response = raw.post("/operator/v1/parking/", json=_body(_plate(), **overrides))
    assert response.status_code == 400 and response.json() == errors


def test_peer_repeat_delete_and_other_operators_parking_are_not_found(client):
    parking = client.create_parking(registration_number=_plate(), zone="1", time_start=T,
                                    time_end=T + timedelta(minutes=1))
    client.delete_parking(parking.id)
    with pytest.raises(ProviderNotFoundError):
        client.delete_parking(parking.id)
    if PEER_KEY_2:
        http = build_http_client(HttpSettings("parkkihubi", PEER_URL + "/", retries=0))
        other = ParkkihubiClient(http, PEER_KEY_2)
        theirs = other.create_parking(registration_number=_plate(), zone="1", time_start=T,
                                      time_end=T + timedelta(minutes=1))
        try:
            with pytest.raises(ProviderNotFoundError):
                client.end_parking(theirs.id, T)
        finally:
            other.delete_parking(theirs.id)


def test_peer_enforcers_key_is_not_an_operators(client):
    if not ENFORCER_KEY:
        pytest.skip("no enforcer key")
    http = build_http_client(HttpSettings("parkkihubi", PEER_URL + "/", retries=0))
    with pytest.raises(ProviderAuthError):
        ParkkihubiClient(http, ENFORCER_KEY).payment_zones()


def test_peer_refuses_a_put_in_the_grace_period_only_when_it_is_over(client):
    parking = client.create_parking(registration_number=_plate(), zone="1", time_start=T,
                                    time_end=T + timedelta(minutes=1))
    try:
        client.replace_parking(parking.id, registration_number=parking.registration_number, zone="2",
                               time_start=T, time_end=T + timedelta(minutes=2))
        assert client.end_parking(parking.id, T + timedelta(minutes=3)).zone == "2"
    finally:
        client.delete_parking(parking.id)
    with pytest.raises(ProviderRejectedError):  # an end before the start, as the sandbox
        client.create_parking(registration_number=_plate(), zone="1", time_start=T, time_end=T - timedelta(1))


# -- the app against the hub ----------------------------------------------------------------


class LosingTransport(httpx.BaseTransport):
    """The real transport, but an answer can be thrown away after the hub handled the request (a lost
    reply), or a request held back and sent only when ``commit_late`` is called (a late commit)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.drop_after_commit, self.late_commit, self.held = inner, 0, 0, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET" and self.late_commit > 0:
            self.late_commit -= 1
            self.held.append(request)
            raise httpx.ReadTimeout("held back: a late commit", request=request)
        response = self.inner.handle_request(request)
        if request.method != "GET" and self.drop_after_commit > 0:
            self.drop_after_commit -= 1
            response.read()
            raise httpx.ReadTimeout("answer thrown away after the hub handled it", request=request)
        return response

    def commit_late(self) -> int:
        done = 0
        while self.held:
            request = self.held.pop(0)
            self.inner.handle_request(request).read()
            done += 1
        return done


@pytest.fixture
def hub_app(tmp_path):
    settings = ProviderSettings("parkkihubi", PEER_URL + "/", {"api_key": PEER_KEY}, 10.0)
    app = make_app(tmp_path, HELSINKI_BACKEND="parkkihubi")
    app.config["PROVIDERS"] = {**app.config["PROVIDERS"], "parkkihubi": settings}
    from webapp.core.provider import ProviderClients

    app.extensions["providers"] = ProviderClients(app.config["PROVIDERS"], app.config["SANDBOX_DIR"])
    with app.app_context():
        db.create_all()
        client = app.extensions["providers"].get("parkkihubi")
        losing = LosingTransport(client.http._transport._inner)
        client.http._transport._inner = losing
        app.losing = losing
        yield app
        db.session.remove()


@pytest.fixture
def peer_driver(hub_app, make_user_in):
    areas.sync_areas()
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 240)
    user = make_user_in()
    plate = _plate()
    add_vehicle(user.id, "FI", plate)
    return user, area, plate


@pytest.fixture
def make_user_in():
    from tests.conftest import DEFAULT_PASSWORD
    from webapp.accounts import users as accounts

    def make():
        email = f"peer-{secrets.token_hex(4)}@example.com"
        return accounts.register_user(email, DEFAULT_PASSWORD, DEFAULT_PASSWORD)

    return make


def _enforced(plate: str, when: datetime) -> set[str]:
    """What the hub's enforcement API says is valid for ``plate`` at ``when``."""
    if not ENFORCER_KEY:
        pytest.skip("no enforcer key")
    response = httpx.get(f"{PEER_URL}/enforcement/v1/valid_parking/", params={
        "reg_num": plate, "time": when.astimezone(UTC).isoformat()},
        headers={"Authorization": f"ApiKey {ENFORCER_KEY}"})
    response.raise_for_status()
    seen = set()
    for row in response.json()["results"]:
        end = row["time_end"]
        # the answer's times are whole seconds (the hub's ValidParkingSerializer): an end within the second counts
        if end is None or datetime.fromisoformat(end.replace("Z", "+00:00")) >= when.replace(microsecond=0):
            seen.add(row["id"])
    return seen


def _start(user, area, plate, key, minutes=60):
    now = datetime.now(UTC)
    return parkings.start_parking(user.id, area.area_id, user.vehicles[0].id, now + timedelta(minutes=minutes), key,
                                  confirm_overlap=True)


def test_peer_journey_start_extend_stop_and_cancel(hub_app, peer_driver):
    user, area, plate = peer_driver
    booking = _start(user, area, plate, "journey-1")
    assert booking.status == Status.ACTIVE and booking.hub_report.confirmed
    assert _enforced(plate, datetime.now(UTC)) == {booking.provider_ref}
    booking = parkings.extend_parking(user.id, booking.public_ref, booking.ends_at + timedelta(minutes=30),
                                      booking.version)
    assert booking.hub_report.confirmed
    booking = parkings.stop_parking(user.id, booking.public_ref, booking.version)
    assert booking.status == Status.COMPLETED and booking.hub_report.confirmed
    second = _start(user, area, plate, "journey-2", minutes=30)
    second = parkings.cancel_parking(user.id, second.public_ref, second.version)
    assert second.status == Status.CANCELLED and ledger.summary(second).total == 0
    assert _enforced(plate, booking.ends_at + timedelta(seconds=1)) == set()


def test_peer_lost_create_is_sent_again_and_its_orphan_ends_within_the_hold(hub_app, peer_driver):
    user, area, plate = peer_driver
    hub_app.losing.drop_after_commit = 1
    booking = _start(user, area, plate, "lost-create")
    assert booking.status == Status.ACTIVE and booking.hub_report.lost_creates == 1
    now = datetime.now(UTC)
    assert booking.provider_ref in _enforced(plate, now)
    # the orphan's own end is the hold: past it, only ours
    assert _enforced(plate, now + hub.HOLD + timedelta(seconds=2)) == {booking.provider_ref}
    stopped = parkings.stop_parking(user.id, booking.public_ref, booking.version)
    assert _enforced(plate, stopped.ends_at + hub.HOLD + timedelta(seconds=2)) == set()


def test_peer_lost_extend_stop_and_delete(hub_app, peer_driver):
    user, area, plate = peer_driver
    booking = _start(user, area, plate, "lost-changes")
    hub_app.losing.drop_after_commit = 1
    new_end = booking.ends_at + timedelta(minutes=30)
    booking = parkings.extend_parking(user.id, booking.public_ref, new_end, booking.version)
    assert booking.ends_at == new_end and booking.provider_ref in _enforced(plate, new_end - timedelta(seconds=5))
    hub_app.losing.drop_after_commit = 1
    booking = parkings.stop_parking(user.id, booking.public_ref, booking.version)
    assert booking.hub_report.confirmed and _enforced(plate, booking.ends_at + timedelta(seconds=1)) == set()
    second = _start(user, area, plate, "lost-delete", minutes=30)
    hub_app.losing.drop_after_commit = 1
    second = parkings.cancel_parking(user.id, second.public_ref, second.version)
    assert second.status == Status.CANCELLED and second.hub_report.confirmed  # the repeat found it gone (404)


def test_peer_unconfirmed_extension_is_undone_and_a_late_extension_overwritten(hub_app, peer_driver):
    user, area, plate = peer_driver
    booking = _start(user, area, plate, "late")
    old_end = booking.ends_at
    hub_app.losing.drop_after_commit = 2
    with pytest.raises(parkings.ProviderFailedError):
        parkings.extend_parking(user.id, booking.public_ref, old_end + timedelta(minutes=30), booking.version)
    db.session.refresh(booking)
    assert booking.ends_at == old_end
    assert booking.provider_ref in _enforced(plate, old_end + timedelta(minutes=1))  # the hub has the extension
    hub.send_due(datetime.now(UTC))
    assert _enforced(plate, old_end + timedelta(minutes=1)) == set()  # undone

    hub_app.losing.late_commit = 1
    booking = parkings.extend_parking(user.id, booking.public_ref, old_end + timedelta(minutes=45), booking.version)
    booking = parkings.stop_parking(user.id, booking.public_ref, booking.version)
    assert hub_app.losing.commit_late() == 1  # the stale extension reaches the hub after the stop
    after_stop = booking.ends_at + timedelta(seconds=1)
    assert _enforced(plate, after_stop) == {booking.provider_ref}
    due = booking.hub_report.due_at
    assert due is not None and due <= booking.ends_at + hub.HOLD
    hub.send_due(due)
    assert _enforced(plate, after_stop) == set()


def test_peer_a_start_the_hub_never_confirms_fails_uncharged(hub_app, peer_driver, monkeypatch):
    user, area, plate = peer_driver
    hub_app.losing.drop_after_commit = 2  # the create and the create sent again: both made, both answers lost
    booking = _start(user, area, plate, "never")
    assert booking.status == Status.UNKNOWN and booking.hub_report.lost_creates == 2
    deadline = hub.settle_deadline(booking)
    monkeypatch.setattr(hub, "settle_deadline", lambda b: deadline - timedelta(minutes=10))
    reconcile.sweep()
    db.session.refresh(booking)
    assert booking.status == Status.FAILED and ledger.summary(booking).total == 0
    now = datetime.now(UTC)
    assert _enforced(plate, now + hub.HOLD + timedelta(seconds=2)) == set()  # both orphans end by themselves


def test_peer_concurrent_sweeps_report_one_parking(hub_app, peer_driver):
    user, area, plate = peer_driver
    hub_app.losing.drop_after_commit = 2
    booking = _start(user, area, plate, "race")
    assert booking.status == Status.UNKNOWN
    errors = []

    def sweep():
        try:
            with hub_app.app_context():
                reconcile.sweep()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE, errors
    later = datetime.now(UTC) + hub.HOLD + timedelta(seconds=2)
    assert _enforced(plate, later) == {booking.provider_ref}
