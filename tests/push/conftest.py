"""Fixtures for Web Push: the local push service (tests/support/push_service.py) and a device on it."""

from __future__ import annotations

import pytest

from tests.support.push_service import PushService, Subscription, make_subscription
from webapp.extensions import db
from webapp.push.models import PushDevice


@pytest.fixture
def push_service():
    """A push service on 127.0.0.1 that records what the app posts (stopped after the test)."""
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def add_device(app, push_service):
    """``add_device(user)``: a new browser subscription on the local service, saved as the user's device;
    returns ``(device, subscription)``."""

    def factory(user, subscription: Subscription | None = None) -> tuple[PushDevice, Subscription]:
        subscription = subscription or make_subscription(push_service)
        device = PushDevice(user_id=user.id, endpoint=subscription.endpoint, p256dh=subscription.p256dh,
                            auth=subscription.auth, label="Chromium on Linux")
        db.session.add(device)
        db.session.commit()
        return device, subscription

    return factory
