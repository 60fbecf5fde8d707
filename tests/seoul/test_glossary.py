"""The Seoul glossary (webapp/seoul/glossary.py, data/glossary.json): lot names, operators and memos in the
reader's words with the Korean beside them, a note nobody translated romanised as the operator's own
words, and the lot page's codes explained (issue 17)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime

import pytest

from tests.seoul.support import register_lot
from webapp.core.romanise import has_hangul
from webapp.extensions import db
from webapp.seoul import glossary
from webapp.seoul.models import SeoulLot
from webapp.seoul.operator.demo_data import DEMO_LOTS
from webapp.seoul.operator.feed import oper_fields, write_fields

READERS = ("en", "fi", "sv")
SYNCED = datetime(2026, 11, 27, 10, 0)


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_every_entry_has_a_form_for_english_finnish_and_swedish_without_hangul():
    for section, terms in glossary.entries().items():
        if section.startswith("_"):
            continue
        for original, meaning in terms.items():
            forms = [meaning] if isinstance(meaning, str) else [meaning[language] for language in READERS]
            assert all(form.strip() and not has_hangul(form) for form in forms), (section, original)


@pytest.mark.parametrize("language", READERS)
def test_every_demo_lot_reads_in_the_readers_words(language):
    for lot in DEMO_LOTS:
        name = glossary.lot_name(lot.name, language)
        assert name and not has_hangul(name), lot.name
        assert "juchajang" not in name.lower(), name  # the kind is translated, not romanised
        in_charge = glossary.operator(write_fields(lot, SYNCED)["in_charge"], language)
        assert in_charge and not has_hangul(in_charge) and "gongdan" not in in_charge.lower(), in_charge
        for part in glossary.memo(oper_fields(lot, SYNCED)["notify_memo"], language):
            assert part.kind in ("address", "note") and not has_hangul(part.shown), part
            assert part.beside == part.original  # the Korean stays beside it


@pytest.mark.parametrize(("name", "language", "shown"), [
    ("압구정 공영주차장", "en", "Apgujeong public car park"),
    ("압구정 공영주차장", "fi", "Apgujeong, kunnallinen pysäköintialue"),
    ("압구정 공영주차장", "sv", "Apgujeong, kommunal parkering"),
    ("압구정공영주차장", "en", "Apgujeong public car park"),  # the kind written on
    ("강남 민영 주차장", "en", "Gangnam private car park"),
    ("강남역 공영주차장", "en", "Gangnam Station public car park"),
    ("서초구청 공영주차장", "en", "Seocho-gu Office public car park"),
    ("반포 한강공원 주차장", "sv", "Banpo Hangangparken, parkering"),
    ("세종로 공영주차장", "en", "Sejong-ro public car park"),
    ("P1 주차장 (2시간)", "en", "P1 car park (2sigan)"),
    ("Lotte World Tower P2", "en", "Lotte World Tower P2"),
    ("압구정 공영주차장", "ko", "압구정 공영주차장"),
])
def test_a_lot_name_keeps_the_place_and_translates_the_kind(name, language, shown):
    assert glossary.lot_name(name, language) == shown


def test_an_address_follows_the_road_name_style_and_its_qualifiers_are_translated():
    [address] = glossary.memo("서울 서초구 신반포로11길 40", "en")
    assert (address.kind, address.shown) == ("address", "Seoul Seocho-gu Sinbanpo-ro 11-gil 40")
    [area] = glossary.memo("서울 강남구 압구정로 일대 (강남구)", "en")
    assert area.shown == "Seoul Gangnam-gu Apgujeong-ro area (Gangnam-gu)"


def test_a_known_note_is_translated_whatever_its_spacing_and_an_unknown_one_is_the_operators_own_words():
    _address, note = glossary.memo("서울 강남구 압구정로 일대 (강남구) · 주변상가 이용 시 2시간 무료", "en")
    assert (note.kind, note.shown, note.beside) == ("note", "2 hours free when you use the nearby shops",
                                                    "주변상가 이용 시 2시간 무료")
    [finnish] = glossary.memo("주변 상가 이용 시 2시간 무료", "fi")
    assert finnish.shown == "2 tuntia ilmaiseksi, kun asioit lähikaupoissa"
    [own] = glossary.memo("매일 22시 이후 출차 불가", "en")
    assert own.kind == "own words" and own.beside == "매일 22시 이후 출차 불가" and not has_hangul(own.shown)
    [korean] = glossary.memo("매일 22시 이후 출차 불가", "ko")
    assert (korean.shown, korean.beside) == ("매일 22시 이후 출차 불가", None)


def test_who_runs_the_lot_is_named_in_the_readers_words():
    assert glossary.operator("강남구 시설관리공단", "en") == "Gangnam-gu Facilities Management Corporation"
    assert glossary.operator("강남구 시설관리공단", "sv") == "Gangnam-gu, kommunal fastighetsförvaltning"
    assert glossary.operator("홍길동", "en") == "Honggildong"  # a person: romanised


# -- the lot page ---------------------------------------------------------------------------------------


@pytest.fixture
def lot_id(app):
    return register_lot(app, write={"parking_lot_name": "압구정 공영주차장", "in_charge": "강남구 시설관리공단"})


def _set_memo(lot_id: int, memo: str) -> None:
    db.session.get(SeoulLot, lot_id).operation.notify_memo = memo
    db.session.commit()


def test_the_lot_page_says_what_the_names_notes_and_codes_mean(client, lot_id):
    _set_memo(lot_id, "서울 강남구 압구정로 일대 (강남구) · 주변 상가 이용 시 2시간 무료")
    page = client.get(f"/seoul/lots/{lot_id}?lang=en").get_data(as_text=True)
    text = _text(page)
    for expected in ("Apgujeong public car park 압구정 공영주차장",
                     "Seoul Gangnam-gu Apgujeong-ro area (Gangnam-gu) 서울 강남구 압구정로 일대 (강남구)",
                     "2 hours free when you use the nearby shops 주변 상가 이용 시 2시간 무료",
                     "Operator Gangnam-gu Facilities Management Corporation 강남구 시설관리공단",
                     # seed 000 부제 코드 2 and 급지 1, in plain words
                     "Driving rotation Odd and even days: a car whose plate ends in an odd digit parks on odd dates",
                     "Location class Grade 1 of 5 Seoul's parking-fee zones: 1 is the most central and the dearest",
                     "Night opening scheme Yes: at night the lot is opened to people living nearby"):
        assert expected in text, expected
    assert "Gongyeongjuchajang" not in text and "Jubyeon" not in text and "operator's own words" not in text


def test_a_note_the_glossary_does_not_know_is_romanised_and_said_to_be_the_operators_own_words(client, lot_id):
    _set_memo(lot_id, "매일 22시 이후 출차 불가")
    text = _text(client.get(f"/seoul/lots/{lot_id}?lang=en").get_data(as_text=True))
    [own] = glossary.memo("매일 22시 이후 출차 불가", "en")
    assert f"{own.shown} 매일 22시 이후 출차 불가 (the operator's own words, romanised)" in text
    korean = _text(client.get(f"/seoul/lots/{lot_id}?lang=ko").get_data(as_text=True))
    assert "매일 22시 이후 출차 불가" in korean and own.shown not in korean


def test_a_lot_page_opened_in_finnish_prices_the_stay_in_finnish(client, lot_id):
    page = client.get(f"/seoul/lots/{lot_id}?lang=fi").get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="fi">' in page
    quote = client.get(f"/seoul/lots/{lot_id}?hours=2&minutes=0&lang=fi",
                       headers={"HX-Request": "true", "HX-Target": "price-quote"}).get_data(as_text=True)
    assert "KRW" in quote and "₩" not in quote
