"""Push notifications end to end, without the internet: bookings made through the features' own use cases
against their sandboxes, time moved (``moving_clock``), the job run, and what the local push service
received decrypted with the subscription's keys (RFC 8291) and read as the browser would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.rentcar.conformance import RentcarDriver
from webapp.accounts import booking_mail
from webapp.accounts.vehicles import add_vehicle
from webapp.apds import events, places, sessions
from webapp.bookings.models import Booking
from webapp.bookings.registry import booking_title
from webapp.core.clock import AMSTERDAM, HELSINKI, LONDON, SEOUL, format_moment, format_moment_in_zone, utcnow
from webapp.core.money import format_money
from webapp.extensions import db
from webapp.helsinki import areas, parkings
from webapp.push import kinds, reminders
from webapp.push.keys import application_server_key
from webapp.push.models import PushDelivery, PushDevice, PushSetting
from webapp.valet import reservations as valet_reservations
from webapp.valet.pricing import ValetChoice

#: a Tuesday 10:00 in Helsinki, inside every zone's paid hours and no Finnish holiday
HELSINKI_MORNING = datetime(2027, 2, 2, 10, 0, tzinfo=HELSINKI)
#: the words of the Extend and Stop actions in each language (the app's existing buttons)
ACTION_WORDS = {"en": ("Extend", "Stop"), "fi": ("Lisää aikaa", "Lopeta pysäköinti"), "ko": ("연장", "주차 종료"),
                "sv": None}
#: "ends at <time>, in <n> minutes" in each language
ENDS_AT = {"en": "Your parking ends at {time}, in {n} minutes.",
           "fi": "Pysäköintisi päättyy klo {time}, {n} minuutin kuluttua.",
           "ko": "주차가 {time}에 끝납니다({n}분 후).",
           "sv": "Din parkering slutar kl. {time}, om {n} minuter."}


def run_job() -> None:
    """The every-minute job, as a consumer runs it."""
    reminders.push_notifications.call_local()


def messages(push_service, subscription) -> list[dict]:
    """What the browser of ``subscription`` received, decrypted, oldest first."""
    return [subscription.payload(message.body) for message in push_service.received_for(subscription)]


def deliveries(booking: Booking) -> list[PushDelivery]:
    return list(db.session.scalars(select(PushDelivery).where(PushDelivery.booking_id == booking.id)
                                   .order_by(PushDelivery.id)))


def device_ids(driver) -> list[int]:
    """The driver's devices as the database has them now."""
    return list(db.session.scalars(select(PushDevice.id).where(PushDevice.user_id == driver.id)
                                   .order_by(PushDevice.id)))


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"].outbox = []
    return box


@pytest.fixture
def street(app, make_user, moving_clock):
    """``street(language)``: a driver with a Finnish car at a Helsinki business morning, the city's areas
    synced; ``street.park(minutes)`` starts a parking through the use case, against the city's sandbox."""
    moving_clock.start_at(HELSINKI_MORNING)
    areas.sync_areas()
    area = next(a for a in areas.list_areas() if a.zone == 1 and (a.max_time_in_minutes or 0) >= 180)

    class Street:
        clock = moving_clock

        def driver(self, language: str | None = None, plate: str = "ABC-123"):
            user = make_user(language=language, name="", phone="") if language else make_user()
            add_vehicle(user.id, "FI", plate)
            return user

        def park(self, driver, minutes: int, key: str = "push-1") -> Booking:
            now = moving_clock.now()
            return parkings.start_parking(driver.id, area.area_id, driver.vehicles[0].id,
                                          now + timedelta(minutes=minutes), key, contact_email=driver.email, now=now)

    return Street()


