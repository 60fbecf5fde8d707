"""The push pages: subscribe (JSON from push.js), remove a device, the kinds, a test notification, logout —
who may do what, and that no body gives a 500."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from
from tests.push.test_devices import CHROME_ANDROID, SAFARI_IPHONE, subscription
from tests.support.push_service import PushService, make_subscription
from webapp.accounts import users as accounts
from webapp.extensions import db
from webapp.push import devices
from webapp.push.keys import application_server_key
from webapp.push.kinds import KINDS, PARKING_ENDING, VALET_DROPOFF
from webapp.push.models import PushDevice, PushSetting

SUBSCRIBE = "/account/push/devices"
CATALOGS = "webapp/translations/{}/LC_MESSAGES/messages.po"


@pytest.fixture
def driver(make_user, login):
    user = make_user("driver@example.com")
    login(user)
    return user


@pytest.fixture
def local_push():
    service = PushService().start()
    yield service
    service.stop()


def _subscribe(client, body, agent=CHROME_ANDROID, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(SUBSCRIBE, data=data, content_type=headers.pop("content_type", "application/json"),
                       headers={"User-Agent": agent, **headers})


def _goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


# --- who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SUBSCRIBE, "/account/push/devices/1/remove", "/account/push/settings",
                                  "/account/push/test"])
def test_a_guest_is_sent_to_the_login(client, path):
    assert _goes_to_login(client.post(path, json=subscription()))
    assert PushDevice.query.count() == 0


def test_a_driver_cannot_remove_another_drivers_device(app, client, driver, make_user):
    other = make_user("other@example.com")
    theirs = devices.subscribe(other.id, subscription(), SAFARI_IPHONE)
    response = client.post(f"/account/push/devices/{theirs.id}/remove")
    assert response.status_code == 404
    assert devices.devices(other.id) == [theirs]


def test_removing_ones_own_device_says_so_and_returns_to_the_profile(app, client, driver):
    mine = devices.subscribe(driver.id, subscription(), SAFARI_IPHONE)
    response = client.post(f"/account/push/devices/{mine.id}/remove")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account#notifications")
    assert devices.devices(driver.id) == []
    assert "That device gets no more notifications." in client.get("/account").get_data(as_text=True)


# --- subscribe -------------------------------------------------------------------------------------------


def test_subscribing_stores_the_device_and_answers_201_json(app, client, driver):
    sent = subscription()
    response = _subscribe(client, sent)
    assert response.status_code == 201 and response.is_json
    answer = response.get_json()
    assert answer["message"] == "Notifications are on for this device." and answer["label"] == "Chrome on Android"
    (device,) = devices.devices(driver.id)
    assert device.id == answer["id"] and device.endpoint == sent["endpoint"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("body", [b"", b"not json", b"{", b"[]", b"null", b"42", b'"text"', b"\xff\xfe\x00",
                                  b'{"endpoint": 1}', b'{"keys": {"p256dh": "", "auth": ""}}',
                                  b'{"endpoint": "https://fcm.googleapis.com/x", "keys": []}',
                                  b"[" * 5000 + b"]" * 5000])
def test_garbage_is_422_with_a_sentence_never_500(app, client, driver, body):
    response = _subscribe(client, body)
    assert response.status_code == 422 and response.is_json
    assert "could not be read" in response.get_json()["message"]
    assert PushDevice.query.count() == 0


def test_a_form_instead_of_json_is_422(app, client, driver):
    response = client.post(SUBSCRIBE, data={"endpoint": "https://fcm.googleapis.com/x"})
    assert response.status_code == 422 and response.get_json()["message"]


@pytest.mark.parametrize("endpoint", ["https://attacker.example/collect", "http://fcm.googleapis.com/fcm/send/x",
                                      "https://10.0.0.1/push", "javascript:alert(1)"])
def test_an_endpoint_that_is_no_push_service_is_422(app, client, driver, endpoint):
    response = _subscribe(client, subscription(endpoint))
    assert response.status_code == 422
    assert "notification service we do not send to" in response.get_json()["message"]
    assert PushDevice.query.count() == 0


def test_the_answer_speaks_the_drivers_language(app, client, make_user, login):
    login(make_user("fi@example.com", language="fi"))
    response = _subscribe(client, subscription("https://attacker.example/x"))
    assert response.status_code == 422 and "ilmoituspalvelua" in response.get_json()["message"]
    assert _subscribe(client, subscription()).get_json()["label"] == "Chrome (Android)"


def test_without_a_vapid_key_nothing_is_subscribed_and_the_profile_says_why(app, client, driver):
    app.config["VAPID_PRIVATE_KEY"] = None
    response = _subscribe(client, subscription())
    assert response.status_code == 422 and "not available" in response.get_json()["message"]
    page = client.get("/account").get_data(as_text=True)
    assert "Notifications are not available on this site at the moment." in page
    assert "data-push-subscribe" not in page


def test_subscribing_is_rate_limited_per_driver_with_a_json_answer(app, client, driver):
    for number in range(30):
        assert _subscribe(client, subscription(f"https://fcm.googleapis.com/fcm/send/{number}")).status_code == 201
    refused = _subscribe(client, subscription("https://fcm.googleapis.com/fcm/send/too-many"))
    assert refused.status_code == 429 and "Too many attempts" in refused.get_json()["message"]


def test_csrf_token_in_the_header_as_push_js_sends_it(csrf_app):
    client = csrf_app.test_client()
    user = accounts.register_user("csrf@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)  # csrf_app's own database
    login_page = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                       "csrf_token": csrf_token_from(login_page)}).status_code == 303
    refused = _subscribe(client, subscription())  # no token: refused, with a sentence push.js shows
    assert refused.status_code == 400 and "Reload the page" in refused.get_json()["message"]
    page = client.get("/account").get_data(as_text=True)
    # push.js reads the token where layout.html puts it for htmx: <body hx-headers='{"X-CSRFToken": …}'>
    token = json.loads(html.unescape(re.search(r"hx-headers='([^']+)'", page).group(1)))["X-CSRFToken"]
    assert _subscribe(client, subscription(), **{"X-CSRFToken": token}).status_code == 201


# --- settings and the test notification ------------------------------------------------------------------


def test_the_checkboxes_turn_kinds_on_and_off(app, client, driver):
    ticked = [kind for kind in KINDS if kind not in (PARKING_ENDING, VALET_DROPOFF)]
    response = client.post("/account/push/settings", data={"kind": [*ticked, "no_such_kind"]})
    assert response.status_code == 303
    chosen = devices.settings(driver.id)
    assert chosen[PARKING_ENDING] is False and chosen[VALET_DROPOFF] is False
    assert all(chosen[kind] for kind in ticked)
    page = client.get("/account").get_data(as_text=True)
    assert "Your notification choices are saved." in page
    assert re.search(rf'value="{PARKING_ENDING}"(?! checked)', page)
    assert re.search(rf'value="{ticked[0]}" checked', page)


def test_a_test_notification_reaches_each_device_in_the_drivers_language(app, client, driver, local_push):
    phone, laptop = make_subscription(local_push), make_subscription(local_push)
    for browser in (phone, laptop):
        assert _subscribe(client, browser.json).status_code == 201
    response = client.post("/account/push/test")
    assert response.status_code == 303
    assert "The test notification went to 2 devices." in client.get("/account").get_data(as_text=True)
    (message,) = local_push.received_for(phone)
    payload = phone.payload(message.body)
    assert payload["kind"] == "test" and payload["lang"] == "en" and payload["url"] == "/account#notifications"
    assert payload["body"] == "This is a test. Your parking reminders will arrive like this."
    assert message.vapid_claims(application_server_key())["aud"] == local_push.url
    assert all(device.last_sent_at is not None for device in devices.devices(driver.id))


def test_a_device_the_push_service_says_is_gone_is_forgotten_and_the_flash_says_none_got_it(
        app, client, driver, local_push):
    browser = make_subscription(local_push)
    _subscribe(client, browser.json)
    local_push.mark_gone(browser)
    client.post("/account/push/test")
    assert devices.devices(driver.id) == []
    assert "The test notification reached no device." in client.get("/account").get_data(as_text=True)


def test_a_test_without_devices_says_to_turn_them_on_first(app, client, driver, local_push):
    client.post("/account/push/test")
    assert "No device gets notifications yet. Turn them on" in client.get("/account").get_data(as_text=True)
    assert local_push.received == []


# --- logout ----------------------------------------------------------------------------------------------


def test_logout_forgets_the_browser_whose_endpoint_the_form_posts(app, client, driver):
    here, elsewhere = subscription("https://fcm.googleapis.com/fcm/send/here"), subscription(
        "https://fcm.googleapis.com/fcm/send/elsewhere")
    _subscribe(client, here)
    _subscribe(client, elsewhere)
    response = client.post("/logout", data={"push_endpoint": here["endpoint"]})
    assert response.status_code == 303
    assert [device.endpoint for device in devices.devices(driver.id)] == [elsewhere["endpoint"]]


@pytest.mark.parametrize("field", [None, "", "garbage", "x" * 5000, "https://fcm.googleapis.com/fcm/send/theirs"])
def test_logout_with_a_missing_or_odd_endpoint_logs_out_and_forgets_nothing(app, client, driver, make_user, field):
    other = make_user("other@example.com")
    devices.subscribe(other.id, subscription("https://fcm.googleapis.com/fcm/send/theirs"), SAFARI_IPHONE)
    _subscribe(client, subscription("https://fcm.googleapis.com/fcm/send/mine"))
    response = client.post("/logout", data={} if field is None else {"push_endpoint": field})
    assert response.status_code == 303 and _goes_to_login(client.get("/account"))
    assert PushDevice.query.count() == 2  # another driver's endpoint is not this driver's to forget


# --- the profile's section -------------------------------------------------------------------------------


def test_the_profile_lists_the_devices_with_remove_buttons_and_the_kinds(app, client, driver):
    device = devices.subscribe(driver.id, subscription(), SAFARI_IPHONE)
    page = client.get("/account").get_data(as_text=True)
    section = page[page.index('id="notifications"'):page.index('id="notifications"') + 12000]
    assert "Safari on iPhone" in section and f"/account/push/devices/{device.id}/remove" in section
    assert "no notification yet" in section and "Send a test notification" in section
    assert "reminder before a parking ends by e-mail" in section
    assert devices.endpoint_digest(device.endpoint) in section  # push.js finds this browser's row and button
    for label in KINDS.values():
        assert html.escape(str(label)) in section
    button = re.search(r"<button[^>]*data-push-subscribe[^>]*>", section).group(0)
    assert f'data-vapid-key="{application_server_key()}"' in button and " hidden" in button
    assert 'data-subscribe-url="/account/push/devices"' in button


def _english_messages() -> set[str]:
    with open(CATALOGS.format("fi"), "rb") as catalog:
        return {message.id for message in read_po(catalog) if isinstance(message.id, str) and message.id}


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_every_sentence_of_the_notifications_section_is_translated(app, client, make_user, login, language):
    user = make_user(f"{language}@example.com", language=language)
    login(user)
    devices.subscribe(user.id, subscription(), CHROME_ANDROID)
    page = client.get("/account").get_data(as_text=True)
    section = html.unescape(page[page.index('id="notifications"'):page.index("</section>", page.index(
        'id="notifications"'))])
    english = [message for message in _english_messages() if len(message) > 12 and message in section]
    assert not english, english
    assert {"fi": "Chrome (Android)", "sv": "Chrome på Android", "ko": "Android의 Chrome"}[language] in section
    with open(CATALOGS.format(language), "rb") as catalog:
        translations = {message.id: message.string for message in read_po(catalog)}
    for msgid in ("Turn on notifications on this device", "Notifications are on for this device.",
                  "Send a test notification", "Notify me when", *(str(label) for label in KINDS.values())):
        assert translations[msgid] and translations[msgid] in section, msgid


def test_the_english_profile_section_reads_in_english(app, client, driver):
    page = client.get("/account").get_data(as_text=True)
    assert "Turn on notifications on this device" in page and "No device gets notifications yet." in page
    assert db.session.query(PushDevice).count() == 0


def test_test_notifications_are_limited_per_driver_and_the_page_says_so(app, client, driver):
    for _ in range(10):
        assert client.post("/account/push/test").status_code == 303
    refused = client.post("/account/push/test")
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/account#notifications")
    assert "Too many test notifications in a short time." in client.get("/account").get_data(as_text=True)


def test_deleting_the_account_forgets_its_devices_and_choices(app, client, driver):
    _subscribe(client, subscription())
    client.post("/account/push/settings", data={"kind": []})
    response = client.post("/account/delete", data={"password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert PushDevice.query.count() == 0 and PushSetting.query.count() == 0
