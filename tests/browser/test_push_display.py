"""A push reaches the phone: the payload the reminders job builds (webapp/push/reminders.py), delivered to the
service worker through the DevTools protocol (ServiceWorker.deliverPushMessage), is shown as a notification
in the driver's language with its Extend and Stop actions; a malformed push shows nothing."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.test_offline import journey, phone, wait_for_worker  # noqa: F401 - fixtures
from webapp.accounts.users import find_user_by_email
from webapp.bookings.history import get_booking_for_user
from webapp.extensions import db
from webapp.push import kinds
from webapp.push.reminders import DueNotice, build_payload
from webapp.push.sending import fit_payload

pytestmark = pytest.mark.browser

NOTIFICATIONS = """() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({title: n.title, body: n.body, lang: n.lang, tag: n.tag, data: n.data,
                                      icon: n.icon, badge: n.badge,
                                      actions: n.actions.map((a) => ({action: a.action, title: a.title}))})))"""


def _registration_id(page, cdp) -> str:
    found: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not [r for r in found if not r.get("isDeleted")] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    [registration] = [r for r in found if not r.get("isDeleted")][-1:]
    return registration["registrationId"]


def _shown(page, count: int, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate(NOTIFICATIONS)
        if len(shown) >= count or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(150)


def test_a_push_shows_the_notification_with_its_actions(live_server, phone, journey):  # noqa: F811
    page, base, app = phone, live_server.url, live_server.app
    app.config["PUBLIC_BASE_URL"] = base  # the links in a notification are on the app's public address
    with app.app_context():
        driver = find_user_by_email("fit-driver@example.com")
        booking = get_booking_for_user(driver.id, journey.refs["parkings"])
        notice = DueNotice(booking_id=booking.id, kind=kinds.PARKING_ENDING, event_key="test")
        payload = json.loads(fit_payload(build_payload(notice, booking, "fi")))
        db.session.remove()
    page.context.grant_permissions(["notifications"], origin=base)
    page.goto(f"{base}/map")
    wait_for_worker(page)
    cdp = page.context.new_cdp_session(page)
    registration = _registration_id(page, cdp)

    # a malformed push (not JSON, or without a title to show) shows nothing
    for data in ("not json", json.dumps({"body": "no title"}), json.dumps(["a", "list"])):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": registration, "data": data})
    page.wait_for_timeout(500)
    assert page.evaluate(NOTIFICATIONS) == []

    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": base, "registrationId": registration, "data": json.dumps(payload)})
    [shown] = _shown(page, 1)
    assert shown["title"] == payload["title"] and shown["body"] == payload["body"]
    assert shown["lang"] == "fi" and shown["tag"] == payload["tag"]
    assert [action["action"] for action in shown["actions"]] == ["extend", "stop"]
    assert [action["title"] for action in shown["actions"]] == [a["title"] for a in payload["actions"]]
    assert shown["actions"][0]["title"] != "Extend"  # in Finnish
    # where each action leads: the service worker opens these (same-origin only) on a click
    assert shown["data"]["url"] == f"{base}/parking/{journey.refs['parkings']}"
    assert shown["data"]["actions"]["extend"].endswith("?extend=1#extend")
    assert shown["data"]["actions"]["stop"].endswith("?stop=confirm#stop")
    assert shown["icon"].startswith(f"{base}/static/icons/icon-192.png")
    assert shown["badge"].startswith(f"{base}/static/icons/badge-96.png")

    # the same booking's next push replaces it (one tag per booking and kind), not a second notification
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": base, "registrationId": registration, "data": json.dumps(payload | {"body": "later"})})
    deadline = time.monotonic() + 5
    while page.evaluate(NOTIFICATIONS)[0]["body"] != "later" and time.monotonic() < deadline:
        page.wait_for_timeout(150)
    assert [n["body"] for n in page.evaluate(NOTIFICATIONS)] == ["later"]


def test_a_click_opens_only_a_page_of_this_site(live_server, phone):  # noqa: F811
    """What a tap on the notification or one of its actions opens (the worker's ``clickTarget``): the
    action's page, else the notification's, always on this origin — a URL naming another origin opens the
    same path here, a script URL the driver's bookings."""
    page, base = phone, live_server.url
    page.goto(f"{base}/map")
    wait_for_worker(page)
    [worker] = page.context.service_workers
    data = {"url": f"{base}/parking/HP1", "actions": {"extend": "https://parkgo.example/parking/HP1?extend=1#extend",
                                                       "stop": "javascript:alert(1)"}}
    target = "(args) => clickTarget(args[0], args[1]).href"
    assert worker.evaluate(target, [data, "extend"]) == f"{base}/parking/HP1?extend=1#extend"
    assert worker.evaluate(target, [data, ""]) == f"{base}/parking/HP1"
    assert worker.evaluate(target, [data, "stop"]) == f"{base}/bookings"
    assert worker.evaluate(target, [{"url": "//evil.example/x"}, ""]) == f"{base}/x"
    assert worker.evaluate(target, [{}, ""]) == f"{base}/bookings"
