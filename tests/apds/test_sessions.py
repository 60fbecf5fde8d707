"""The APDS use cases end to end against the platform sandbox: pay-by-phone, ticketless with webhooks, pay-running."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, places, sessions
from webapp.apds.models import ApdsEvent
from webapp.bookings import reconcile
from webapp.bookings.models import Booking, Status
from webapp.core.errors import ConflictError, ValidationError
from webapp.extensions import db

# prices spelled out here are daytime prices (the Arndale's evening flat rate starts at 18:00)
pytestmark = pytest.mark.usefixtures("business_hours")

ARNDALE = "805432"
PICCADILLY = "220001"
ENDPOINT = "https://parkgo.test" + events.RECEIVER_PATH


@pytest.fixture
def platform(app):
    return app.extensions["providers"].sandbox_app("apds")


@pytest.fixture
def api(app):
    return app.extensions["providers"].get("apds")


@pytest.fixture
def driver(app, make_user):
    user = make_user()
    add_vehicle(user.id, "GB", "BD18 SMR")
    places.sync_places()
    return user


@pytest.fixture
def wired(app, platform, driver):
    """The platform's deliveries reach our receiver in-process; returns the list of answers."""
    events.ensure_subscription(ENDPOINT)
    answers = []
    client = app.test_client()

    def sender(url, headers, body):
        response = client.open(url.removeprefix("https://parkgo.test"), method="POST", data=body, headers=headers)
        answers.append((json.loads(body)["topic"], response.status_code, response.get_json()))
        return response.status_code

    platform.extensions["apds_sender"] = sender
    return answers


def _deliver(platform):
    return platform.test_client().post("/_sandbox/deliveries").get_json()


def _drive(platform, action, place, at, plate="BD18SMR"):
    answer = platform.test_client().post(f"/_sandbox/operators/{action}",
                                         json={"place": place, "plate": plate, "at": at.isoformat()})
    assert answer.status_code < 300, answer.get_json()
    return answer.get_json()


# -- pay-by-phone -------------------------------------------------------------------------


def test_pay_by_phone_posts_the_priced_session_with_our_reference(driver, api):
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 90, "phone-key-1")
    assert booking.status == Status.ACTIVE and booking.amount == Decimal("6.70")
    remote = api.session(booking.provider_ref)
    transaction = remote.transactions[0]
    assert transaction.transaction_id == f"parkgo:{booking.public_ref}" and transaction.segment_value == Decimal("6.7")
    assert transaction.date_collected is not None and remote.actual_end == booking.ends_at.replace(microsecond=0)
    # the platform made the matching assigned right (seed flow 2), visible to enforcement
    assert api.assigned_rights(place=ARNDALE, credential_id="BD18SMR").total == 1


def test_extend_then_stop_put_the_session_with_the_platforms_version(driver, api):
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "phone-key-2")
    total, difference = sessions.preview_extension(driver.id, booking.public_ref, 60)
    assert (total, difference) == (Decimal("9.20"), Decimal("2.50"))  # 60 min is 3600 s: already band 2
    sessions.extend_session(driver.id, booking.public_ref, 60, booking.version)
    remote = api.session(booking.provider_ref)
    assert remote.version == 2 and remote.amount == Decimal("9.2") and booking.amount == Decimal("9.20")
    sessions.stop_session(driver.id, booking.public_ref, booking.version)
    assert booking.status == Status.COMPLETED and booking.amount == Decimal("3.70")
    assert api.session(booking.provider_ref).version == 3
    with pytest.raises(ConflictError):
        sessions.stop_session(driver.id, booking.public_ref, booking.version)


def test_a_stale_platform_version_refuses_the_extension_and_changes_nothing(driver, api):
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "phone-key-3")
    raw = api.session(booking.provider_ref).raw
    api.update_session(raw)  # someone else (an operator) moved the session to version 2
    with pytest.raises(sessions.ProviderFailedError):
        sessions.extend_session(driver.id, booking.public_ref, 30, booking.version)
    db.session.refresh(booking)
    assert booking.amount == Decimal("6.70") and booking.status == Status.ACTIVE


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, None])
def test_bad_durations_are_refused_before_anything_is_sent(driver, api, minutes):
    with pytest.raises(ValidationError):
        sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, minutes, "phone-key-4")
    assert api.sessions(credential_id="BD18SMR").total == 0


# -- ticketless ---------------------------------------------------------------------------


