"""Admin booking lookup: ``search_bookings`` over 100,000 generated bookings, beside a primary-key fetch.

What the issue asks the benchmark to show ("fast on 100,000 bookings … on
SQLite and PostgreSQL"):

1. A throw-away database (a SQLite file by default; with
   ``--database-url``/``DATABASE_URL`` a fresh PostgreSQL database created on
   that server and dropped at the end) gets the schema and ``--bookings``
   (100,000) bookings for ``--drivers`` (20,000) drivers, bulk-inserted with
   SQLAlchemy Core: plates in Finnish, Korean, Dutch and British formats typed
   with and without spaces and dashes, emails, phones in several formats
   (international, national, dashes, parentheses), the four providers and
   their kinds, a realistic mix of statuses, made over the last year. The
   generator is seeded: every run builds the same data. ``ANALYZE`` runs
   afterwards, as autovacuum (PostgreSQL) or a maintenance job would.
2. Each lookup calls ``webapp.bookings.admin_search.search_bookings`` (the count and
   the first page of 25, as the admin page does) ``--repeat`` times in a fresh
   session; a primary-key fetch (``db.session.get(Booking, id)``) is timed in
   the same loop, so the ratio travels between machines.
3. ``found / expected`` compares the total the search reports with what the
   generated data says it should find (computed in Python from the same rows);
   a mismatch is printed as such.
4. The rows are inserted with Core, so the generator fills the search columns
   (``plate_key``, ``email_lower``, ``phone_tail``) with the booking core's
   own functions, as its listeners do on every ORM write; the schema is the
   app's (``db.create_all()``), with the indexes of migration 0014.
5. ``--explain`` prints the database's plan (``EXPLAIN QUERY PLAN`` on SQLite,
   ``EXPLAIN`` on PostgreSQL) of the statements of every lookup slower than
   ``--slow-ms`` (100 ms).

    .venv/bin/python bench/admin_lookup.py [--bookings 100000] [--repeat 15] [--explain]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/admin_lookup.py

The throw-away database and the temporary folder are removed at the end, whatever happens.

Measured on 2026-11-27 (2 shared cores under a load average of 7-15, so read the ratio to the PK
fetch of the same run more than the milliseconds; medians of 15):

==========  ===================================  ====================================
            before 0014 (replace() per row)      after 0014 (stored, indexed columns)
==========  ===================================  ====================================
SQLite      plate/e-mail 297-399 ms (530-660x)   plate/e-mail 18-31 ms (35-72x)
            phone 1,316-1,761 ms (1,900-2,400x)  phone 1.8-5.5 ms (6-17x)
PostgreSQL  plate/e-mail 116-174 ms (95-120x)    plate/e-mail 4.6-9.1 ms (8-10x)
            phone 250-281 ms (89-206x)           phone 3.6-3.7 ms (6x)
==========  ===================================  ====================================

PostgreSQL answers a partial plate or e-mail from its trigram GIN index (``--explain``: "Bitmap
Index Scan on ix_bookings_plate_key_search"); a phone is an equality on ``phone_tail`` (its last
eight digits) through a b-tree index on both databases. SQLite has no index a LIKE '%…%' can
use: a partial plate or e-mail scans its column's narrow index (``SCAN bookings USING COVERING
INDEX ix_bookings_plate_key_search``, about 5 ms per 100,000 keys uncontended) instead of the
table with three replace() calls per row. FTS5's trigram tokenizer would answer infix matches
from an index, but its shadow tables are tables the models cannot describe
(``tests/test_migrations.py`` compares them), so it is not used.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import throwaway_database  # noqa: E402 - after the path set-up, like the other benches

SEED = 2026
CHUNK = 5000
#: provider -> (kind, currency, weight)
PROVIDERS = {"helsinki": ("street_parking", "EUR", 50), "apds": ("apds_session", "EUR", 20),
             "rentcar": ("rental", "KRW", 15), "parking247": ("valet", "EUR", 15)}
#: status -> weight (most bookings are history)
STATUSES = {"completed": 60, "cancelled": 12, "failed": 6, "active": 8, "reserved": 12, "unknown": 1, "pending": 1}
DOMAINS = ("example.com", "example.fi", "example.kr", "example.nl", "example.co.uk", "example.org")
HANGUL = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주하허호"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"



# -- the generated data ----------------------------------------------------------------


def _plate(rng: random.Random) -> str:
    """A plate in one of four countries' formats, typed the way drivers type them."""
    country = rng.choices(("FI", "KR", "NL", "GB"), weights=(55, 20, 15, 10))[0]
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice(LETTERS) for _ in range(n))  # noqa: E731
    if country == "FI":
        plate = f"{letters(3)}-{rng.randint(1, 999)}"
        return rng.choice((plate, plate.replace("-", " "), plate.replace("-", ""), plate.lower()))
    if country == "KR":
        plate = f"{digits(rng.choice((2, 3)))}{rng.choice(HANGUL)}{digits(4)}"
        return rng.choice((plate, plate[:-4] + " " + plate[-4:]))
    if country == "NL":
        plate = rng.choice((f"{digits(2)}-{letters(3)}-{digits(1)}", f"{letters(2)}-{digits(3)}-{letters(1)}",
                            f"{digits(1)}-{letters(3)}-{digits(2)}"))
        return rng.choice((plate, plate.replace("-", "")))
    plate = f"{letters(2)}{digits(2)} {letters(3)}"
    return rng.choice((plate, plate.replace(" ", "")))