# --- a parking ends in 10 minutes --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "ko", "en"])
def test_a_parking_ending_is_pushed_once_in_the_drivers_language_with_extend_and_stop(
        app, street, add_device, push_service, language):
    driver = street.driver(language)
    booking = street.park(driver, 60)
    _device, subscription = add_device(driver)
    end = booking.ends_at

    street.clock.move_to(end - timedelta(minutes=11))
    run_job()
    assert push_service.received == []  # not yet

    street.clock.move_to(end - timedelta(minutes=9))
    run_job()
    run_job()  # the next minute's run, or a second consumer: nothing more
    reminders.send_due()  # and a manual run (flask push send-due)
    (message,) = push_service.received_for(subscription)
    payload = subscription.payload(message.body)
    page = f"{app.config['PUBLIC_BASE_URL']}/parking/{booking.public_ref}"
    extend, stop = ACTION_WORDS[language]
    assert payload == {
        "title": booking_title(booking, language), "lang": language, "kind": "parking_ending",
        "body": ENDS_AT[language].format(time=format_moment(end, "en_GB" if language == "en" else language,
                                                             HELSINKI, "time"), n=9),
        "tag": f"parking_ending:{booking.public_ref}", "url": page,
        "actions": [{"action": "extend", "title": extend, "url": f"{page}?extend=1#extend"},
                    {"action": "stop", "title": stop, "url": f"{page}?stop=confirm#stop"}]}
    assert message.headers["Urgency"] == "high" and message.headers["Topic"] == f"parking_ending-{booking.public_ref}"
    claims = message.vapid_claims(application_server_key())  # verifies the ES256 signature with our public key
    assert claims["aud"] == push_service.url
    (delivery,) = deliveries(booking)
    assert (delivery.kind, delivery.event_key, delivery.devices_reached) == ("parking_ending", end.isoformat(), 1)


def test_the_end_time_is_the_helsinki_wall_clock(app, street, add_device, push_service):
    driver = street.driver("fi")
    booking = street.park(driver, 45)  # 10:00 + 45 min, Helsinki time
    _device, subscription = add_device(driver)
    street.clock.move_to(booking.ends_at - timedelta(minutes=9, seconds=30))
    run_job()
    (payload,) = messages(push_service, subscription)
    assert payload["body"] == "Pysäköintisi päättyy klo 10.45, 10 minuutin kuluttua."


def test_every_device_of_the_driver_gets_it_and_a_gone_one_is_forgotten(app, street, add_device, push_service):
    driver = street.driver()
    booking = street.park(driver, 30)
    phone, on_phone = add_device(driver)
    _laptop, on_laptop = add_device(driver)
    push_service.mark_gone(on_laptop)  # unsubscribed in that browser
    street.clock.move_to(booking.ends_at - timedelta(minutes=5))
    run_job()
    assert len(messages(push_service, on_phone)) == 1 and len(push_service.received_for(on_laptop)) == 1
    assert device_ids(driver) == [phone.id]
    assert deliveries(booking)[0].devices_reached == 1


def test_two_consumers_that_both_found_it_send_it_once(app, street, add_device, push_service):
    driver = street.driver()
    booking = street.park(driver, 30)
    _device, subscription = add_device(driver)
    street.clock.move_to(booking.ends_at - timedelta(minutes=8))
    now = utcnow()
    first, second = reminders.due_notices(now), reminders.due_notices(now)  # both looked before either sent
    assert first == second and [n.kind for n in first] == ["parking_ending"]
    assert reminders.deliver(first[0], now) == 1
    assert reminders.deliver(second[0], now) == 0  # its claim is refused: the first consumer has it
    assert len(push_service.received_for(subscription)) == 1