def test_ticketless_entry_exit_and_payment_through_signed_events(driver, api, platform, wired):
    now = datetime.now(UTC)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=30), "tl-1")
    assert booking.status == Status.ACTIVE and booking.provider_ref == booking.apds.assigned_right_id
    assert [r.id for r in api.assigned_rights(place=ARNDALE, credential_id="BD18SMR").items] == [booking.provider_ref]

    _drive(platform, "enter", ARNDALE, now + timedelta(minutes=1))
    _deliver(platform)
    db.session.refresh(booking)
    assert booking.apds.entered_at == (now + timedelta(minutes=1)).replace(microsecond=0)
    assert booking.status == Status.ACTIVE and booking.apds.exited_at is None

    _drive(platform, "exit", ARNDALE, now + timedelta(hours=3, minutes=1))
    _deliver(platform)
    db.session.refresh(booking)
    detail = booking.apds
    assert detail.amount_due == Decimal("12.20") and detail.paid_at is not None
    assert booking.status == Status.COMPLETED and booking.amount == Decimal("12.20")
    remote = api.session(detail.session_id)
    assert remote.paid and remote.transactions[0].transaction_id == f"parkgo:{booking.public_ref}"
    story = [(e.action, e.message) for e in booking.events]
    assert [a for a, _ in story][-3:] == ["vehicle entered", "vehicle left", "paid"]
    assert "paid 12.20" in story[-1][1]
    assert all(status == 200 for _topic, status, _body in wired)


def test_a_redelivered_event_changes_nothing(driver, platform, wired, app):
    now = datetime.now(UTC)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-2")
    captured = []
    original = platform.extensions["apds_sender"]
    platform.extensions["apds_sender"] = lambda url, headers, body: captured.append((headers, body)) or \
        original(url, headers, body)
    _drive(platform, "enter", ARNDALE, now + timedelta(minutes=1))
    _deliver(platform)
    events_before = len(booking.events)
    headers, body = captured[-1]
    again = app.test_client().put(events.RECEIVER_PATH, data=body, headers=headers)  # seed §➌ uses PUT
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    db.session.refresh(booking)
    assert len(booking.events) == events_before
    assert db.session.query(ApdsEvent).filter_by(event_id=headers["APDS-Event-Id"]).count() == 1


def test_session_updated_before_session_created_still_tells_the_whole_story(driver, api, platform, wired):
    now = datetime.now(UTC)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-3")
    _deliver(platform)  # the registration's AssignedRightCreated
    original = platform.extensions["apds_sender"]
    first = {"done": False}

    def lose_the_first(url, headers, body):
        if not first["done"]:
            first["done"] = True
            return 503
        return original(url, headers, body)

    platform.extensions["apds_sender"] = lose_the_first
    _drive(platform, "enter", ARNDALE, now + timedelta(minutes=1))
    _drive(platform, "exit", ARNDALE, now + timedelta(minutes=50))
    assert _deliver(platform)["failed"] == 1  # SessionCreated failed; SessionUpdated went through
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED and booking.amount == Decimal("3.70")
    platform.extensions["apds_clock"] = lambda: datetime.now(UTC) + timedelta(minutes=10)
    delivered_before = len(wired)
    assert _deliver(platform)["failed"] == 0
    assert ("SessionCreated", 200) in [(t, status) for t, status, _ in wired[delivered_before:]]  # the late one
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED and booking.apds.exited_at is not None
    assert booking.apds.entered_at == (now + timedelta(minutes=1)).replace(microsecond=0)


def test_a_camera_session_of_another_plate_links_to_nobody(driver, platform, wired):
    now = datetime.now(UTC)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-4")
    _drive(platform, "enter", ARNDALE, now + timedelta(minutes=1), plate="XX99XXX")
    _deliver(platform)
    db.session.refresh(booking)
    assert booking.apds.session_id is None and booking.apds.entered_at is None