def _phone(rng: random.Random) -> str:
    """A phone number as people type it: international or national, spaces, dashes or parentheses."""
    country = rng.choices(("FI", "KR", "NL", "GB"), weights=(55, 20, 15, 10))[0]
    if country == "FI":
        a, b, c = rng.choice(("40", "50", "44", "45")), rng.randint(100, 999), rng.randint(1000, 9999)
        return rng.choice((f"+358 {a} {b} {c}", f"0{a} {b} {c}", f"0{a}-{b}{c}", f"0{a}{b}{c}",
                           f"+358{a}{b}{c}", f"(0{a}) {b} {c}"))
    if country == "KR":
        b, c = rng.randint(1000, 9999), rng.randint(1000, 9999)
        return rng.choice((f"+82 10-{b}-{c}", f"010-{b}-{c}", f"010 {b} {c}", f"010{b}{c}"))
    if country == "NL":
        b = rng.randint(10000000, 99999999)
        return rng.choice((f"+31 6 {b}", f"06-{b}", f"06 {str(b)[:4]} {str(b)[4:]}"))
    b, c = rng.randint(100, 999), rng.randint(100, 999)
    return rng.choice((f"+44 7700 {b}{c}", f"07700 {b} {c}", f"(07700) {b}{c}"))


def generate(bookings: int, drivers: int, now: datetime) -> tuple[list[dict], list[dict]]:
    """The users and bookings rows (plain dicts for Core ``insert``), seeded."""
    from webapp.bookings.models import Status, email_lower, phone_tail, plate_key
    from webapp.bookings.registry import reference_prefix

    rng = random.Random(SEED)
    users = []
    for n in range(1, drivers + 1):
        users.append({"id": n, "email": f"driver{n}@{DOMAINS[n % len(DOMAINS)]}", "password_hash": "x",
                      "name": f"Driver {n}", "phone": _phone(rng), "role": "driver",
                      "created_at": now - timedelta(days=400), "session_epoch": 0})
    # a few drivers whose details the lookups look for
    users[0]["phone"] = "+358 40 123 4567"  # looked for as "040-123 4567"
    users[1]["phone"] = "(040) 765 4321"  # looked for as "+358 40 765 4321" (parentheses are allowed in a profile)
    plates = {n: [_plate(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))] for n in range(1, drivers + 1)}
    plates[1], plates[2], plates[3] = ["ABC-123"], ["abc 1234"], ["ABC123"]

    providers, weights = list(PROVIDERS), [w for _, _, w in PROVIDERS.values()]
    statuses, status_weights = [Status(s) for s in STATUSES], list(STATUSES.values())
    used_refs: set[str] = set()
    rows = []
    for n in range(1, bookings + 1):
        user_id = n if n <= drivers else rng.randint(1, drivers)
        user = users[user_id - 1]
        provider = rng.choices(providers, weights)[0]
        kind, currency, _ = PROVIDERS[provider]
        while True:
            ref = reference_prefix(kind) + "-" + "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
                                                         for _ in range(6))
            if ref not in used_refs:
                used_refs.add(ref)
                break
        created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        starts = created + (timedelta(0) if kind in ("street_parking", "apds_session")
                            else timedelta(hours=rng.randint(2, 30 * 24)))
        length = timedelta(minutes=rng.randint(15, 240)) if kind in ("street_parking", "apds_session") \
            else timedelta(days=rng.randint(1, 10))
        status = rng.choices(statuses, status_weights)[0]
        settled = status not in (Status.PENDING, Status.UNKNOWN, Status.FAILED)
        amount = Decimal(rng.randint(80, 4000)) / 100 if currency == "EUR" else Decimal(rng.randint(40, 400) * 1000)
        plate, phone = rng.choice(plates[user_id]), user["phone"] or None
        rows.append({
            "id": n, "public_ref": ref, "user_id": user_id, "kind": kind, "provider": provider,
            "provider_ref": f"{provider[:2].upper()}{n:09d}" if settled else None, "status": status,
            "title": f"{provider} booking {n}", "starts_at": starts, "ends_at": starts + length,
            "amount": amount, "currency": currency, "plate": plate, "contact_email": user["email"],
            "contact_phone": phone,
            # Core inserts bypass the model's listeners: the search columns are filled as the booking core does
            "plate_key": plate_key(plate), "email_lower": email_lower(user["email"]),
            "phone_tail": phone_tail(phone),
            "provider_payload": {"id": n, "status": str(status)} if settled and n % 4 == 0 else None,
            "idempotency_key": None, "created_at": created, "updated_at": created, "version": 1,
        })
    return users, rows


