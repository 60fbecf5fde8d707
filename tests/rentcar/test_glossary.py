"""The rent-car glossary (webapp/rentcar/glossary.py, data/glossary.json): every Korean word the companies
send is shown in the reader's language, amounts in the reader's money format, an unknown word romanised
beside its Hangul, and the pages use it (issue 17)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest

from webapp.core.clock import SEOUL, utcnow
from webapp.core.romanise import has_hangul
from webapp.rentcar import glossary
from webapp.rentcar.sandbox import catalog

READERS = ("en", "fi", "sv")
NBSP = "\xa0"


def _sent_by_the_sandbox() -> dict[str, set[str]]:
    """Every word the sandbox's companies send that a page shows, by what it is."""
    covers = [option for model in catalog.MODELS.values() for option in model.options]
    insurances = list(catalog.INSURANCES.values())
    return {
        "names": {o[0] for o in covers} | {i.name for i in insurances} | {e.name for e in catalog.EXTRAS.values()},
        "details": {e.content for e in catalog.EXTRAS.values()},
        "figures": {figure for o in covers for figure in o[1:4]}
                   | {figure for i in insurances for figure in (i.limit, i.deductible, i.loss_of_use)},
        "options": {option for kind in catalog.TYPES.values() for option in kind.options.split(",")},
    }


def test_every_entry_says_its_meaning_in_english_finnish_and_swedish_without_hangul():
    for section in glossary.SECTIONS:
        for original, meanings in glossary.entries()[section].items():
            assert set(meanings) >= set(READERS), (section, original)
            for language in READERS:
                assert meanings[language].strip() and not has_hangul(meanings[language]), (original, language)


@pytest.mark.parametrize("language", READERS)
def test_every_word_the_companies_send_is_known_and_shown_without_hangul(language):
    sent = _sent_by_the_sandbox()
    shown = ([glossary.term(name, language) for name in sent["names"]]
             + [glossary.term(detail, language) for detail in sent["details"]]
             + [glossary.value(figure, language) for figure in sent["figures"]]
             + [glossary.term(option, language) for option in sent["options"]])
    unknown = sorted(g.original for g in shown if not g.known or has_hangul(g.shown))
    assert not unknown, f"add to webapp/rentcar/data/glossary.json: {unknown}"


@pytest.mark.parametrize(("figure", "language", "shown"), [
    ("1,000만원", "en", "₩10,000,000"),
    ("1,000만원", "fi", f"10{NBSP}000{NBSP}000{NBSP}KRW"),
    ("50만원", "en", "₩500,000"),
    ("3,000만원", "sv", f"30{NBSP}000{NBSP}000{NBSP}KRW"),
    ("1억 5,000만원", "en", "₩150,000,000"),
    ("300,000원", "en", "₩300,000"),
    ("무제한", "en", "unlimited"),
    ("무제한", "fi", "rajaton"),
    ("면제", "en", "waived"),
    ("면제", "sv", "tas inte ut"),
    ("1일 대여료의 50%", "en", "50% of one day's rental"),
    ("2일 대여료의 30%", "en", "30% of 2 days' rental"),
    ("1일 대여료의 50%", "fi", "50 % yhden päivän vuokrasta"),
    ("1,000만원", "ko", "1,000만원"),  # a Korean page shows what the company wrote
])
def test_cover_figures_are_written_for_the_reader(figure, language, shown):
    gloss = glossary.value(figure, language)
    assert gloss.shown == shown and gloss.beside is None


def test_a_cover_keeps_its_korean_name_beside_the_translation_for_the_counter():
    full = glossary.term("완전자차", "en")
    assert (full.shown, full.beside, str(full)) == ("Full cover", "완전자차", "Full cover (완전자차)")
    assert glossary.term("완전자차", "fi").shown == "Täysturva"
    korean = glossary.term("완전자차", "ko")
    assert (korean.shown, korean.beside, korean.korean) == ("완전자차", None, True)


def test_an_unknown_word_is_romanised_beside_its_hangul_never_hangul_alone():
    gloss = glossary.term("캠핑의자", "en")
    assert gloss.known is False and gloss.beside == "캠핑의자"
    assert gloss.shown and not has_hangul(gloss.shown)
    assert str(glossary.value("보상 없음 특약", "sv")).endswith("(보상 없음 특약)")
    assert glossary.term("V2L", "en").shown == "V2L power outlet"
    assert glossary.term("LPG 전용", "en").shown.startswith("LPG ")