def test_receiver_refuses_bad_signature_and_unknown_subscription_storing_nothing(app, driver, wired):
    subscription = db.session.query(events.ApdsSubscription).one()
    body = json.dumps({"eventId": "e-1", "eventSubscriptionId": subscription.subscription_id,
                       "eventTime": "2026-11-27T10:00:00Z", "topic": "SessionCreated", "data": [{"id": "x"}]}).encode()
    client = app.test_client()
    bad = client.post(events.RECEIVER_PATH, data=body, headers={"APDS-Signature": "sha256=" + "0" * 64})
    unsigned = client.post(events.RECEIVER_PATH, data=body)
    stranger = json.loads(body) | {"eventSubscriptionId": "not-ours"}
    unknown = client.post(events.RECEIVER_PATH, data=json.dumps(stranger).encode(),
                          headers={"APDS-Signature": "sha256=" + "0" * 64})
    garbage = client.post(events.RECEIVER_PATH, data=b"not json")
    assert (bad.status_code, unsigned.status_code, unknown.status_code, garbage.status_code) == (401, 401, 403, 400)
    assert db.session.query(ApdsEvent).count() == 0
    secret = events._secret(subscription)
    good = client.post(events.RECEIVER_PATH, data=body, headers={"APDS-Signature": events.sign(body, secret)})
    assert good.status_code == 200 and db.session.query(ApdsEvent).count() == 1


def test_subscribing_twice_keeps_one_subscription(driver, api):
    first = events.ensure_subscription(ENDPOINT)
    second = events.ensure_subscription(ENDPOINT)
    assert first.subscription_id == second.subscription_id and len(api.subscriptions()) == 1
    moved = events.ensure_subscription("https://elsewhere.test" + events.RECEIVER_PATH)
    assert moved.subscription_id != first.subscription_id


# -- pay the session I'm in ---------------------------------------------------------------


def test_im_parked_here_finds_the_running_session_and_pays_it(driver, api, platform):
    entered = datetime.now(UTC) - timedelta(minutes=100)
    opened = _drive(platform, "enter", PICCADILLY, entered)
    running = sessions.find_running(driver.id, PICCADILLY, driver.vehicles[0].id)
    assert running.session_id == opened["id"]
    # 100 minutes at Piccadilly: 7 quarters x 0.75, VAT 20 % added
    assert running.amount == Decimal("6.30")
    booking = sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, running.session_id, "pay-1")
    assert booking.status == Status.COMPLETED and booking.amount == Decimal("6.30")
    remote = api.session(opened["id"])
    assert remote.paid and remote.transactions[0].transaction_id == f"parkgo:{booking.public_ref}"
    assert sessions.find_running(driver.id, PICCADILLY, driver.vehicles[0].id) is None  # paid: nothing to pay


def test_no_running_session_means_nothing_to_pay(driver):
    assert sessions.find_running(driver.id, PICCADILLY, driver.vehicles[0].id) is None


def test_someone_elses_session_cannot_be_paid_as_mine(driver, platform):
    other = _drive(platform, "enter", PICCADILLY, datetime.now(UTC) - timedelta(minutes=5), plate="ZZ11ZZZ")
    with pytest.raises(ValidationError):
        sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, other["id"], "pay-2")


def test_a_camera_session_in_the_same_second_as_the_registration_is_linked(driver, platform, wired):
    # instants travel in whole seconds: a car read at 10:00:00.9 after a registration at 10:00:00.5
    # arrives as 10:00:00Z, "before" the registration
    now = datetime.now(UTC).replace(microsecond=500_000)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-5",
                                      now=now)
    _drive(platform, "enter", ARNDALE, now.replace(microsecond=0))
    _deliver(platform)
    db.session.refresh(booking)
    assert booking.apds.entered_at == now.replace(microsecond=0)


def test_a_lost_payment_reply_is_found_by_our_transaction_id_and_completed(driver, api, platform):
    opened = _drive(platform, "enter", PICCADILLY, datetime.now(UTC) - timedelta(minutes=20))
    platform.extensions["faults"].drop_after_commit = 1
    booking = sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-lost-1")
    assert booking.status == Status.COMPLETED and booking.provider_ref == opened["id"]
    assert api.session(opened["id"]).paid


def test_a_lost_payment_reply_the_platform_then_hides_is_completed_by_the_sweep(driver, api, platform, monkeypatch):
    opened = _drive(platform, "enter", PICCADILLY, datetime.now(UTC) - timedelta(minutes=20))
    faults = platform.extensions["faults"]
    faults.drop_after_commit = 1
    drop = faults.after_commit

    def drop_then_go_down():
        faults.status = 503  # the platform goes away right after it lost our reply: the in-line look-up fails too
        drop()

    monkeypatch.setattr(faults, "after_commit", drop_then_go_down)
    booking = sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-lost-2")
    assert booking.status == Status.UNKNOWN and booking.provider_ref is None
    faults.reset()
    assert api.session(opened["id"]).paid

    report = reconcile.sweep()
    db.session.refresh(booking)
    assert report.settled == 1 and booking.status == Status.COMPLETED and booking.provider_ref == opened["id"]
    assert booking.events[-1].action == "reconcile" and booking.events[-1].status_after == Status.COMPLETED
    assert reconcile.sweep().checked == 0  # settled for good: the sweep leaves it alone