def test_an_extended_parking_is_warned_of_its_new_end_only(app, street, add_device, push_service):
    driver = street.driver("fi")
    booking = street.park(driver, 60)
    _device, subscription = add_device(driver)
    first_end = booking.ends_at
    street.clock.move_to(first_end - timedelta(minutes=9))
    run_job()
    booking = parkings.extend_parking(driver.id, booking.public_ref, first_end + timedelta(minutes=30),
                                      booking.version)
    run_job()
    street.clock.advance(minutes=5)
    run_job()  # the old end is 4 minutes away, but the parking no longer ends then
    assert len(push_service.received_for(subscription)) == 1
    street.clock.move_to(booking.ends_at - timedelta(minutes=10))
    run_job()
    old, new = messages(push_service, subscription)
    assert format_moment(first_end, "fi", HELSINKI, "time") in old["body"]
    assert new["body"] == ENDS_AT["fi"].format(time=format_moment(booking.ends_at, "fi", HELSINKI, "time"), n=10)
    assert [d.event_key for d in deliveries(booking)] == [first_end.isoformat(), booking.ends_at.isoformat()]


def test_a_booking_changed_after_it_was_found_is_not_notified(app, street, add_device, push_service):
    driver = street.driver()
    booking = street.park(driver, 60)
    _device, subscription = add_device(driver)
    street.clock.move_to(booking.ends_at - timedelta(minutes=9))
    now = utcnow()
    (notice,) = reminders.due_notices(now)
    parkings.stop_parking(driver.id, booking.public_ref, booking.version)  # in another tab, meanwhile
    assert reminders.deliver(notice, now) == 0
    assert push_service.received_for(subscription) == [] and deliveries(booking) == []


def test_a_driver_who_turned_the_kind_off_gets_no_push_but_the_mail(app, street, add_device, push_service, outbox):
    driver = street.driver()
    booking = street.park(driver, 60)
    add_device(driver)
    db.session.add(PushSetting(user_id=driver.id, kind=kinds.PARKING_ENDING, enabled=False))
    db.session.commit()
    booking_mail.send_booking_notices()  # the confirmation
    outbox.clear()
    street.clock.move_to(booking.ends_at - timedelta(minutes=9))
    run_job()
    assert push_service.received == []
    assert booking_mail.send_booking_notices() == 1
    (mail,) = outbox
    assert "ends soon" in mail.subject


def test_without_a_device_the_mail_reminds_and_with_one_the_push_does(app, street, add_device, push_service, outbox):
    without, with_device = street.driver(), street.driver(plate="XYZ-789")
    mailed = street.park(without, 60, key="push-a")
    pushed = street.park(with_device, 60, key="push-b")
    _device, subscription = add_device(with_device)
    assert booking_mail.send_booking_notices() == 2  # the confirmations: mail, push or not
    outbox.clear()
    street.clock.move_to(mailed.ends_at - timedelta(minutes=9))
    booking_mail.send_booking_notices()
    run_job()
    (mail,) = outbox
    assert mail.to == [without.email] and mailed.public_ref in mail.body and "ends soon" in mail.subject
    (payload,) = messages(push_service, subscription)
    assert payload["tag"] == f"parking_ending:{pushed.public_ref}"
    assert booking_mail.send_booking_notices() == 0


def test_without_a_vapid_key_nothing_is_pushed_and_the_mail_reminds(app, street, add_device, push_service, outbox):
    driver = street.driver()
    booking = street.park(driver, 60)
    add_device(driver)
    booking_mail.send_booking_notices()  # the confirmation
    outbox.clear()
    app.config["VAPID_PRIVATE_KEY"] = None  # production without a key: push is off
    street.clock.move_to(booking.ends_at - timedelta(minutes=9))
    assert reminders.send_due() == 0 and push_service.received == []
    assert booking_mail.send_booking_notices() == 1 and "ends soon" in outbox[0].subject


# --- the regret time is over -------------------------------------------------------------------------------


def test_the_end_of_the_regret_time_is_pushed_once(app, street, add_device, push_service):
    driver = street.driver("fi")
    booking = street.park(driver, 60)
    _device, subscription = add_device(driver)
    regret_end = parkings.regret_until(booking)
    street.clock.move_to(regret_end - timedelta(seconds=20))
    run_job()
    assert push_service.received == []  # still free to cancel
    street.clock.move_to(regret_end + timedelta(seconds=40))
    run_job()
    street.clock.advance(minutes=2)
    run_job()
    (payload,) = messages(push_service, subscription)
    assert payload["kind"] == "regret_ended" and payload["actions"] == []
    assert payload["tag"] == f"regret_ended:{booking.public_ref}" and payload["title"] == booking_title(booking, "fi")
    assert payload["body"].startswith("Maksuton peruutusaika päättyi klo 10.02.")


