"""Seoul pages in every language: the romanised name beside the Hangul, fees, times and protocol values
written for the page's language, and no Korean outside what is marked as Korean."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.seoul.support import register_lot
from webapp.core.clock import utcnow
from webapp.seoul.chart import occupancy_chart

HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
NAME_ROMAN, NAME = "Sejongro Gongyeongjuchajang", "세종로 공영주차장"
#: the name in the reader's words (webapp/seoul/glossary.py): the road's name, the lot's kind translated
NAMES = {"en": "Sejong-ro public car park", "fi": "Sejong-ro, kunnallinen pysäköintialue",
         "sv": "Sejong-ro, kommunal parkering"}


@pytest.fixture
def lot_id(app):
    return register_lot(app)


def _in(client, language: str):
    client.post("/language", data={"language": language, "next": "/"})
    return client


@pytest.fixture
def admin(client, make_user, login):
    login(make_user("boss@example.com", role="admin"))
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _without_korean_parts(html: str) -> str:
    """The page less every element marked lang="ko" (operator data shown as sent) and the language menu."""
    html = re.sub(r'<(\w+)[^>]*\blang="ko"[^>]*>.*?</\1>', "", html, flags=re.S)
    return re.sub(r'<option[^>]*value="ko"[^>]*>.*?</option>', "", html, flags=re.S)


def test_the_lot_page_in_english_names_the_lot_in_latin_letters_with_the_hangul_beside_it(admin, lot_id):
    html = admin.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    assert (f'<h1><span class="lot-name">{NAMES["en"]}</span> '
            f'<small class="lot-name-other muted" lang="ko">{NAME}</small></h1>') in html
    assert f"<title>{NAMES['en']} · " in html  # a title has no language markup: the page's form only
    text = _text(html)
    for expected in ("₩1,000/30 mins, then ₩500/10 mins, day max ₩12,000", "Location class Grade 1 of 5",
                     "Honggildong 홍길동", "Many discounts on offer. Come and see us."):
        assert expected in text, expected
    assert "급지" not in html


def test_the_lot_page_in_korean_puts_the_hangul_first_and_writes_won(admin, lot_id):
    html = _in(admin, "ko").get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    assert (f'<h1><span class="lot-name" lang="ko">{NAME}</span> '
            f'<small class="lot-name-other muted">{NAME_ROMAN}</small></h1>') in html
    text = _text(html)
    assert "1,000원/30분" in text and "₩" not in text
    # the memo and the person in charge need no Latin letters for a Korean reader
    assert "Honggildong" not in text and "Dayanghan" not in text and "홍길동" in text


@pytest.mark.parametrize(("language", "fees", "hours"), [
    ("fi", "1 000 KRW/30 min", "8.00–22.30"),  # no-break spaces, as babel writes them, read as spaces here
    ("sv", "1 000 KRW/30 min", "08:00–22:30"),
])
def test_the_lot_page_in_finnish_and_swedish_writes_fees_and_hours_their_way(admin, lot_id, language, fees, hours):
    text = _text(_in(admin, language).get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert fees in text and hours in text and NAMES[language] in text


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
@pytest.mark.parametrize("page", ["/seoul/lots", "/seoul/lots/{lot_id}", "/seoul/lots/{lot_id}?hours=2",
                                  "/admin/seoul/lots"])
def test_no_korean_outside_what_is_marked_korean(admin, lot_id, language, page):
    response = _in(admin, language).get(page.format(lot_id=lot_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert NAMES[language] in html
    leftover = HANGUL.findall(_without_korean_parts(html))
    assert not leftover, "".join(leftover)
    assert "None" not in _text(html)


def test_the_admin_lot_list_dates_the_last_push_as_the_language_writes_dates(admin, lot_id):
    text = _text(admin.get("/admin/seoul/lots").get_data(as_text=True))
    assert re.search(r"\d\d/\d\d/\d{4}, \d\d:\d\d Seoul time", text), text
    assert "KST" not in text and NAMES["en"] in text
    text = _text(_in(admin, "fi").get("/admin/seoul/lots").get_data(as_text=True))
    assert re.search(r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d\d", text), text


def test_the_chart_writes_its_clock_the_languages_way():
    now = utcnow().replace(minute=30, second=0, microsecond=0)
    series = [(now - timedelta(hours=h), 10 + h) for h in range(24)]
    finnish = occupancy_chart(series, 40, now, locale="fi")
    assert all(re.fullmatch(r"\d{1,2}\.00", label) for _x, label in finnish.x_ticks), finnish.x_ticks
    assert re.fullmatch(r"\d{1,2}\.\d\d", finnish.busiest_at)
    english = occupancy_chart(series, 40, now, locale="en_GB")
    assert all(re.fullmatch(r"\d\d:00", row.label) for row in english.hours)