def test_the_two_child_seats_are_told_apart_by_what_the_company_says_of_them():
    infant = glossary.extra_item("카시트", "유아용 (0~4세)", "en")
    booster = glossary.extra_item("카시트", "아동용 부스터 (4~12세)", "en")
    assert infant.shown != booster.shown
    assert infant.shown == "Child seat · infant seat, ages 0–4" and infant.beside == "카시트 · 유아용 (0~4세)"
    assert booster.shown == "Child seat · booster seat, ages 4–12"
    assert glossary.extra_item("카시트", "", "en").shown == "Child seat"
    assert glossary.extra_item("카시트", "유아용 (0~4세)", "ko").shown == "카시트 · 유아용 (0~4세)"


def test_options_are_a_list_of_the_readers_words():
    assert [g.shown for g in glossary.options("블루투스,후방카메라,네비게이션", "en")] == [
        "Bluetooth", "rear camera", "satnav"]
    assert [g.shown for g in glossary.options("블루투스,후방카메라", "sv")] == ["Bluetooth", "backkamera"]
    assert glossary.options("", "en") == []


@pytest.mark.parametrize(("text", "amount"), [("50만원", 500_000), ("1,000만원", 10_000_000), ("1억원", 100_000_000),
                                              ("만원", None), ("무제한", None), ("50", None)])
def test_won_reads_the_companies_amounts(text, amount):
    assert glossary.won(text) == amount


# -- the pages ------------------------------------------------------------------------------------------


def _window() -> dict:
    day = (utcnow().astimezone(SEOUL) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {"start": f"{day:%Y-%m-%dT%H:%M}", "end": f"{day + timedelta(days=2):%Y-%m-%dT%H:%M}"}


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_car_page_compares_covers_in_english_and_tells_the_child_seats_apart(client):
    html = client.get("/rentals/cars/HALLA/10101", query_string={**_window(), "lang": "en"}).get_data(as_text=True)
    text = _text(html)
    for expected in ("Basic cover 일반자차", "Full cover 완전자차", "₩10,000,000", "₩500,000", "unlimited", "waived",
                     "50% of one day's rental", "With Full cover 완전자차", "Child seat · infant seat, ages 0–4",
                     "Child seat · booster seat, ages 4–12", "Included Bluetooth , rear camera",
                     "licence for 1 year or more"):
        assert expected in text, expected
    assert "+ 카시트 ₩" not in text and "1 years" not in text


def test_the_car_page_in_finnish_writes_every_amount_in_one_format_even_in_its_refreshed_total(client):
    window = {**_window(), "lang": "fi"}
    html = client.get("/rentals/cars/HALLA/10101", query_string=window).get_data(as_text=True)
    assert "₩" not in html and f"10{NBSP}000{NBSP}000{NBSP}KRW" in html
    # the total is refreshed by htmx with the form's fields: the page's language goes with them
    assert 'hx-params="start,end,cover,extras,pay,lang"' in html and 'name="lang" value="fi"' in html
    total = client.get("/rentals/cars/HALLA/10101/total", query_string={**window, "cover": "option2", "pay": "counter"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "₩" not in total and f"0{NBSP}KRW" in total


def test_the_add_an_extra_page_shows_the_names_the_car_page_showed(app, client, make_user, login):
    from tests.rentcar.conformance import RentcarDriver

    user = make_user()
    login(user)
    rental = RentcarDriver(app).book(user, "glossary-extras")
    html = client.get(f"/rentals/{rental.public_ref}/extras?lang=en").get_data(as_text=True)
    text = _text(html)
    assert "Child seat 카시트" in text and "infant seat, ages 0–4" in text and "booster seat, ages 4–12" in text
    assert "Pocket Wi-Fi" in text
    # the content goes with the extra, so the booked seat is told from the other on the rental page
    seat = re.search(r'<input type="hidden" name="gid" value="(\d+)">.*?name="content" value="유아용 \(0~4세\)"', html,
                     re.S)
    assert seat
    form = {"gid": seat.group(1), "fee": "10000", "name": "카시트", "content": "유아용 (0~4세)", "version": "1"}
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    answer = client.post(f"/rentals/{rental.public_ref}/extras/add", data={**form, "version": version})
    assert answer.status_code == 303
    text = _text(client.get(f"/rentals/{rental.public_ref}?lang=en").get_data(as_text=True))
    assert "Child seat · infant seat, ages 0–4" in text


def test_a_rentals_title_is_in_the_readers_language(app, client, make_user, login):
    from tests.rentcar.conformance import RentcarDriver

    user = make_user()
    login(user)
    rental = RentcarDriver(app).book(user, "glossary-title")
    assert "Kia Morning · Halla Rent-a-car" in _text(client.get("/bookings?lang=en").get_data(as_text=True))
    assert "모닝 · 한라렌트카" in _text(client.get("/bookings?lang=ko").get_data(as_text=True))
    assert f"{rental.public_ref} · Kia Morning" in client.get(f"/rentals/{rental.public_ref}?lang=sv").get_data(
        as_text=True)