def insert(users: list[dict], rows: list[dict]) -> None:
    """Bulk insert with SQLAlchemy Core, in chunks, one transaction."""
    from sqlalchemy import insert as core_insert
    from sqlalchemy import text

    from webapp.accounts.models import User
    from webapp.bookings.models import Booking
    from webapp.extensions import db

    with db.engine.begin() as connection:
        for table, data in ((User.__table__, users), (Booking.__table__, rows)):
            for start in range(0, len(data), CHUNK):
                connection.execute(core_insert(table), data[start:start + CHUNK])
        if connection.dialect.name == "postgresql":
            # explicit ids: move the sequences past them, as a real database's would be
            for table in ("users", "bookings"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                        f"(SELECT max(id) FROM {table}))"))  # two fixed table names
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


# -- what each lookup should find ------------------------------------------------------


def _compact(value: str | None) -> str:
    return (value or "").replace(" ", "").replace("-", "").upper()


def _digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def expected_total(rows: list[dict], filters) -> int:
    """How many generated bookings the filters should find (the issue's rules, applied in Python)."""
    text = " ".join(filters.query.split())
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    digits = _digits(text)
    found = 0
    for row in rows:
        if text:
            hit = row["public_ref"] == text.upper() or row["provider_ref"] == text
            hit = hit or (compact and compact in _compact(row["plate"]))
            hit = hit or ("@" in text and text.lower() in (row["contact_email"] or ""))
            # "any formatting": the same last eight digits, whatever else is typed around them
            hit = hit or (len(digits) >= 6 and _digits(row["contact_phone"]).endswith(digits[-8:]))
            if not hit:
                continue
        if filters.status and str(row["status"]) != filters.status:
            continue
        if filters.date_from and row["created_at"].date() < filters.date_from:
            continue
        if filters.date_to and row["created_at"].date() > filters.date_to:
            continue
        found += 1
    return found


# -- timing ----------------------------------------------------------------------------


def timed(call, repeat: int, baseline_pk: int) -> tuple[list[float], list[float], object]:
    """``repeat`` timings (ms) of ``call`` and of a primary-key fetch, interleaved, each in a fresh session."""
    from webapp.bookings.models import Booking
    from webapp.extensions import db

    db.session.remove()
    result = call()  # warm the statement cache and the database's pages
    lookups, fetches = [], []
    for _ in range(repeat):
        db.session.remove()
        started = time.perf_counter()
        booking = db.session.get(Booking, baseline_pk)
        fetches.append((time.perf_counter() - started) * 1000)
        assert booking is not None
        db.session.remove()
        started = time.perf_counter()
        result = call()
        lookups.append((time.perf_counter() - started) * 1000)
    db.session.remove()
    return lookups, fetches, result


def statements_of(call) -> list[tuple[str, object]]:
    """The SQL statements (and their parameters) ``call`` sends."""
    from sqlalchemy import event

    from webapp.extensions import db

    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.remove()
    return seen