def test_a_paid_session_is_not_paid_again(driver, api, platform):
    opened = _drive(platform, "enter", PICCADILLY, datetime.now(UTC) - timedelta(minutes=30))
    first = sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-once-1")
    assert first.status == Status.COMPLETED
    with pytest.raises(ValidationError) as refused:  # a second form (another key) for the same session
        sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-once-2")
    assert "already paid" in refused.value.errors["session_id"]
    assert db.session.query(Booking).count() == 1
    assert [t.transaction_id for t in api.session(opened["id"]).transactions] == [f"parkgo:{first.public_ref}"]


@pytest.mark.parametrize("delivered", [True, False], ids=["linked", "entry-event-not-arrived-yet"])
def test_a_stay_the_ticketless_registration_pays_is_not_offered_for_payment(driver, api, platform, wired, delivered):
    now = datetime.now(UTC)
    registration = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-9",
                                           now=now - timedelta(minutes=30))
    opened = _drive(platform, "enter", ARNDALE, now - timedelta(minutes=20))
    if delivered:
        _deliver(platform)
    running = sessions.find_running(driver.id, ARNDALE, driver.vehicles[0].id)
    assert running.session_id == opened["id"] and running.registration_ref == registration.public_ref
    with pytest.raises(ValidationError) as refused:
        sessions.pay_running(driver.id, ARNDALE, driver.vehicles[0].id, opened["id"], "pay-tl-9")
    assert "paid automatically when you leave" in refused.value.errors["session_id"]
    assert not api.session(opened["id"]).paid and db.session.query(Booking).count() == 1


def test_paying_a_stay_a_pay_by_phone_session_already_covers_is_warned_first(driver, api, platform):
    covering = sessions.start_session(driver.id, PICCADILLY, driver.vehicles[0].id, 120, "phone-cover-1")
    opened = _drive(platform, "enter", PICCADILLY, datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(sessions.PlateConflictError) as conflict:
        sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-cover-1")
    assert [b.id for b in conflict.value.others] == [covering.id] and not api.session(opened["id"]).paid
    paid = sessions.pay_running(driver.id, PICCADILLY, driver.vehicles[0].id, opened["id"], "pay-cover-2",
                                confirm_overlap=True)  # the driver saw it and pays all the same
    assert paid.status == Status.COMPLETED


def test_an_exit_whose_payment_job_gave_up_is_paid_by_the_minute_sweep(driver, api, platform, wired):
    from webapp.apds import jobs

    now = datetime.now(UTC)
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, now + timedelta(days=1), "tl-due")
    _drive(platform, "enter", ARNDALE, now + timedelta(minutes=1))
    _deliver(platform)
    _drive(platform, "exit", ARNDALE, now + timedelta(minutes=40))
    platform.extensions["faults"].status = 503  # the platform is away when the exit arrives: the payment fails
    _deliver(platform)
    db.session.refresh(booking)
    assert booking.status == Status.ACTIVE and booking.apds.exited_at and booking.apds.paid_at is None
    assert sessions.exits_due() == [booking.id]
    jobs.pay_due_exits.call_local()  # still away: kept for the next minute
    assert sessions.exits_due() == [booking.id]

    platform.extensions["faults"].reset()
    jobs.pay_due_exits.call_local()
    db.session.refresh(booking)
    assert booking.status == Status.COMPLETED and booking.apds.paid_at is not None
    assert api.session(booking.apds.session_id).paid and sessions.exits_due() == []


def test_the_app_keeps_itself_subscribed_to_the_platforms_events(driver, api, platform, monkeypatch):
    from flask import current_app

    from webapp.apds import jobs

    monkeypatch.setitem(current_app.config, "APDS_WEBHOOK_URL", ENDPOINT)
    platform.extensions["faults"].status = 503
    jobs.keep_subscribed.call_local()  # the platform is away: logged, tried again later
    assert db.session.query(events.ApdsSubscription).count() == 0
    platform.extensions["faults"].reset()
    jobs.keep_subscribed.call_local()
    jobs.keep_subscribed.call_local()
    (ours,) = db.session.query(events.ApdsSubscription).all()
    assert ours.endpoint == ENDPOINT and [s.id for s in api.subscriptions()] == [ours.subscription_id]
