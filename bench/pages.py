"""The pages issue 18 names beyond the map, at 10,000 car parks and 100,000 bookings, served by gunicorn.

A throw-away database (SQLite file, or with ``--database-url``/``DATABASE_URL`` a fresh PostgreSQL database,
dropped at the end) gets the schema by ``flask db upgrade``, 10,000 Helsinki areas and APDS car parks
(``bench/_city.py``) and ``--bookings`` (100,000) bookings of 20,000 drivers (``bench/admin_lookup.py``'s
generator) — with each booking's detail row (the street parking and its area, the APDS session, the
rental, the valet reservation) and its ledger entry, as the booking core writes them, so that a page
listing bookings reads what it reads in production. gunicorn serves it with 2 sync workers; each page is
timed beside the trivial page (``GET /login``) of the same client in alternating rounds
(``bench/_server.py``): median and ratio, the workers' CPU per request and its ratio, bytes raw and sent.

    .venv/bin/python bench/pages.py [--bookings 100000] [--places 10000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import throwaway_database
from bench._server import HEADER, Endpoint, app_environment, compare, migrate, serve, sign_in

ADMIN, DRIVER, PASSWORD = "admin@bench.example", "driver@bench.example", "bench-password-18"
#: bookings of the driver whose history and CSV export are measured (issue 18: 1,000 of 100,000)
DRIVER_BOOKINGS = 1000
HX = {"HX-Request": "true", "HX-Target": "results"}


def _details(rows: list[dict], areas: list[str], places: list[str]) -> dict:
    """Each booking's detail row and ledger entry, as the booking core would have written them."""
    from webapp.bookings.models import PAID_NOW, Status

    rng = random.Random(18)
    found: dict[str, list[dict]] = {"street": [], "apds": [], "rental": [], "valet": [], "ledger": []}
    for row in rows:
        n, kind = row["id"], row["kind"]
        if kind == "street_parking":
            found["street"].append({"booking_id": n, "area_id": rng.choice(areas), "zone": 1 + n % 3,
                                    "device_id": row["public_ref"]})
        elif kind == "apds_session":
            found["apds"].append({"booking_id": n, "mode": "phone", "place_id": rng.choice(places),
                                  "transaction_id": f"parkgo:{row['public_ref']}"})
        elif kind == "rental":
            found["rental"].append({"booking_id": n, "company_code": "JEJU01", "company_name": "제주렌트카",
                                    "mid": 1 + n % 40, "model_name": "아반떼", "model_english": "Avante",
                                    "dealer_ref": row["public_ref"], "extras": [], "option_ins": 0,
                                    "cover_name": "", "car_fee": 0, "insurance_fee": 0, "extras_fee": 0,
                                    "custfee": 0, "cutoff_hours": 24, "same_day_minutes": 0, "driver_name": "",
                                    "driver_phone": ""})
        else:
            found["valet"].append({"booking_id": n, "location": "schiphol", "service": "valet",
                                   "drop_off": row["starts_at"], "arrival": row["ends_at"], "persons": 2,
                                   "payment": "online", "quoted_total": row["amount"], "sent": {}})
        if row["status"] in (Status.ACTIVE, Status.RESERVED, Status.COMPLETED):
            found["ledger"].append({"booking_id": n, "created_at": row["created_at"], "settlement": PAID_NOW,
                                    "amount": row["amount"], "currency": row["currency"],
                                    "reason": "provider_call"})
    return found


