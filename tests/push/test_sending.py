"""Sending one notification: what reaches the push service (encrypted, signed, with its headers), and what
each answer does to the device. The push service is the local one of tests/support/push_service.py."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest

from tests.support.push_service import make_subscription
from webapp.extensions import db
from webapp.push import keys, sending
from webapp.push.models import PushDevice
from webapp.push.sending import Outcome


@pytest.fixture
def device(app, make_user, add_device):
    device, subscription = add_device(make_user())
    return device, subscription


PAYLOAD = {"title": "Kamppi", "body": "Ends at 10:10", "lang": "en", "kind": "parking_ending",
           "tag": "parking_ending:HS-1", "url": "https://parkgo.test/parking/HS-1", "actions": []}


def test_a_message_is_encrypted_for_the_browser_and_signed_with_our_key(app, push_service, device):
    device, subscription = device
    assert sending.send(device, PAYLOAD, urgency="high", topic="parking_ending-HS1") == Outcome.DELIVERED
    db.session.commit()
    (message,) = push_service.received_for(subscription)
    assert subscription.payload(message.body) == PAYLOAD
    assert message.headers["Content-Encoding"] == "aes128gcm"
    assert message.headers["Ttl"] == str(app.config["PUSH_TTL_SECONDS"])
    assert message.headers["Urgency"] == "high" and message.headers["Topic"] == "parking_ending-HS1"
    claims = message.vapid_claims(keys.application_server_key())
    assert claims["aud"] == push_service.url and claims["sub"] == app.config["VAPID_SUBJECT"]
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert PAYLOAD["body"].encode() not in message.body  # encrypted, not merely encoded
    db.session.refresh(device)
    assert device.failures == 0 and device.last_sent_at is not None


def test_each_message_has_its_own_sender_key(app, push_service, device):
    device, subscription = device
    sending.send(device, PAYLOAD)
    sending.send(device, PAYLOAD)
    first, second = (m.body for m in push_service.received_for(subscription))
    # the aes128gcm header: salt (16), record size (4), key id length (1), then the sender's public key
    assert first[21:86] != second[21:86] and first[:16] != second[:16]
    assert subscription.payload(first) == subscription.payload(second) == PAYLOAD


def test_a_topic_the_rfc_does_not_allow_is_sent_as_a_digest(app, push_service, device):
    device, subscription = device
    sending.send(device, PAYLOAD, topic="parking_ending:a reference that is far too long for a topic")
    topic = push_service.received_for(subscription)[0].headers["Topic"]
    assert len(topic) <= 32 and sending._TOPIC.match(topic)


def test_an_endpoint_we_do_not_post_to_gets_no_request(app, push_service, make_user):
    user = make_user()
    app.config["PUSH_ALLOW_LOCAL_SERVICE"] = False  # as in production: the local service is not a push service
    subscription = make_subscription(push_service)
    device = PushDevice(user_id=user.id, endpoint=subscription.endpoint, p256dh=subscription.p256dh,
                        auth=subscription.auth)
    db.session.add(device)
    db.session.commit()
    assert sending.send(device, PAYLOAD) == Outcome.REFUSED
    assert push_service.received == []
    db.session.commit()
    assert db.session.get(PushDevice, device.id).failures == 0  # kept: the setting may change back


def _app_log(caplog) -> str:
    """What the app and its HTTP client logged (not the local push service's own access log)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))


def test_a_server_error_counts_a_failure_and_enough_in_a_row_forget_the_device(app, push_service, device, caplog):
    caplog.set_level(logging.DEBUG)  # httpx's request lines too: none may hold the endpoint's path
    device, subscription = device
    push_service.status = 500
    assert sending.send(device, PAYLOAD) == Outcome.FAILED
    db.session.commit()
    assert db.session.get(PushDevice, device.id).failures == 1
    logged = _app_log(caplog)
    assert subscription.path not in logged and push_service.url in logged  # the host, never the path
    device.failures = sending.FORGET_AFTER_FAILURES - 1
    db.session.commit()
    assert sending.send(device, PAYLOAD) == Outcome.FAILED
    db.session.commit()
    assert db.session.get(PushDevice, device.id) is None


def test_a_success_after_failures_starts_the_count_again(app, push_service, device):
    device, _subscription = device
    device.failures = 7
    db.session.commit()
    assert sending.send(device, PAYLOAD) == Outcome.DELIVERED
    db.session.commit()
    assert db.session.get(PushDevice, device.id).failures == 0


def test_a_timeout_counts_a_failure(app, push_service, device, monkeypatch):
    device, _subscription = device
    monkeypatch.setattr(sending, "READ_TIMEOUT", 0.2)
    push_service.delay = 5.0
    started = time.monotonic()
    assert sending.send(device, PAYLOAD) == Outcome.FAILED
    assert time.monotonic() - started < 4.0  # gave up at the read timeout, far before the answer
    db.session.commit()
    assert db.session.get(PushDevice, device.id).failures == 1


def test_a_service_that_cannot_be_reached_counts_a_failure(app, push_service, device):
    device, _subscription = device
    push_service.stop()  # nothing listens on the port any more
    assert sending.send(device, PAYLOAD) == Outcome.FAILED
    db.session.commit()
    assert db.session.get(PushDevice, device.id).failures == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_forgets_the_device(app, push_service, device, status):
    device, subscription = device
    if status == 410:
        push_service.mark_gone(subscription)
    else:
        push_service.status = 404
    assert sending.send(device, PAYLOAD) == Outcome.GONE
    db.session.commit()
    assert db.session.get(PushDevice, device.id) is None


def test_keys_that_cannot_encrypt_forget_the_device_without_a_request(app, push_service, device):
    device, _subscription = device
    device.p256dh = "BAAAA"  # not a P-256 point
    db.session.commit()
    assert sending.send(device, PAYLOAD) == Outcome.GONE
    db.session.commit()
    assert push_service.received == [] and db.session.get(PushDevice, device.id) is None


@pytest.mark.parametrize("body", ["x" * 10_000, "ä" * 5_000, "주차" * 3_000, "🚗" * 2_000])
def test_an_oversized_payload_is_cut_to_fit_and_still_arrives(app, push_service, device, body):
    device, subscription = device
    assert sending.send(device, PAYLOAD | {"body": body}) == Outcome.DELIVERED
    (message,) = push_service.received_for(subscription)
    assert len(message.body) <= sending.RECORD_SIZE
    got = subscription.payload(message.body)
    assert got["body"].endswith(sending.ELLIPSIS) and body.startswith(got["body"][:-1])
    assert {k: v for k, v in got.items() if k != "body"} == {k: v for k, v in PAYLOAD.items() if k != "body"}
    assert len(json.dumps(got, ensure_ascii=False, separators=(",", ":")).encode()) <= sending.MAX_PAYLOAD_BYTES


def test_a_payload_that_fits_is_left_whole_and_the_title_is_cut_only_after_the_body():
    assert json.loads(sending.fit_payload(PAYLOAD)) == PAYLOAD
    both = json.loads(sending.fit_payload(PAYLOAD | {"title": "T" * 3000, "body": "B" * 3000}))
    assert both["title"] == "T" * 3000 and len(both["body"]) < 800
    only_title = json.loads(sending.fit_payload(PAYLOAD | {"title": "T" * 9000, "body": "B" * 100}))
    assert only_title["body"] == "" and only_title["title"].endswith(sending.ELLIPSIS)
    with pytest.raises(ValueError):
        sending.fit_payload(PAYLOAD | {"url": "u" * 5000})


def test_the_token_expires_within_a_day(app):
    with app.test_request_context():
        from webapp.core.clock import utcnow
        now = utcnow()
        header = sending.vapid_authorization("https://fcm.googleapis.com/fcm/send/abc", now)
    import jwt
    token = header.split("t=", 1)[1].split(",", 1)[0]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "https://fcm.googleapis.com"
    assert now.timestamp() < claims["exp"] <= (now + timedelta(hours=24)).timestamp()
