"""The push subscribe endpoint under anything a browser, a script or an attacker can post: a JSON answer,
201 or 422, never a 500 — and a device only for a subscription whose endpoint we may post to."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import value
from tests.push.test_devices import b64url, subscription
from webapp.extensions import db, limiter
from webapp.push.endpoints import allowed_endpoint
from webapp.push.models import PushDevice

SUBSCRIBE = "/account/push/devices"

#: any JSON value, nested a little
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | value,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)

endpoints = st.one_of(
    st.sampled_from(["https://fcm.googleapis.com/fcm/send/x", "https://updates.push.services.mozilla.com/wpush/v2/y",
                     "https://web.push.apple.com/QAbc", "http://127.0.0.1:1/push/z", "https://fcm.googleapis.com.evil/x",
                     "https://evil.example/", "http://169.254.169.254/", "https://[::1]:99999/x", "https://:0/",
                     "https://fcm.googleapis.com:notaport/x", "ftp://fcm.googleapis.com/x", "//fcm.googleapis.com/x",
                     "https://fcm.googleapis.com/" + "x" * 1200]),
    value, json_values,
)
keys = st.one_of(
    st.builds(lambda: subscription()["keys"]),
    st.fixed_dictionaries({"p256dh": st.binary(max_size=80).map(b64url) | value,
                           "auth": st.binary(max_size=24).map(b64url) | value}),
    json_values,
)
#: something shaped like PushSubscription.toJSON(), each part possibly wrong
subscriptions = st.fixed_dictionaries({"endpoint": endpoints, "keys": keys},
                                      optional={"expirationTime": json_values, "extra": json_values})


@pytest.fixture
def driver(app, client, make_user, login):
    user = make_user("fuzz@example.com")
    login(user)
    return user


def _post(client, **request):
    # thousands of posts in the fuzz profile: the per-driver limit is tested in tests/push/test_views.py
    limiter.reset()
    return client.post(SUBSCRIBE, **request)


@given(body=st.one_of(subscriptions.map(json.dumps), json_values.map(json.dumps),
                      st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),
                      st.text(max_size=200)))
def test_any_body_gets_a_json_answer_and_never_a_500(app, client, driver, body):
    response = _post(client, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")
    assert response.status_code in (201, 422), response.status_code
    assert response.is_json and response.get_json()["message"]
    assert "Traceback" not in response.get_data(as_text=True)


@given(sent=subscriptions)
def test_a_device_is_stored_only_for_a_push_service_we_may_post_to(app, client, driver, sent):
    response = _post(client, json=sent)
    assert response.status_code in (201, 422)
    if response.status_code == 201:
        device = db.session.get(PushDevice, response.get_json()["id"])
        assert isinstance(sent["endpoint"], str) and allowed_endpoint(sent["endpoint"])
        assert device.endpoint == sent["endpoint"] and device.user_id == driver.id