def build(app, bookings: int, places: int) -> None:
    """Places, then bookings with their details, then the two accounts the pages are opened with."""
    from sqlalchemy import select

    from bench import _city, admin_lookup
    from webapp.accounts import users as accounts
    from webapp.apds.models import ApdsPlace, ApdsSession
    from webapp.bookings.models import LedgerEntry
    from webapp.extensions import db
    from webapp.helsinki.models import HelsinkiArea, StreetParking
    from webapp.rentcar.models import Rental
    from webapp.valet.models import ValetReservation

    with app.app_context():
        _city.add_areas(places)
        _city.add_places(places)
        users, rows = admin_lookup.generate(bookings, bookings // 5, datetime.now(UTC).replace(microsecond=0))
        # admin_lookup's rows are tuned for the lookups; a rental and a valet stay are days long
        admin_lookup.insert(users, rows)
        areas = list(db.session.scalars(select(HelsinkiArea.area_id)))
        place_ids = list(db.session.scalars(select(ApdsPlace.place_id)))
        details = _details(rows, areas, place_ids)
        for model, key in ((StreetParking, "street"), (ApdsSession, "apds"), (Rental, "rental"),
                           (ValetReservation, "valet"), (LedgerEntry, "ledger")):
            _city._insert(model.__table__, details[key])
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('booking_ledger', 'id'), "
                                       "(SELECT max(id) FROM booking_ledger))"))
            db.session.commit()
        accounts.register_user(ADMIN, PASSWORD, PASSWORD, role="admin")
        driver = accounts.register_user(DRIVER, PASSWORD, PASSWORD)
        # the history's driver: every hundredth booking becomes theirs (1,000 of 100,000), of every provider,
        # status and age, with their contact details as the booking core would have stored them
        from webapp.bookings.models import Booking, email_lower

        db.session.execute(db.update(Booking).where(Booking.id % (bookings // DRIVER_BOOKINGS) == 0)
                           .values(user_id=driver.id, contact_email=DRIVER, email_lower=email_lower(DRIVER)))
        db.session.commit()
        _city.analyse()


def _looked_for(app) -> dict:
    """What the admin's exact searches look for: a reference, a whole plate and a phone number of the data."""
    from sqlalchemy import select

    from webapp.bookings.models import Booking
    from webapp.extensions import db

    with app.app_context():
        booking = db.session.get(Booking, 4321)
        phone = db.session.scalar(select(Booking.contact_phone).where(Booking.contact_phone.is_not(None),
                                                                      Booking.id >= 777).limit(1))
        return {"ref": booking.public_ref, "plate": booking.plate, "phone": phone}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings in all (100,000)")
    parser.add_argument("--places", type=int, default=10_000, help="Helsinki areas and APDS car parks (10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating pairs of runs per endpoint (5)")
    parser.add_argument("--per-run", type=int, default=20, help="requests per run (20)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="postgresql+psycopg://… : a throw-away database is created on that server")
    parser.add_argument("--keep", metavar="DIR", help="SQLite only: build the data in DIR once and reuse it on "
                                                       "later runs (new migrations are applied to it)")
    parser.add_argument("--only", default="", help="measure only the endpoints whose label contains this")
    args = parser.parse_args()

    import httpx

    from webapp import create_app
    from webapp.config import TestingConfig

    keep = Path(args.keep).resolve() if args.keep and not (args.database_url or "").startswith("postgresql") \
        else None
    folder = keep or Path(tempfile.mkdtemp(prefix="parkgo-bench-pages-"))
    built = keep is not None and (keep / "built").exists()
    try:
        with throwaway_database(None if keep else args.database_url, folder, "bench_pages") as (database_url, label):
            env = app_environment(database_url, folder / "instance")
            migrate(env)
            app = create_app(TestingConfig({"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": database_url,
                                            "LOG_LEVEL": "WARNING"}))
            if not built:
                build(app, args.bookings, args.places)
                if keep:
                    (keep / "built").write_text(f"{args.bookings} {args.places}\n")
            looked_for = _looked_for(app)
            with app.app_context():
                from webapp.extensions import db

                db.engine.dispose()
            app.extensions["providers"].close()
            print(f"Pages bench on {label}: {args.bookings:,} bookings of {args.bookings // 5:,} drivers "
                  f"({DRIVER_BOOKINGS:,} of one driver), {args.places:,} Helsinki areas and APDS car parks; "
                  f"gunicorn -w 2 (sync); {args.rounds} alternating rounds of {args.per_run} requests; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            seoul = datetime.now(UTC) + timedelta(days=3)
            window = (f"start={seoul:%Y-%m-%d}T10:00&end={(seoul + timedelta(days=2)):%Y-%m-%d}T10:00"
                      "&region=jeju")
            endpoints = [
                Endpoint("APDS car-park list (/carparks/)", "/carparks/?minutes=180"),
                Endpoint("APDS list page 40 (/carparks/?page=40)", "/carparks/?minutes=180&page=40"),
                Endpoint("APDS list search (htmx), q=Bench Car Park 17", "/carparks/?q=Bench+Car+Park+17&minutes=180",
                         {"HX-Request": "true", "HX-Target": "place-list"}),
                Endpoint("rent-car search (Jeju, 2 days)", f"/rentals/?{window}", client="driver"),
                Endpoint("admin search page, partial plate ABC", "/admin?q=ABC", client="admin"),
                Endpoint("admin search (htmx), partial plate ABC", "/admin?q=ABC", HX, client="admin"),
                Endpoint(f"admin search, plate {looked_for['plate']}", f"/admin?q={quote(looked_for['plate'])}",
                         client="admin"),
                Endpoint("admin search, exact reference", f"/admin?q={looked_for['ref']}", client="admin"),
                Endpoint("admin search, status completed", "/admin?status=completed", client="admin"),
                Endpoint("admin search, e-mail driver1@", "/admin?q=driver1%40", client="admin"),
                Endpoint(f"admin search, phone {looked_for['phone']}", f"/admin?q={quote(looked_for['phone'])}",
                         client="admin"),
                Endpoint(f"history, {DRIVER_BOOKINGS:,} bookings (/bookings)", "/bookings", client="driver"),
                Endpoint("history page 20", "/bookings?page=20", client="driver"),
                Endpoint("history, filtered (kind street parking)", "/bookings?kind=street_parking", client="driver"),
                Endpoint(f"CSV export, {DRIVER_BOOKINGS:,} bookings", "/bookings/export.csv", client="driver"),
            ]
            endpoints = [e for e in endpoints if args.only.lower() in e.name.lower()]
            with serve(env) as server, httpx.Client(timeout=120) as guest, \
                    httpx.Client(timeout=120) as driver, httpx.Client(timeout=120) as admin:
                sign_in(server, driver, DRIVER, PASSWORD)
                sign_in(server, admin, ADMIN, PASSWORD)
                print(HEADER)
                compare(server, {"guest": guest, "driver": driver, "admin": admin}, endpoints,
                        Endpoint("trivial page (GET /password/forgot)", "/password/forgot"), rounds=args.rounds,
                        per_run=args.per_run)
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
