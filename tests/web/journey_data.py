"""Demo-like data for checks that visit every page: a driver with a running street parking, a finished
one (a receipt), an APDS session, a rent-car reservation, a valet booking and Seoul lots, and an admin.

Everything is made through the features' own use cases against their sandboxes, as a driver would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from werkzeug.routing import Rule

from tests.conftest import DEFAULT_PASSWORD
from tests.rentcar.conformance import RentcarDriver
from webapp.accounts import users as accounts
from webapp.accounts import vehicles
from webapp.apds import places as apds_places
from webapp.apds import sessions as apds_sessions
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings
from webapp.valet import reservations as valet_reservations
from webapp.valet.pricing import ValetChoice

DRIVER_EMAIL = "fit-driver@example.com"
ADMIN_EMAIL = "fit-admin@example.com"
ARNDALE = "805432"  # an APDS car park of the sandbox (Manchester Arndale)
RENTAL_CAR = ("HALLA", 10101)  # a rent-car company and model of the sandbox
#: endpoints that answer a file, JSON or a machine, not a page
NOT_PAGES = {"static", "bookings.receipt_pdf", "bookings.export", "valet.voucher_pdf", "offline.manifest",
             "offline.service_worker"}


@dataclass
class JourneyData:
    """The ids a page's URL needs, by URL argument; ``refs`` by feature."""

    area_id: str
    place_id: str
    lot_id: int | None
    key_id: int | None
    vehicle_id: int
    refs: dict[str, str] = field(default_factory=dict)

    def all_refs(self) -> list[str]:
        return list(self.refs.values())


def make_journey_data(app: Flask, seoul_lots: bool = True) -> JourneyData:
    """Create the driver, the admin and their bookings (call inside an app context)."""
    driver = accounts.register_user(DRIVER_EMAIL, DEFAULT_PASSWORD, DEFAULT_PASSWORD, name="Fit Driver")
    accounts.update_profile(driver.id, "Fit Driver", "+358 40 123 4567", None)
    accounts.create_admin(ADMIN_EMAIL, DEFAULT_PASSWORD)
    car = vehicles.add_vehicle(driver.id, "FI", "ABC-123", "Family car", make_default=True)
    vehicles.add_vehicle(driver.id, "GB", "BD18 SMR", "Hire car in Manchester")
    vehicles.add_vehicle(driver.id, "NL", "97-KGT-1")

    helsinki_areas.sync_areas()
    area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
    now = datetime.now(UTC)
    running = parkings.start_parking(driver.id, area.area_id, car.id, now + timedelta(minutes=90), "fit-running",
                                     contact_email=driver.email, now=now)
    done = parkings.start_parking(driver.id, area.area_id, car.id, now + timedelta(minutes=30), "fit-done",
                                  contact_email=driver.email, now=now - timedelta(minutes=5),
                                  confirm_overlap=True)
    parkings.stop_parking(driver.id, done.public_ref, done.version)

    apds_places.sync_places()
    uk_car = next(v for v in driver.vehicles if v.country == "GB")
    apds = apds_sessions.start_session(driver.id, ARNDALE, uk_car.id, 90, "fit-apds")

    rental = RentcarDriver(app).book(driver, "fit-rental")
    drop_off = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    choice = ValetChoice(location="schiphol", service="valet", drop_off=drop_off,
                         arrival=drop_off + timedelta(days=7), persons=2, payment="ideal")
    dutch_car = next(v for v in driver.vehicles if v.country == "NL")
    valet = valet_reservations.book_valet(
        driver.id, valet_reservations.ValetRequest(choice=choice, vehicle_id=dutch_car.id, email=driver.email),
        "fit-valet")

    lot_id = key_id = None
    if seoul_lots:
        from webapp.seoul import admin as seoul_admin
        from webapp.seoul import lots as seoul_lot_list
        from webapp.seoul.operator import feed
        feed.load_demo(history_hours=3, history_step=60)
        lot_id = max(seoul_lot_list.list_lots(), key=lambda lot: len(lot.name)).id  # the longest name
        key_id = seoul_admin.list_keys()[0].id
    return JourneyData(area_id=area.area_id, place_id=ARNDALE, lot_id=lot_id, key_id=key_id, vehicle_id=car.id,
                       refs={"parkings": running.public_ref, "helsinki_done": done.public_ref,
                             "apds": apds.public_ref, "rentals": rental.public_ref, "valet": valet.public_ref})


def page_urls(app: Flask, data: JourneyData, admin: bool = False, guest: bool = False) -> list[str]:
    """Every GET page of the url_map with its arguments filled from ``data``: the admin's pages for the
    admin, the public ones (tests/web/test_access.py) for a guest, every other page for the driver (each
    booking page once per booking it can show)."""
    from tests.web.test_access import PUBLIC_ENDPOINTS

    urls: list[str] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.endswith((".pdf", ".csv", ".json")):
            continue
        blueprint = rule.endpoint.split(".")[0]
        if guest:
            if rule.endpoint not in PUBLIC_ENDPOINTS:
                continue
        else:
            is_admin_page = blueprint in ("admin", "seoul_admin") or rule.rule.startswith(("/admin", "/rentals/admin"))
            if is_admin_page != admin or blueprint == "auth":
                continue
        for values in _arguments(rule, data, blueprint):
            urls.append(_build(rule, values))
    return urls


def _arguments(rule: Rule, data: JourneyData, blueprint: str) -> list[dict]:
    fills: dict[str, list] = {
        "area_id": [data.area_id], "place_id": [data.place_id], "lot_id": [data.lot_id], "key_id": [data.key_id],
        "vehicle_id": [data.vehicle_id], "code": [RENTAL_CAR[0]], "mid": [RENTAL_CAR[1]], "token": ["not-a-token"],
        "ref": [data.refs[blueprint]] if blueprint in data.refs else data.all_refs(),
    }
    if not rule.arguments:
        return [{}]
    if not rule.arguments <= fills.keys() or any(None in fills[name] for name in rule.arguments):
        return []  # an argument this data cannot fill (a new kind of page): not visited
    [name_with_many] = [n for n in rule.arguments if len(fills[n]) > 1] or [None]
    base = {n: fills[n][0] for n in rule.arguments}
    return [base] if name_with_many is None else [base | {name_with_many: v} for v in fills[name_with_many]]


def _build(rule: Rule, values: dict) -> str:
    url = rule.rule
    for name, value in values.items():
        url = url.replace(f"<{name}>", str(value))
        for converter in ("int", "string", "path"):
            url = url.replace(f"<{converter}:{name}>", str(value))
    return url
