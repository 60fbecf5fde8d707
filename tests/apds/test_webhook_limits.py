"""The webhook receiver answers every body with the protocol's own answer, never a 500.

A platform retries a 5xx for ever, and an unauthenticated 500 is a door: a body the
parser cannot read (nesting deep enough to exhaust the recursion limit) and a signed
event with values our tables cannot hold (a version past 64 bits, an id or topic longer
than its column) are refused with ``{"status": "error", "code": 400, "message": …}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, places, sessions
from webapp.apds.models import ApdsEvent
from webapp.extensions import db

ARNDALE = "805432"
ENDPOINT = "https://parkgo.test" + events.RECEIVER_PATH


@pytest.fixture
def subscribed(app, make_user):
    user = make_user()
    add_vehicle(user.id, "GB", "BD18 SMR")
    places.sync_places()
    subscription = events.ensure_subscription(ENDPOINT)
    return user, subscription


def _signed(app, subscription, document: dict) -> tuple[bytes, dict]:
    body = json.dumps(document).encode()
    return body, {"APDS-Signature": events.sign(body, events._secret(subscription))}


def _event(subscription, **changes) -> dict:
    now = datetime.now(UTC).replace(microsecond=0)
    session = {"id": "s-1", "version": 1, "actualStart": now.isoformat().replace("+00:00", "Z"),
               "identifiedCredentials": [{"identifier": {"id": "BD18SMR", "className": "LicensePlate"}}],
               "hierarchyElement": {"id": ARNDALE, "version": 1}}
    session.update(changes.pop("session", {}))
    document = {"eventId": "evt-1", "eventSubscriptionId": subscription.subscription_id,
                "eventTime": now.isoformat().replace("+00:00", "Z"), "topic": "SessionCreated", "data": [session]}
    document.update(changes)
    return document


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("body", [
    b"[" * 2000 + b"]" * 2000,
    b"{" + b'"a":{' * 2000 + b"}" * 2001,
    b'{"eventSubscriptionId": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b"\xff\xfe not utf-8",
    b'{"eventSubscriptionId": 1e999999}',
    b"1" * 5000,  # past the interpreter's int/str conversion limit
], ids=["list", "object", "nested-value", "bad-encoding", "huge-float", "long-int"])
def test_an_unreadable_body_without_signature_is_a_400_not_a_500(app, client, method, body):
    answer = client.open(events.RECEIVER_PATH, method=method, data=body)
    assert answer.status_code == 400
    assert answer.get_json() == {"status": "error", "code": 400, "message": "not an APDS event"}
    assert db.session.query(ApdsEvent).count() == 0


@pytest.mark.parametrize("changes", [
    {"eventId": "e" * 200},
    {"topic": "T" * 100},
    {"session": {"version": 10 ** 30}},
    {"session": {"version": -(10 ** 30)}},
    {"session": {"id": "s" * 300}},
    {"session": {"segments": [{"id": "g", "financialTransactions": [{"segmentValue": 10 ** 12}]}]}},
], ids=["long-event-id", "long-topic", "huge-version", "huge-negative-version", "long-session-id",
        "huge-amount"])
def test_a_signed_event_we_cannot_store_is_refused_with_the_protocols_error(app, client, subscribed, changes):
    user, subscription = subscribed
    # a registration at the place, so a session event is applied to a booking (the version is stored)
    sessions.register_plate(user.id, ARNDALE, user.vehicles[0].id, datetime.now(UTC) + timedelta(days=1), "tl-x")
    body, headers = _signed(app, subscription, _event(subscription, **changes))
    answer = client.post(events.RECEIVER_PATH, data=body, headers=headers)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "error" and answer.get_json()["code"] == 400
    assert db.session.query(ApdsEvent).count() == 0
    # the receiver still works afterwards
    good, good_headers = _signed(app, subscription, _event(subscription, eventId="evt-good"))
    assert client.post(events.RECEIVER_PATH, data=good, headers=good_headers).status_code == 200


def test_a_session_instant_before_the_first_utc_instant_is_an_unreadable_session_not_a_500(app, client, subscribed):
    user, subscription = subscribed
    sessions.register_plate(user.id, ARNDALE, user.vehicles[0].id, datetime.now(UTC) + timedelta(days=1), "tl-y")
    document = _event(subscription, session={"actualStart": "0001-01-01T00:00:00+14:00"})
    body, headers = _signed(app, subscription, document)
    answer = client.post(events.RECEIVER_PATH, data=body, headers=headers)
    # kept as every unreadable session is (stored, applied to no booking), so a redelivery is a duplicate
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    assert db.session.query(ApdsEvent).one().booking_id is None


def test_a_signed_event_deeper_than_the_parser_can_go_is_a_400(app, client, subscribed):
    _user, subscription = subscribed
    document = _event(subscription)
    body = json.dumps(document).encode()[:-1] + b', "extra": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    headers = {"APDS-Signature": events.sign(body, events._secret(subscription))}
    answer = client.post(events.RECEIVER_PATH, data=body, headers=headers)
    assert answer.status_code == 400
    assert db.session.query(ApdsEvent).count() == 0