def explain(call) -> list[str]:
    """The plan of every statement ``call`` sends."""
    from webapp.extensions import db

    lines = []
    for statement, parameters in statements_of(call):
        with db.engine.connect() as connection:
            prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
            plan = connection.exec_driver_sql(prefix + statement, parameters).all()
        lines.append("  " + " ".join(statement.split())[:160] + (" …" if len(statement) > 160 else ""))
        for row in plan:
            lines.append("    " + (" | ".join(str(c) for c in row[-1:]) if prefix.startswith("EXPLAIN QUERY")
                                   else str(row[0])))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings to generate (default 100,000)")
    parser.add_argument("--drivers", type=int, default=20_000, help="drivers to generate (default 20,000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per lookup (default 15)")
    parser.add_argument("--slow-ms", type=float, default=100.0, help="a lookup slower than this is slow (100)")
    parser.add_argument("--explain", action="store_true", help="print the plan of every slow lookup")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="postgresql+psycopg://… : a throw-away database is created on that server")
    args = parser.parse_args()
    if args.bookings < args.drivers or args.drivers < 4 or args.repeat < 1:
        parser.error("--bookings must be at least --drivers (at least 4), --repeat positive")

    from webapp import create_app
    from webapp.config import TestingConfig
    from webapp.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="parkgo-admin-lookup-"))
    try:
        with throwaway_database(args.database_url, folder, "bench_admin_lookup") as (database_url, database_name):
            app = create_app(TestingConfig({"INSTANCE_PATH": str(folder / "app"), "DATABASE_URL": database_url,
                                            "LOG_LEVEL": "WARNING"}))
            try:
                with app.app_context():
                    return _run(args, database_name)
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                app.extensions["providers"].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args, database_name: str) -> int:
    from webapp.bookings.admin_search import SearchFilters
    from webapp.extensions import db

    db.create_all()
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    users, rows = generate(args.bookings, args.drivers, now)
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    insert(users, rows)
    insert_s = time.perf_counter() - started

    rng = random.Random(SEED + 1)
    picked = rows[rng.randrange(len(rows))]
    with_ref = next(r for r in rows[rng.randrange(len(rows)):] + rows if r["provider_ref"])
    month_from = (now - timedelta(days=120)).date()
    lookups: list[tuple[str, SearchFilters]] = [
        ('partial plate "ABC"', SearchFilters(query="ABC")),
        ('partial plate "abc-1"', SearchFilters(query="abc-1")),
        ('plate infix "BC12"', SearchFilters(query="BC12")),
        ('email prefix "driver1@"', SearchFilters(query="driver1@")),
        ('phone "040-123 4567" (stored +358 40 …)', SearchFilters(query="040-123 4567")),
        ('phone "+358 40 765 4321" (stored (040) …)', SearchFilters(query="+358 40 765 4321")),
        ("our reference, lower case", SearchFilters(query=picked["public_ref"].lower())),
        ("the provider's reference", SearchFilters(query=with_ref["provider_ref"])),
        ("status completed + one month", SearchFilters(status="completed", date_from=month_from,
                                                       date_to=month_from + timedelta(days=30))),
        ("status unknown, no text (attention-like)", SearchFilters(status="unknown")),
    ]

    print(f"Admin lookup bench on {database_name}: {len(rows):,} bookings of {len(users):,} drivers "
          f"(generated in {generated_s:.1f} s, inserted with Core in {insert_s:.1f} s, then ANALYZE); "
          f"search_bookings = count + first page of 25; median of {args.repeat}, each run in a fresh session")
    print()
    print("the app's schema (db.create_all())")
    slow = _table(lookups, rows, args, picked["id"])
    if args.explain:
        _plans(slow)
    return 0


def _table(lookups, rows: list[dict], args, pk: int) -> list:
    """Time each lookup beside a PK fetch and print one line each; returns the slow lookups."""
    from webapp.bookings.admin_search import search_bookings

    header = f"{'lookup':<44}{'found/expected':>16}{'median ms':>11}{'p90 ms':>9}{'PK get ms':>11}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    slow, wrong = [], []
    for name, filters in lookups:
        times, fetches, page = timed(lambda f=filters: search_bookings(f), args.repeat, pk)
        expected = expected_total(rows, filters)
        median, baseline = statistics.median(times), statistics.median(fetches)
        p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
        mark = "" if page.total == expected else "  ≠"
        print(f"{name:<44}{f'{page.total}/{expected}':>16}{median:>11.1f}{p90:>9.1f}{baseline:>11.2f}"
              f"{median / baseline:>8.1f}x{mark}")
        if median > args.slow_ms:
            slow.append((name, filters))
        if page.total != expected:
            wrong.append((name, page.total, expected))
    print(f"slow (median > {args.slow_ms:g} ms): {', '.join(n for n, _ in slow) or 'none'}")
    for name, found, expected in wrong:
        print(f"found ≠ expected: {name}: the search finds {found}, the data holds {expected}")
    return slow


def _plans(lookups) -> None:
    from webapp.bookings.admin_search import search_bookings

    for name, filters in lookups:
        print()
        print(f"plan of {name}:")
        print("\n".join(explain(lambda f=filters: search_bookings(f))))


if __name__ == "__main__":
    sys.exit(main())
