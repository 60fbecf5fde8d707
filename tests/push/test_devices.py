"""The push devices' use cases: what a browser's subscription must be, whose device it is, the kinds chosen."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import force_locale

from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.push import devices
from webapp.push.kinds import KINDS, PARKING_ENDING, RENTAL_PICKUP
from webapp.push.models import PushDevice, PushSetting

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")
SAMSUNG = ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
           "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36")
CHROME_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint: str = "https://fcm.googleapis.com/fcm/send/abc123", **keys) -> dict:
    """A subscription as ``PushSubscription.toJSON()`` gives it, with a real P-256 key and a 16-byte secret."""
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16)), **keys}}


@pytest.fixture
def driver(make_user):
    return make_user("driver@example.com")


@pytest.fixture
def other(make_user):
    return make_user("other@example.com")


def test_a_subscription_becomes_a_device_with_a_readable_label(app, driver):
    sent = subscription()
    device = devices.subscribe(driver.id, sent, CHROME_ANDROID)
    stored = db.session.get(PushDevice, device.id)
    assert stored.user_id == driver.id and stored.endpoint == sent["endpoint"]
    assert stored.p256dh == sent["keys"]["p256dh"] and stored.auth == sent["keys"]["auth"]
    assert stored.label == "Chrome on Android" and stored.failures == 0 and stored.last_sent_at is None
    assert devices.devices(driver.id) == [stored]


def test_the_same_browser_again_updates_its_keys_and_keeps_one_device(app, driver):
    first = devices.subscribe(driver.id, subscription(), CHROME_ANDROID)
    renewed = subscription()
    again = devices.subscribe(driver.id, renewed, CHROME_ANDROID)
    assert again.id == first.id and again.p256dh == renewed["keys"]["p256dh"]
    assert db.session.query(PushDevice).count() == 1


def test_a_shared_browser_moves_to_the_driver_who_turned_notifications_on_last(app, driver, other):
    sent = subscription()
    first = devices.subscribe(driver.id, sent, CHROME_ANDROID)
    first.last_sent_at = utcnow() - timedelta(days=3)
    db.session.commit()
    moved = devices.subscribe(other.id, subscription(sent["endpoint"]), CHROME_ANDROID)
    assert moved.id == first.id and moved.user_id == other.id and moved.last_sent_at is None
    assert devices.devices(driver.id) == [] and devices.devices(other.id) == [moved]


@pytest.mark.parametrize("sent", [
    None, [], "text", 42, {}, {"endpoint": "https://fcm.googleapis.com/x"},
    {"endpoint": None, "keys": {}}, {"endpoint": ["a"], "keys": {"p256dh": "x", "auth": "y"}},
])
def test_anything_that_is_not_a_subscription_is_refused_in_words(app, driver, sent):
    with pytest.raises(ValidationError) as refused:
        devices.subscribe(driver.id, sent, CHROME_ANDROID)
    assert "could not be read" in refused.value.message
    assert db.session.query(PushDevice).count() == 0


@pytest.mark.parametrize("keys", [
    {"p256dh": b64url(b"\x04" + os.urandom(63))},  # 64 bytes
    {"p256dh": b64url(b"\x02" + os.urandom(64))},  # not uncompressed
    {"p256dh": b64url(b"\x04" + b"\x01" * 64)},  # 65 bytes, but no point of the curve
    {"p256dh": "not base64url at all!"},
    {"auth": b64url(os.urandom(15))},
    {"auth": b64url(os.urandom(32))},
    {"auth": base64.b64encode(b"\xfb\xff" * 8).decode()},  # standard base64 (+ and /), not base64url
])
def test_keys_that_no_browser_makes_are_refused(app, driver, keys):
    with pytest.raises(ValidationError):
        devices.subscribe(driver.id, subscription(**keys), CHROME_ANDROID)


def test_padded_base64url_keys_are_taken_as_the_browser_meant_them(app, driver):
    sent = subscription()
    sent["keys"] = {"p256dh": sent["keys"]["p256dh"] + "=", "auth": sent["keys"]["auth"] + "=="}
    device = devices.subscribe(driver.id, sent, CHROME_ANDROID)
    assert not device.p256dh.endswith("=") and not device.auth.endswith("=")


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/abc",  # not HTTPS
    "https://evil.example/fcm/send/abc",
    "https://fcm.googleapis.com.evil.example/x",
    "https://user:pass@fcm.googleapis.com/x",
    "https://169.254.169.254/latest/meta-data",
    "file:///etc/passwd",
    "https://fcm.googleapis.com/" + "x" * 1000,
])
def test_an_endpoint_that_is_no_known_push_service_is_refused(app, driver, endpoint):
    with pytest.raises(ValidationError):
        devices.subscribe(driver.id, subscription(endpoint), CHROME_ANDROID)
    assert db.session.query(PushDevice).count() == 0


def test_a_push_service_on_this_machine_only_where_the_setting_allows_it(app, driver):
    assert devices.subscribe(driver.id, subscription("http://127.0.0.1:5999/push/1"), None)
    app.config["PUSH_ALLOW_LOCAL_SERVICE"] = False
    with pytest.raises(ValidationError):
        devices.subscribe(driver.id, subscription("http://127.0.0.1:5999/push/2"), None)


@pytest.mark.parametrize(("agent", "label"), [
    (CHROME_ANDROID, "Chrome on Android"), (SAFARI_IPHONE, "Safari on iPhone"),
    (FIREFOX_WINDOWS, "Firefox on Windows"), (EDGE_WINDOWS, "Edge on Windows"),
    (SAMSUNG, "Samsung Internet on Android"), (CHROME_IPHONE, "Chrome on iPhone"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
     "Chrome on Linux"),
    ("curl/8.5.0", "A browser"), ("", "A browser"), (None, "A browser"),
    ("Mozilla/5.0 (Windows NT 10.0)", "A browser on Windows"),
])
def test_the_label_names_browser_and_system_or_says_less(app, agent, label):
    assert devices.device_label(agent) == label


def test_the_label_is_kept_in_english_and_shown_in_the_readers_language(app):
    kept = devices.device_label(CHROME_ANDROID)
    with force_locale("fi"):
        assert devices.readable_label(kept) == "Chrome (Android)"
        assert devices.readable_label("A browser on Windows") == "Selain (Windows)"
        assert devices.readable_label("A browser") == devices.readable_label("") == "Selain"
    with force_locale("sv"):
        assert devices.readable_label(devices.device_label(SAFARI_IPHONE)) == "Safari på iPhone"
    with force_locale("ko"):
        assert devices.readable_label(devices.device_label(FIREFOX_WINDOWS)) == "Windows의 Firefox"
    # a label this parser did not make (an older one, a changed list) is shown as it is
    assert devices.readable_label("Netscape on BeOS") == "Netscape on BeOS"


def test_forgetting_a_device_is_for_its_owner_only(app, driver, other):
    device = devices.subscribe(driver.id, subscription(), CHROME_ANDROID)
    with pytest.raises(NotFoundError):
        devices.forget(other.id, device.id)
    assert devices.devices(driver.id) == [device]
    devices.forget(driver.id, device.id)
    assert devices.devices(driver.id) == []
    with pytest.raises(NotFoundError):
        devices.forget(driver.id, device.id)


@pytest.mark.parametrize("endpoint", [None, "", 42, ["x"], "x" * 5000, "nul\x00", "https://fcm.googleapis.com/other"])
def test_forgetting_by_an_odd_or_unknown_endpoint_changes_nothing(app, driver, endpoint):
    devices.subscribe(driver.id, subscription(), CHROME_ANDROID)
    assert devices.forget_endpoint(driver.id, endpoint) is False
    assert len(devices.devices(driver.id)) == 1


def test_logging_out_forgets_only_the_drivers_own_browser(app, driver, other):
    sent = subscription()
    devices.subscribe(driver.id, sent, CHROME_ANDROID)
    assert devices.forget_endpoint(other.id, sent["endpoint"]) is False  # not theirs: kept
    assert devices.forget_endpoint(driver.id, sent["endpoint"]) is True
    assert devices.devices(driver.id) == []


def test_devices_are_listed_newest_first(app, driver):
    older = devices.subscribe(driver.id, subscription("https://fcm.googleapis.com/fcm/send/1"), CHROME_ANDROID)
    older.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    newer = devices.subscribe(driver.id, subscription("https://fcm.googleapis.com/fcm/send/2"), SAFARI_IPHONE)
    assert devices.devices(driver.id) == [newer, older]


def test_every_kind_is_on_until_the_driver_turns_it_off(app, driver, other):
    assert devices.settings(driver.id) == dict.fromkeys(KINDS, True)
    assert list(devices.settings(driver.id)) == list(KINDS)
    after = devices.save_settings(driver.id, {PARKING_ENDING: False, "no_such_kind": False})
    assert after[PARKING_ENDING] is False and all(on for kind, on in after.items() if kind != PARKING_ENDING)
    devices.save_settings(driver.id, {PARKING_ENDING: True, RENTAL_PICKUP: False})
    assert devices.settings(driver.id)[PARKING_ENDING] is True and devices.settings(driver.id)[RENTAL_PICKUP] is False
    assert devices.settings(other.id) == dict.fromkeys(KINDS, True)  # one driver's choice is theirs only
    assert db.session.query(PushSetting).filter_by(kind="no_such_kind").count() == 0


def test_the_endpoint_digest_is_what_the_browser_computes(app):
    # push.js hashes its endpoint with crypto.subtle SHA-256 and writes it as lowercase hex
    assert devices.endpoint_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
