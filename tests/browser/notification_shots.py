"""Screenshots of real notifications, for the eyes (not a test): ``python -m tests.browser.notification_shots``.

Headless Chromium draws no notification, so this runs Chromium with a window on a virtual screen (Debian's
``xvfb``; ``xwd`` from x11-apps and ImageMagick's ``convert`` take the picture). The whole chain is the app's:
the reminders job finds the parking that ends in 9 minutes, encrypts the notification for the driver's
device and posts it to the local push service (tests/support/push_service.py); the service's message,
decrypted with the device's keys as the browser would, is delivered to the app's service worker through
the DevTools protocol, which shows it. One picture per language, in ``/tmp/notification-shots/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.conftest import DEFAULT_PASSWORD, make_app
from tests.support.push_service import PushService, make_subscription
from tests.web.journey_data import DRIVER_EMAIL, make_journey_data
from webapp.accounts.users import find_user_by_email
from webapp.bookings.history import get_booking_for_user
from webapp.core.clock import move_clock_for_tests, utcnow
from webapp.extensions import db
from webapp.push import reminders
from webapp.push.models import PushDelivery, PushDevice

OUT = Path(os.environ.get("NOTIFICATION_SHOTS", "/tmp/notification-shots"))
DISPLAY = ":97"
LANGUAGES = ("en", "fi", "sv", "ko")


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _payload_in(app, language: str, service: PushService, subscription) -> dict:
    """What the job sends the driver, in ``language``: found, built and posted by the job itself."""
    with app.app_context():
        driver = find_user_by_email(DRIVER_EMAIL)
        driver.language = language
        db.session.execute(db.delete(PushDelivery))
        db.session.commit()
        booking = get_booking_for_user(driver.id, app.config["SHOT_PARKING_REF"])
        # the app's clock (the page behind the notification too) runs to 9 minutes before the end
        move_clock_for_tests(app, booking.ends_at - timedelta(minutes=9) - datetime.now(UTC))
        service.clear()
        assert reminders.send_due() >= 1, "the job found nothing to send"
        db.session.remove()
    # the same minute may also tell of the regret time or a car park visit: the parking's end is the one shown
    payloads = [subscription.payload(message.body) for message in service.received_for(subscription)]
    wanted = f"parking_ending:{app.config['SHOT_PARKING_REF']}"
    [ending] = [payload for payload in payloads if payload["tag"] == wanted]
    return ending


def main() -> int:
    if not (shutil.which("Xvfb") and shutil.which("xwd") and shutil.which("convert")):
        print("needs Debian's xvfb, x11-apps and imagemagick", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="notification-shots-"))
    app = make_app(workdir, WTF_CSRF_ENABLED=True)
    server = _serve(app)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    service = PushService().start()
    subscription = make_subscription(service)
    with app.app_context():
        db.create_all()
        data = make_journey_data(app, seoul_lots=False)
        app.config["SHOT_PARKING_REF"] = data.refs["parkings"]
        driver = find_user_by_email(DRIVER_EMAIL)
        db.session.add(PushDevice(user_id=driver.id, endpoint=subscription.endpoint, p256dh=subscription.p256dh,
                                  auth=subscription.auth, label="Chrome on Android"))
        db.session.commit()
        db.session.remove()
    # a profile that offers neither to save the password nor to translate the page (they would cover it)
    (workdir / "profile" / "Default").mkdir(parents=True)
    (workdir / "profile" / "Default" / "Preferences").write_text(json.dumps(
        {"credentials_enable_service": False, "profile": {"password_manager_enabled": False},
         "translate": {"enabled": False}}))
    screen = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "900x780x24"])
    os.environ["DISPLAY"] = DISPLAY
    time.sleep(1)
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(workdir / "profile"), executable_path=CHROMIUM, headless=False,
                # Chromium's own notification pop-ups (there is no desktop notification service on Xvfb)
                args=[*CHROMIUM_FLAGS, "--disable-features=NativeNotifications,SystemNotifications,Translate",
                      "--window-position=0,0", "--window-size=380,780"],
                viewport={"width": 360, "height": 640}, locale="en-GB", timezone_id="Europe/Helsinki")
            context.grant_permissions(["notifications"], origin=base)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill(DRIVER_EMAIL)
            page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/map**")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            cdp = context.new_cdp_session(page)
            registrations: list[dict] = []
            cdp.on("ServiceWorker.workerRegistrationUpdated",
                   lambda event: registrations.extend(event["registrations"]))
            cdp.send("ServiceWorker.enable")
            page.wait_for_timeout(1500)
            registration = [r for r in registrations if not r.get("isDeleted")][-1]["registrationId"]
            for language in LANGUAGES:
                payload = _payload_in(app, language, service, subscription)
                # the page's countdown reads the browser's clock: the same moved time as the app's
                page.clock.set_fixed_time(utcnow())
                page.goto(f"{base}/parking/{app.config['SHOT_PARKING_REF']}?lang={language}")
                page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                              ".then((shown) => shown.forEach((n) => n.close()))")
                cdp.send("ServiceWorker.deliverPushMessage",
                         {"origin": base, "registrationId": registration, "data": json.dumps(payload)})
                page.wait_for_timeout(2500)
                target = OUT / f"notification-{language}.png"
                screen_dump = subprocess.run(["xwd", "-root", "-display", DISPLAY], capture_output=True, check=True)
                subprocess.run(["convert", "xwd:-", str(target)], input=screen_dump.stdout, check=True)
                print(target, "-", payload["title"], "|", payload["body"])
            context.close()
    finally:
        move_clock_for_tests(app, timedelta(0))
        screen.terminate()
        service.stop()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
