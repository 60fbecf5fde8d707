"""Every htmx block a page refreshes is rendered alone, as htmx asks for it, and answers 200 (422 for a
form's block with its errors).

The blocks are found in the templates themselves: each element with ``hx-get`` or ``hx-post`` names the
element it replaces (``hx-target="#id"``, or ``this`` / nothing: itself). Each such (template, id) needs
a request below that reaches it with real data (tests/web/journey_data.py: a booking of every provider,
Seoul lots); a new ``hx-target`` without one fails the first test, so no block can go untested. Each
request is sent with ``HX-Request`` and ``HX-Target`` and must answer the element alone — never a whole
page, never an error (issue 22: the Helsinki status box's refresh was a 500 every time).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for

from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ADMIN_EMAIL, DRIVER_EMAIL, RENTAL_CAR, JourneyData, make_journey_data
from webapp.bookings.models import Booking
from webapp.core.clock import AMSTERDAM, HELSINKI, SEOUL, utcnow
from webapp.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_HTMX_TAG = re.compile(r"<[a-zA-Z][^<>]*?\bhx-(?:get|post)=[^<>]*>", re.S)


def htmx_targets() -> set[tuple[str, str]]:
    """Each (template, element id) that an htmx request of that template replaces."""
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for tag in _HTMX_TAG.findall(source):
            target = re.search(r'\bhx-target="([^"]*)"', tag)
            if target and target.group(1).startswith("#"):
                element = target.group(1)[1:]
            else:
                own = re.search(r'\bid="([^"]*)"', tag)
                assert own, f"{path.name}: an element that replaces itself needs an id (htmx sends it): {tag}"
                element = own.group(1)
            found.add((str(path.relative_to(TEMPLATES)), element))
    return found


def _booking(ref: str) -> Booking:
    return db.session.scalars(db.select(Booking).filter_by(public_ref=ref)).one()


def _local(moment, zone) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%dT%H:%M}"


def _rental_window() -> dict:
    start = (utcnow() + timedelta(days=10)).astimezone(SEOUL).replace(hour=10, minute=0, second=0, microsecond=0)
    return {"start": _local(start, SEOUL), "end": _local(start + timedelta(days=2), SEOUL)}


def _valet_change(data: JourneyData) -> dict:
    booking = _booking(data.refs["valet"])
    return {"drop_off": _local(booking.valet.drop_off, AMSTERDAM),
            "arrival": _local(booking.valet.arrival + timedelta(days=1), AMSTERDAM), "wash": "0",
            "version": booking.version}


def _valet_quote() -> dict:
    drop_off = utcnow() + timedelta(days=5)
    return {"location": "schiphol", "service": "valet", "persons": "2", "payment": "ideal",
            "drop_off": _local(drop_off, AMSTERDAM), "arrival": _local(drop_off + timedelta(days=4), AMSTERDAM)}


#: how to reach each block: (template, id) -> (who asks, method, URL, query or form[, status if not 200]),
#: built from the data
REQUESTS = {
    ("admin/bookings.html", "results"):
        lambda d: ("admin", "GET", url_for("admin.index"), {"q": "ABC"}),
    ("apds/index.html", "place-list"):
        lambda d: ("driver", "GET", url_for("apds.index"), {"q": "Arndale"}),
    ("apds/place.html", "occupancy"):
        lambda d: ("driver", "GET", url_for("apds.occupancy", place_id=d.place_id), {}),
    ("apds/place.html", "price-calc"):
        lambda d: ("driver", "GET", url_for("apds.quote", place_id=d.place_id), {"minutes": "90"}),
    ("apds/session.html", "session-status"):
        lambda d: ("driver", "GET", url_for("apds.session", ref=d.refs["apds"]), {}),
    ("apds/session.html", "extension-preview"):
        lambda d: ("driver", "GET", url_for("apds.extension_quote", ref=d.refs["apds"]),
                   {"minutes": "30", "version": _booking(d.refs["apds"]).version}),
    ("maps/find.html", "place-list"):
        lambda d: ("driver", "GET", url_for("maps.find_parking"), {"q": "Kamppi"}),
    ("parkings/session.html", "session-status"):
        lambda d: ("driver", "GET", url_for("parkings.session", ref=d.refs["parkings"]), {}),
    ("parkings/session.html", "extension-preview"):
        lambda d: ("driver", "GET", url_for("parkings.extension_quote", ref=d.refs["parkings"]),
                   {"end_at": _local(_booking(d.refs["parkings"]).ends_at + timedelta(minutes=30), HELSINKI),
                    "version": _booking(d.refs["parkings"]).version}),
    ("parkings/start.html", "price-preview"):
        lambda d: ("driver", "GET", url_for("parkings.quote", area_id=d.area_id), {"duration": "60"}),
    ("rentals/detail.html", "price-total"):
        lambda d: ("driver", "GET", url_for("rentals.total", code=RENTAL_CAR[0], mid=RENTAL_CAR[1]),
                   _rental_window() | {"cover": "none", "pay": "now"}),
    ("seoul_lots/lot.html", "live-figures"):
        lambda d: ("driver", "GET", url_for("seoul_lots.live", lot_id=d.lot_id), {}),
    ("seoul_lots/lot.html", "price-quote"):
        lambda d: ("driver", "GET", url_for("seoul_lots.lot", lot_id=d.lot_id), {"hours": "2"}),
    ("valet/book.html", "price-quote"):
        lambda d: ("driver", "GET", url_for("valet.quote"), _valet_quote()),
    ("valet/reservation.html", "change-preview"):
        lambda d: ("driver", "GET", url_for("valet.change_quote", ref=d.refs["valet"]), _valet_change(d)),
    ("vehicles/index.html", "vehicle-form"):
        # a valid plate is added and the page reloaded (HX-Redirect); the block comes back with the form's errors
        lambda d: ("driver", "POST", url_for("vehicles.add"), {"country": "FI", "plate": "not a plate!"}, 422),
}


def test_every_htmx_target_in_the_templates_has_a_request_here():
    found = htmx_targets()
    assert found, "no htmx element found: has the template folder moved?"
    assert found - REQUESTS.keys() == set(), "add a request for each new htmx block to REQUESTS"
    assert REQUESTS.keys() - found == set(), "a block no template refreshes any more: drop its request"


@pytest.fixture
def journey(app):
    data = make_journey_data(app)
    clients = {"driver": app.test_client(), "admin": app.test_client()}
    for who, email in (("driver", DRIVER_EMAIL), ("admin", ADMIN_EMAIL)):
        answer = clients[who].post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
        assert answer.status_code == 303
    return data, clients


def test_every_htmx_block_renders_alone(app, journey):
    data, clients = journey
    failures = []
    for (template, element), request_for in sorted(REQUESTS.items()):
        with app.test_request_context():
            who, method, url, values, *status = request_for(data)
        headers = {"HX-Request": "true", "HX-Target": element}
        if method == "GET":
            response = clients[who].get(url, query_string=values, headers=headers)
        else:
            response = clients[who].post(url, data=values, headers=headers)
        body = response.get_data(as_text=True)
        if response.status_code != (status[0] if status else 200):
            failures.append(f"{template} #{element}: {method} {url} answered {response.status_code}\n{body[:600]}")
        elif f'id="{element}"' not in body or "<html" in body or "<body" in body:
            failures.append(f"{template} #{element}: {method} {url} is not the block alone\n{body[:600]}")
    assert not failures, "\n\n".join(failures)
