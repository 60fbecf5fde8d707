"""A driver turns on notifications for this phone from the profile, in headless Chromium.

Headless Chromium cannot reach a real push service, so ``PushManager.prototype.subscribe`` is replaced
(before any page script runs) by one that answers a subscription to a push service on 127.0.0.1 with
real keys (tests/support/push_service.py); everything else is the browser's own: the service worker
app.js registers, the permission (granted by the test, asked by push.js only on the tap), the fetch with
the CSRF header, the device list. Screenshots at 360 px of the section and of the stop-confirm box in the
four languages go to /tmp/push-shots/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import open_menu
from tests.conftest import DEFAULT_PASSWORD
from tests.support.push_service import PushService, make_subscription
from tests.web.journey_data import DRIVER_EMAIL, make_journey_data
from webapp.accounts import users as accounts
from webapp.extensions import db
from webapp.push.models import PushDevice

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

SHOTS = Path("/tmp/push-shots")

#: the browser's push subscription, kept in localStorage so that it outlives a reload, as a real one does
STUB = """
(() => {
  const subscription = %s;
  const KEY = "test-push-subscription";
  const make = () => ({
    endpoint: subscription.endpoint, expirationTime: null, options: {userVisibleOnly: true},
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  window.__pushAsked = 0;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => { window.__pushAsked += 1; return ask(...args); };
  PushManager.prototype.subscribe = async function (options) {
    window.__pushOptions = {userVisibleOnly: options.userVisibleOnly,
                            keyBytes: new Uint8Array(options.applicationServerKey).length};
    localStorage.setItem(KEY, "1");
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(KEY) ? make() : null;
  };
})();
"""


@pytest.fixture
def push_service():
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def driver(live_server):
    with live_server.app.app_context():
        user = accounts.register_user("push@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
        return user.email


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/map"))


def _devices(app) -> list[PushDevice]:
    with app.app_context():
        devices = db.session.query(PushDevice).all()
        db.session.expunge_all()
        return devices


def test_a_driver_turns_on_notifications_for_this_phone_and_logging_out_turns_them_off(
        live_server, browser_page, driver, push_service):
    page, base = browser_page, live_server.url
    browser = make_subscription(push_service)
    page.context.add_init_script(STUB % json.dumps(browser.json))
    page.context.grant_permissions(["notifications"], origin=base)
    _log_in(page, base, driver)
    page.goto(f"{base}/account#notifications")

    button = page.get_by_role("button", name="Turn on notifications on this device")
    expect(button).to_be_visible()
    assert page.evaluate("window.__pushAsked") == 0  # nothing is asked before the tap
    expect(page.locator("#push-devices")).to_contain_text("No device gets notifications yet.")
    button.click()

    status = page.locator("#notifications [data-push-status]")
    expect(status).to_have_text("Notifications are on for this device.")
    assert page.evaluate("window.__pushAsked") == 1
    assert page.evaluate("window.__pushOptions") == {"userVisibleOnly": True, "keyBytes": 65}
    expect(button).to_be_hidden()
    row = page.locator("#push-devices .push-device")
    expect(row).to_have_count(1)  # the list was fetched again: the new device is there without a reload
    expect(row).to_contain_text("Chrome on Linux")
    expect(row.locator("[data-this-device]")).to_be_visible()
    (device,) = _devices(live_server.app)
    assert (device.endpoint, device.p256dh, device.auth) == (browser.endpoint, browser.p256dh, browser.auth)

    # the next visit knows this browser is on: no button, a sentence
    page.reload()
    expect(status).to_have_text("Notifications are on for this device.")
    expect(button).to_be_hidden()
    assert not page.js_errors, page.js_errors

    # the test notification reaches the push service, encrypted for this browser
    page.get_by_role("button", name="Send a test notification").click()
    expect(page.locator("#flash-area")).to_contain_text("The test notification went to 1 device.")
    (message,) = push_service.received_for(browser)
    assert browser.payload(message.body)["kind"] == "test"

    # logging out forgets this browser (app.js posts its endpoint): no plate reaches it any more
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    assert _devices(live_server.app) == []


def test_a_refused_permission_is_said_in_words_and_nothing_is_stored(live_server, browser_page, driver,
                                                                     push_service):
    page, base = browser_page, live_server.url
    page.context.add_init_script(STUB % json.dumps(make_subscription(push_service).json))
    # the driver says no in the browser's prompt
    page.context.add_init_script("Notification.requestPermission = async () => 'denied';")
    _log_in(page, base, driver)
    page.goto(f"{base}/account#notifications")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.locator("#notifications [data-push-status]")).to_contain_text("Notifications are blocked")
    assert _devices(live_server.app) == []


@pytest.fixture
def journey(live_server):
    with live_server.app.app_context():
        return make_journey_data(live_server.app, seoul_lots=False)


@pytest.mark.parametrize("language", ["en", "fi", "sv", "ko"])
def test_screenshots_of_the_notifications_section_and_the_stop_box_at_360_px(live_server, browser_page, journey,
                                                                             push_service, language):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 360, "height": 780})
    page.context.add_init_script(STUB % json.dumps(make_subscription(push_service).json))
    page.context.grant_permissions(["notifications"], origin=base)
    _log_in(page, base, DRIVER_EMAIL)
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{base}/account?lang={language}")
    page.locator("[data-push-subscribe]").click()
    expect(page.locator("#push-devices .push-device")).to_have_count(1)
    section = page.locator("#notifications")
    section.screenshot(path=str(SHOTS / f"profile-notifications-{language}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    ref = journey.refs["parkings"]
    page.goto(f"{base}/parking/{ref}?stop=confirm&lang={language}#stop")
    box = page.locator("#stop")
    expect(box).to_be_focused()  # the box takes the focus: read first by a screen reader
    box.screenshot(path=str(SHOTS / f"stop-confirm-{language}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(f"{base}/parking/{ref}?extend=1&lang={language}#extend")
    expect(page.locator("#extend")).to_be_focused()
    expect(page.locator("#extension-preview strong").first).to_be_visible()  # priced before any tap
    page.locator("#extend").screenshot(path=str(SHOTS / f"extend-{language}.png"))
    assert not page.js_errors, page.js_errors


def test_after_a_booking_the_offer_appears_once_and_says_when_it_is_on(live_server, browser_page, journey,
                                                                      push_service):
    page, base = browser_page, live_server.url
    browser = make_subscription(push_service)
    page.context.add_init_script(STUB % json.dumps(browser.json))
    page.context.grant_permissions(["notifications"], origin=base)
    _log_in(page, base, DRIVER_EMAIL)
    page.goto(f"{base}/parking/{journey.refs['parkings']}")
    offer = page.get_by_role("button", name="Get a notification 10 minutes before it ends")
    expect(offer).to_be_visible()
    offer.click()
    expect(page.locator(".after-booking [data-push-status]")).to_have_text("Notifications are on for this device.")
    expect(offer).to_be_hidden()
    assert [device.endpoint for device in _devices(live_server.app)] == [browser.endpoint]
    # the next booking page has nothing more to offer: the box stays hidden
    page.goto(f"{base}/carparks/sessions/{journey.refs['apds']}")
    expect(page.locator(".after-booking [data-push-opt-in]")).to_be_hidden()
    assert not page.js_errors, page.js_errors