def test_a_regret_time_long_over_or_a_cancelled_parking_is_not_pushed(app, street, add_device, push_service):
    driver = street.driver()
    cancelled = street.park(driver, 60, key="push-c")
    parkings.cancel_parking(driver.id, cancelled.public_ref, cancelled.version)
    street.clock.advance(minutes=10)
    late = street.park(driver, 60, key="push-d")
    street.clock.advance(minutes=8)  # its regret time ended 6 minutes ago
    add_device(driver)
    run_job()
    assert push_service.received == [] and deliveries(late) == []


# --- car parks: a pay-by-phone session's end, a ticketless entry and paid exit ------------------------------

ARNDALE = "805432"  # Manchester Arndale, a car park of the platform's sandbox
MANCHESTER_MORNING = datetime(2027, 2, 2, 9, 0, tzinfo=LONDON)


@pytest.fixture
def car_park(app, make_user, moving_clock):
    """A driver with a British car; the platform's car parks synced; its events delivered to our receiver."""
    moving_clock.start_at(MANCHESTER_MORNING)
    driver = make_user(language="fi", name="", phone="")
    add_vehicle(driver.id, "GB", "BD18 SMR")
    places.sync_places()
    platform = app.extensions["providers"].sandbox_app("apds")
    events.ensure_subscription("https://parkgo.test" + events.RECEIVER_PATH)
    receiver = app.test_client()
    platform.extensions["apds_sender"] = lambda url, headers, body: receiver.open(
        url.removeprefix("https://parkgo.test"), method="POST", data=body, headers=headers).status_code
    return {"driver": driver, "platform": platform, "clock": moving_clock}


def _camera(car_park, action: str) -> None:
    """The car park's camera sees the car enter or leave now; the platform sends its events to us."""
    answer = car_park["platform"].test_client().post(
        f"/_sandbox/operators/{action}",
        json={"place": ARNDALE, "plate": "BD18SMR", "at": car_park["clock"].now().isoformat()})
    assert answer.status_code < 300, answer.get_data(as_text=True)
    car_park["platform"].test_client().post("/_sandbox/deliveries")


def test_a_ticketless_entry_and_paid_exit_are_pushed_and_its_registration_end_is_not(app, car_park, add_device,
                                                                                    push_service):
    clock, driver = car_park["clock"], car_park["driver"]
    booking = sessions.register_plate(driver.id, ARNDALE, driver.vehicles[0].id, clock.now() + timedelta(hours=4),
                                      "push-apds-1")
    _device, subscription = add_device(driver)
    clock.advance(hours=1)
    _camera(car_park, "enter")
    run_job()
    run_job()
    (entered,) = messages(push_service, subscription)
    page = f"{app.config['PUBLIC_BASE_URL']}/carparks/sessions/{booking.public_ref}"
    title = booking_title(booking, "fi")
    assert entered == {"title": title, "lang": "fi", "kind": "car_park_visit", "url": page, "actions": [],
                       "tag": f"car_park_visit:{booking.public_ref}",
                       "body": f"Ajoneuvo {booking.plate} saapui kohteeseen {title} klo 10.00."}

    clock.advance(hours=2, minutes=55)  # "registered until" is 5 minutes away: a registration is no parking's end
    run_job()
    assert len(push_service.received_for(subscription)) == 1
    clock.advance(minutes=1)
    _camera(car_park, "exit")
    run_job()
    db.session.refresh(booking)
    _entered, left = messages(push_service, subscription)
    paid = format_money(booking.amount, booking.currency, "fi")
    assert booking.amount > 0 and left["kind"] == "car_park_visit"
    assert left["body"] == f"Ajoneuvo {booking.plate} poistui kohteesta {title} klo 12.56. Maksettu: {paid}."
    assert [d.event_key.split(":")[0] for d in deliveries(booking)] == ["event", "event"]
    clock.advance(minutes=40)
    run_job()
    assert len(push_service.received_for(subscription)) == 2


