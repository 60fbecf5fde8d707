"""The place page's rate tables, presets and calculator say what the engine charges, in four languages (issue 22).

The car park's day tariff applies outside 18:00–06:00 (the evening flat rate within): the clock is put at
noon in London so that the day bands are the ones quoted.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from webapp.accounts.vehicles import add_vehicle
from webapp.apds import places
from webapp.apds.sessions import start_session

ARNDALE = "805432"
HX = {"HX-Request": "true"}
LONDON = ZoneInfo("Europe/London")

#: per language: the Arndale bands (first, second, last), "59 mins would be £3.70", and the evening rate's terms
EXPECTED = {
    "en": (["under 1 hr", "1 hr to under 2 hrs", "5 hrs up to and including 24 hrs"], "59 mins would be £3.70",
           ["Every day · entering 18:00–06:00", "once per stay", "Longest stay: 12 hrs."]),
    "fi": (["alle 1 t", "vähintään 1 t, alle 2 t", "vähintään 5 t, enintään 24 t"], "59 min maksaisi 3,70 £",
           ["Joka päivä · saapuminen klo 18.00–6.00", "kerran pysäköintiä kohden", "Pisin pysäköintiaika: 12 t."]),
    "sv": (["under 1 tim", "från 1 tim till under 2 tim", "från 5 tim till och med 24 tim"],
           "59 min skulle kosta 3,70 GBP",
           ["Varje dag · infart 18:00–06:00", "en gång per parkering", "Längsta parkeringstid: 12 tim."]),
    "ko": (["1시간 미만", "1시간 이상 2시간 미만", "5시간 이상 24시간 이하"], "59분이면 £3.70",
           ["매일 · 입차 18:00–06:00", "주차 1회당", "최대 주차 시간: 12시간."]),
}
#: the platform's English words, which must not show on the page (looser than the bands, and English only)
PLATFORM_WORDS = ("up to 1 hour", "up to 2 hours", "up to 24 hours", "all week long", "evenings",
                  "enter after 18:00, leave by 06:00")


@pytest.fixture
def at_noon():
    """Noon on the car park's clock, tomorrow (the day tariff applies)."""
    noon = datetime.combine(datetime.now(LONDON).date() + timedelta(days=1), datetime.min.time(), LONDON) \
        .replace(hour=12)
    with time_machine.travel(noon):
        yield noon


@pytest.fixture
def driver(at_noon, app, make_user, login):
    user = make_user()
    add_vehicle(user.id, "GB", "BD18 SMR")
    places.sync_places()
    login(user)
    return user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _rates_section(html: str) -> str:
    start = html.index('<div class="apds-rate-table">')
    return html[start:html.index("</section>", start)]


def _chips(html: str) -> dict[str, str]:
    fieldset = html[html.index('<fieldset class="field durations'):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    return {value: _text(label) for value, label in
            re.findall(r'<label class="chip"><input[^>]*value="(\d+)"[^>]*> (.*?)</label>', fieldset, re.S)}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_rate_tables_are_the_bands_in_the_pages_language_each_once(client, driver, language):
    bands, _cheaper, evening = EXPECTED[language]
    html = client.get(f"/carparks/{ARNDALE}", headers={"Accept-Language": language}).get_data(as_text=True)
    section = _text(_rates_section(html))
    for label in (*bands, *evening):
        assert section.count(label) == 1, (label, section)
    for words in PLATFORM_WORDS:
        assert words not in html, words
    if language != "en":
        for english in ("hrs", " to under ", "Every day", "Longest stay", "once per stay", "up to and including"):
            assert english not in section, english


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_each_preset_shows_the_price_of_exactly_that_stay_and_the_cheaper_minute_below(client, driver, language):
    html = client.get(f"/carparks/{ARNDALE}", headers={"Accept-Language": language}).get_data(as_text=True)
    chips = _chips(html)
    _bands, cheaper, _evening = EXPECTED[language]
    place = places.get_place(ARNDALE)
    for minutes, label in chips.items():
        price = places.quote_stay(place, datetime.now(LONDON), timedelta(minutes=int(minutes))).total
        assert str(price).replace(".", "," if language in ("fi", "sv") else ".") in label, (minutes, label)
    assert cheaper in chips["60"]
    assert chips["60"].count("3,70" if language in ("fi", "sv") else "3.70") == 1
    for minutes in ("30", "480"):  # 29 mins cost the same as 30; 7 hrs 59 mins the same as 8 hrs
        assert not re.search(r"(would|maksaisi|skulle|이면)", chips[minutes]), chips[minutes]


def test_the_preset_price_is_what_starting_that_stay_charges(client, driver):
    html = client.get(f"/carparks/{ARNDALE}").get_data(as_text=True)
    shown = _chips(html)["60"]
    booking = start_session(driver.id, ARNDALE, driver.vehicles[0].id, 60, "k" * 32, contact_email=driver.email)
    assert f"£{booking.amount:.2f}" == "£6.70" and shown.startswith("1 hr · £6.70")


@pytest.mark.parametrize(("minutes", "price", "band", "cheaper"), [
    (59, "£3.70", "under 1 hr", None),
    (60, "£6.70", "1 hr to under 2 hrs", "59 mins would be £3.70."),
    (75, "£6.70", "1 hr to under 2 hrs", "59 mins would be £3.70."),  # a quarter of an hour into the band
    (76, "£6.70", "1 hr to under 2 hrs", None),
    (119, "£6.70", "1 hr to under 2 hrs", None),
    (120, "£9.20", "2 hrs to under 3 hrs", "1 hr 59 mins would be £6.70."),
    (300, "£20.50", "5 hrs up to and including 24 hrs", "4 hrs 59 mins would be £15.20."),
    (1440, "£20.50", "5 hrs up to and including 24 hrs", None),
    (1441, "£24.20", None, None),  # past a whole day: a day's price and the first band again
])
def test_the_calculator_names_the_band_and_the_cheaper_stay_just_below(client, driver, minutes, price, band, cheaper):
    text = _text(client.get(f"/carparks/{ARNDALE}/quote?minutes={minutes}", headers=HX).get_data(as_text=True))
    assert f"costs {price}" in text
    assert (f"band: {band}" in text) if band else ("band:" not in text)
    assert (cheaper in text) if cheaper else ("would be" not in text)


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_calculator_at_one_hour_in_four_languages(client, driver, language):
    bands, cheaper, _evening = EXPECTED[language]
    text = _text(client.get(f"/carparks/{ARNDALE}/quote?minutes=60",
                            headers={**HX, "Accept-Language": language}).get_data(as_text=True))
    assert bands[1] in text and cheaper in text
