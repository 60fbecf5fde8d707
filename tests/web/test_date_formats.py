"""Dates and times in one format per language, on every page a driver opens, in the booking's own zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import DRIVER_EMAIL, make_journey_data, page_urls
from webapp.core.clock import HELSINKI, SEOUL, format_moment

MOMENT = datetime(2026, 11, 27, 12, 28, tzinfo=UTC)

#: the one way each language writes a date (CLDR's short date, through babel)
DATE_OF = {
    "en": r"\b\d{2}/\d{2}/\d{4}\b",
    "fi": r"\b\d{1,2}\.\d{1,2}\.\d{4}\b",
    "sv": r"\b\d{4}-\d{2}-\d{2}\b",
    "ko": r"\b\d{2}\. \d{1,2}\. \d{1,2}\.",
}
#: anything else that reads as a date: another language's short date, a written month, an ISO stamp
OTHER_DATES = [
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b", r"\b\d{4}-\d{1,2}-\d{1,2}(T\d)?",
    r"\b\d{2,4}\. ?\d{1,2}\. ?\d{1,2}\.",
    r"(?<![\d.,])\b\d{1,2}\.? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\.? \d{4}",
    r"\b\d{1,2}\. \w+kuuta \d{4}", r"\d{4}년",
]


@pytest.mark.parametrize(("language", "expected"), [
    ("en_GB", "27/11/2026, 14:28"), ("fi", "27.11.2026 14.28"), ("sv", "2026-11-27 14:28"),
    ("ko", "26. 11. 27. 오후 2:28"),
])
def test_one_short_date_and_time_per_language(language, expected):
    assert format_moment(MOMENT, language, HELSINKI) == expected


def test_a_moment_is_shown_in_the_zone_it_happens_in():
    assert format_moment(MOMENT, "en_GB", SEOUL) == "27/11/2026, 21:28"
    assert format_moment(MOMENT, "en_GB", SEOUL, "date") == "27/11/2026"
    assert format_moment(MOMENT, "en_GB", SEOUL, "time") == "21:28"
    assert format_moment(MOMENT.replace(tzinfo=None), "en_GB", HELSINKI) == "27/11/2026, 14:28"  # naive = UTC


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_page_writes_dates_one_way_per_language(app, client):
    data = make_journey_data(app)
    client.post("/login", data={"email": DRIVER_EMAIL, "password": DEFAULT_PASSWORD})
    urls = page_urls(app, data, admin=False)
    dates_seen, strays = 0, {}
    for language in ("en", "fi", "sv", "ko"):
        client.post("/language", data={"language": language, "next": "/"})
        for url in urls:
            response = client.get(url)
            if response.mimetype != "text/html":
                continue
            text = _text(response.get_data(as_text=True))
            dates_seen += len(re.findall(DATE_OF[language], text))
            own = {m.span() for m in re.finditer(DATE_OF[language], text)}
            for pattern in OTHER_DATES:
                for found in re.finditer(pattern, text):
                    if not any(start <= found.start() < end for start, end in own):
                        strays.setdefault(f"{url} [{language}]", []).append(found.group(0))
    assert dates_seen > 40
    assert not strays, strays


def test_a_rental_in_korea_is_listed_in_korean_time(app, client):
    data = make_journey_data(app, seoul_lots=False)
    client.post("/login", data={"email": DRIVER_EMAIL, "password": DEFAULT_PASSWORD})
    html = client.get("/bookings").get_data(as_text=True)
    from webapp.bookings.models import Booking
    from webapp.extensions import db
    rental = db.session.scalar(db.select(Booking).where(Booking.public_ref == data.refs["rentals"]))
    assert format_moment(rental.starts_at, "en_GB", SEOUL) in html
    assert format_moment(rental.starts_at, "en_GB", HELSINKI) not in html