def test_a_pay_by_phone_session_ending_is_pushed_with_its_page(app, car_park, add_device, push_service):
    clock, driver = car_park["clock"], car_park["driver"]
    booking = sessions.start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "push-apds-2")
    _device, subscription = add_device(driver)
    clock.move_to(booking.ends_at - timedelta(minutes=7))
    run_job()
    (payload,) = messages(push_service, subscription)
    page = f"{app.config['PUBLIC_BASE_URL']}/carparks/sessions/{booking.public_ref}"
    assert payload["url"] == page and payload["actions"][0]["url"] == f"{page}?extend=1#extend"
    # the car park's own clock: 10:00 in Manchester
    assert payload["body"] == ENDS_AT["fi"].format(time="10.00", n=7)


# --- the day before: a rent-car pick-up, a valet drop-off ---------------------------------------------------

SEOUL_MORNING = datetime(2027, 2, 2, 10, 0, tzinfo=SEOUL)


def test_a_rental_pick_up_is_pushed_the_evening_before_in_korean(app, make_user, moving_clock, add_device,
                                                                 push_service):
    moving_clock.start_at(SEOUL_MORNING)
    driver = make_user(language="ko", name="", phone="")
    booking = RentcarDriver(app).book(driver, "push-rental-1")
    _device, subscription = add_device(driver)
    start = booking.starts_at.astimezone(SEOUL)
    evening_before = datetime.combine(start.date() - timedelta(days=1), datetime.min.time(), tzinfo=SEOUL) \
        + timedelta(hours=18)
    moving_clock.move_to(evening_before - timedelta(minutes=1))
    run_job()
    assert push_service.received == []
    moving_clock.move_to(evening_before)
    run_job()
    moving_clock.move_to(booking.starts_at - timedelta(hours=2))
    run_job()
    (payload,) = messages(push_service, subscription)
    when = format_moment_in_zone(booking.starts_at, "ko", SEOUL)
    assert payload == {"title": booking_title(booking, "ko"), "lang": "ko", "kind": "rental_pickup", "actions": [],
                       "body": f"렌터카 인수는 내일입니다: {when}.", "tag": f"rental_pickup:{booking.public_ref}",
                       "url": f"{app.config['PUBLIC_BASE_URL']}/rentals/{booking.public_ref}"}
    assert "10:00" in when


def test_a_rental_booked_within_the_last_hour_before_pick_up_is_not_reminded(app, make_user, moving_clock,
                                                                            add_device, push_service):
    moving_clock.start_at(SEOUL_MORNING)
    driver = make_user()
    booking = RentcarDriver(app).book(driver, "push-rental-2")
    add_device(driver)
    moving_clock.move_to(booking.starts_at - timedelta(minutes=50))
    run_job()
    assert push_service.received == []


AMSTERDAM_MORNING = datetime(2027, 2, 2, 8, 0, tzinfo=AMSTERDAM)


