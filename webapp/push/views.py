"""Push notifications in the profile: turn them on for this browser, remove a device, choose the kinds, test.

``POST /account/push/devices`` takes the JSON of ``PushSubscription.toJSON()`` from static/js/push.js
(CSRF token in the ``X-CSRFToken`` header, as htmx sends it) and answers JSON; the other routes are
forms of the profile page that answer 303 with a flash.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, flash, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from webapp.core.errors import ValidationError
from webapp.extensions import limiter
from webapp.push import devices as push_devices
from webapp.push.keys import application_server_key, push_enabled
from webapp.push.kinds import KINDS
from webapp.web.hypermedia import see_other
from webapp.web.locale import current_language

bp = Blueprint("push", __name__, url_prefix="/account/push")

#: a browser subscribes once and again when its subscription changes; more than this is a script
SUBSCRIBE_LIMIT = "30 per hour"
#: a subscription's JSON: an endpoint of at most 1000 characters, two short keys (a body of more is refused)
MAX_SUBSCRIPTION_BYTES = 4096
#: every test notification goes through the push services: a few are enough to see they arrive
TEST_LIMIT = "10 per hour"


def _per_driver() -> str:
    return f"push:{current_user.get_id()}"


def _answer(status: int, message: str, **more):
    response = make_response(jsonify(message=message, **more), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _subscribe_refused(_limit):
    return _answer(429, _("Too many attempts in a short time. Please wait a few minutes and try again."))


def _test_refused(_limit):
    flash(_("Too many test notifications in a short time. Please wait a few minutes and try again."), "warning")
    return see_other(url_for("account.profile", _anchor="notifications"))


def _json_body():
    """The request's JSON, or None for anything else: no subscription is longer than a few hundred bytes, and
    deeply nested arrays must not reach the parser's recursion limit."""
    body = request.get_data(cache=False)
    if len(body) > MAX_SUBSCRIPTION_BYTES:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's depth
        return None


@bp.post("/devices")
@login_required
@limiter.limit(SUBSCRIBE_LIMIT, key_func=_per_driver, on_breach=_subscribe_refused)
def subscribe():
    """This browser's subscription (JSON): 201 with the device, or 422 with a sentence — never a 500."""
    if not push_enabled():
        return _answer(422, _("Notifications are not available on this site at the moment."))
    subscription = _json_body()
    try:
        device = push_devices.subscribe(current_user.id, subscription, request.headers.get("User-Agent"))
    except ValidationError as error:
        return _answer(422, error.message or _("Notifications could not be turned on. Reload the page and try again."))
    return _answer(201, _("Notifications are on for this device."), id=device.id,
                   label=push_devices.readable_label(device.label))


@bp.post("/devices/<int:device_id>/remove")
@login_required
def remove(device_id: int):
    """Remove one of the driver's devices (another driver's: 404, like one that does not exist)."""
    push_devices.forget(current_user.id, device_id)
    flash(_("That device gets no more notifications."), "success")
    return see_other(url_for("account.profile", _anchor="notifications"))


@bp.post("/settings")
@login_required
def save_settings():
    """The profile's checkboxes, one per kind: a kind not ticked is turned off."""
    ticked = set(request.form.getlist("kind"))
    push_devices.save_settings(current_user.id, {kind: kind in ticked for kind in KINDS})
    flash(_("Your notification choices are saved."), "success")
    return see_other(url_for("account.profile", _anchor="notifications"))


@bp.post("/test")
@login_required
@limiter.limit(TEST_LIMIT, key_func=_per_driver, on_breach=_test_refused)
def send_test():
    """A test notification to each of the driver's devices; the flash says how many accepted it."""
    payload = {"title": "ParkGo", "body": _("This is a test. Your parking reminders will arrive like this."),
               "lang": current_language(), "kind": "test", "tag": "parkgo-test",
               "url": url_for("account.profile", _anchor="notifications"), "actions": []}
    reached, tried = push_devices.send_test(current_user.id, payload)
    if not tried:
        flash(_("No device gets notifications yet. Turn them on for this device first."), "info")
    elif reached:
        flash(ngettext("The test notification went to %(num)s device.",
                       "The test notification went to %(num)s devices.", reached), "success")
    else:
        flash(_("The test notification reached no device. Turn notifications on again on your phone."), "warning")
    return see_other(url_for("account.profile", _anchor="notifications"))


class PushOffer:
    """What a page needs to offer push on this browser (``push_offer()`` in templates), read only when asked."""

    def __init__(self) -> None:
        self.enabled = push_enabled()
        self.key = application_server_key() if self.enabled else ""
        self.subscribe_url = url_for("push.subscribe")
        known = push_devices.devices(current_user.id) if current_user.is_authenticated else []
        #: the SHA-256 of each endpoint of the driver's devices: push.js says "on" for this browser if it is one
        self.known = " ".join(push_devices.endpoint_digest(device.endpoint) for device in known)


def init_app(app: Flask) -> None:
    """``push_offer()`` for the templates that show the opt-in button (profile, after a booking)."""
    app.jinja_env.globals["push_offer"] = PushOffer
    app.jinja_env.globals["endpoint_digest"] = push_devices.endpoint_digest
    app.jinja_env.filters["device_label"] = push_devices.readable_label