def test_a_valet_drop_off_is_pushed_the_evening_before(app, make_user, moving_clock, add_device, push_service):
    moving_clock.start_at(AMSTERDAM_MORNING)
    driver = make_user(language="sv", name="", phone="")
    add_vehicle(driver.id, "NL", "97-KGT-1")
    drop_off = AMSTERDAM_MORNING.astimezone(UTC) + timedelta(days=3)
    choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off, arrival=drop_off + timedelta(days=5),
                         persons=2, payment="ideal")
    booking = valet_reservations.book_valet(driver.id, valet_reservations.ValetRequest(
        choice=choice, vehicle_id=driver.vehicles[0].id, email=driver.email), "push-valet-1")
    _device, subscription = add_device(driver)
    moving_clock.move_to(datetime(2027, 2, 4, 17, 59, tzinfo=AMSTERDAM))
    run_job()
    assert push_service.received == []
    moving_clock.move_to(datetime(2027, 2, 4, 21, 30, tzinfo=AMSTERDAM))  # the evening before, however late
    run_job()
    (payload,) = messages(push_service, subscription)
    when = format_moment_in_zone(booking.starts_at, "sv", AMSTERDAM)
    assert payload["body"] == f"Bilen lämnas till valetparkeringen vid flygplatsen i morgon: {when}."
    assert payload["url"] == f"{app.config['PUBLIC_BASE_URL']}/valet/{booking.public_ref}"
    assert payload["kind"] == "valet_dropoff" and payload["lang"] == "sv"


def test_another_drivers_device_never_hears_of_a_booking(app, street, add_device, push_service):
    driver, other = street.driver(), street.driver(plate="XYZ-789")
    booking = street.park(driver, 30)
    add_device(other)
    street.clock.move_to(booking.ends_at - timedelta(minutes=9))
    run_job()
    assert push_service.received == []  # the driver has no device: nothing for anyone


def test_a_stay_the_driver_paid_in_the_app_is_not_pushed_but_one_paid_at_the_exit_is(app, make_user, make_booking,
                                                                                     add_device, push_service):
    from webapp.bookings import operations
    from webapp.bookings.models import Action, Status

    driver = make_user()
    add_device(driver)
    paid_in_app = make_booking(driver, kind="apds_session", provider="apds", title="Arndale", status=Status.ACTIVE)
    paid_at_exit = make_booking(driver, kind="apds_session", provider="apds", title="Arndale", status=Status.ACTIVE)
    operations.record(paid_in_app, Action.PAID, actor=f"user:{driver.id}")  # the driver pressed "Pay" (flow 4)
    operations.record(paid_at_exit, Action.PAID)  # the system paid as the camera saw the car leave (flow 3)
    db.session.commit()
    assert [(n.booking_id, n.kind) for n in reminders.due_notices()] == [(paid_at_exit.id, "car_park_visit")]


def test_flask_push_send_due_sends_what_is_due_once(app, street, add_device, push_service):
    driver = street.driver()
    booking = street.park(driver, 30)
    _device, subscription = add_device(driver)
    street.clock.move_to(booking.ends_at - timedelta(minutes=9))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", "send-due"]).output == "push notifications sent: 1\n"
    assert runner.invoke(args=["push", "send-due"]).output == "push notifications sent: 0\n"
    assert len(push_service.received_for(subscription)) == 1
    app.config["VAPID_PRIVATE_KEY"] = None
    result = runner.invoke(args=["push", "send-due"])
    assert result.exit_code != 0 and "VAPID_PRIVATE_KEY is not set" in result.output


def test_a_notice_that_cannot_be_built_does_not_hold_back_the_others(app, street, add_device, push_service,
                                                                     monkeypatch, caplog):
    first, second = street.driver(), street.driver(plate="XYZ-789")
    broken = street.park(first, 30, key="push-e")
    fine = street.park(second, 30, key="push-f")
    add_device(first)
    _device, subscription = add_device(second)
    build = reminders.build_payload

    def build_or_fail(notice, booking, language, now=None):
        if booking.id == broken.id:
            raise RuntimeError("a feature's title hook failed")
        return build(notice, booking, language, now)

    monkeypatch.setattr(reminders, "build_payload", build_or_fail)
    street.clock.move_to(fine.ends_at - timedelta(minutes=9))
    assert reminders.send_due() == 1
    assert messages(push_service, subscription)[0]["tag"] == f"parking_ending:{fine.public_ref}"
    assert "push parking_ending for booking" in caplog.text
