"""Seoul lot names in Latin letters beside the Hangul: kept on every write, searchable, shown per language."""

from __future__ import annotations

import re

import flask_migrate
import pytest
from sqlalchemy import inspect, select, text

from tests.seoul.support import INFRA_ID, KEY, SECRET, SYNC, WRITE_FIELDS, push_client, register_lot
from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db
from webapp.seoul.models import SeoulLot
from webapp.seoul.operator import feed as seoul_feed
from webapp.seoul.operator.demo_data import DEMO_KEY
from webapp.seoul.romanise import has_hangul, romanise

GANGNAM = "강남역 공영주차장"
GANGNAM_ROMAN = "Gangnamyeok Gongyeongjuchajang"
#: what an English page shows (webapp/seoul/glossary.py): the station and the lot's kind in English
GANGNAM_EN = "Gangnam Station public car park"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def driver(client, make_user, login):
    login(make_user())
    return client


@pytest.mark.parametrize(("hangul", "latin"), [
    (GANGNAM, GANGNAM_ROMAN),
    ("합정 공영주차장", "Hapjeong Gongyeongjuchajang"),  # a sound change: ㅂ before ㅈ is "p"
    ("서울 마포구 양화로 45 부근", "Seoul Mapogu Yanghwaro 45 Bugeun"),
    ("P1 주차장 (2시간)", "P1 Juchajang (2sigan)"),  # Latin and digits pass through; no capital after a digit
    ("Lot A", "Lot A"),
])
def test_romanise_writes_revised_romanization_word_by_word(hangul, latin):
    assert romanise(hangul) == latin
    assert not has_hangul(romanise(hangul))


def test_a_lot_name_pushed_by_its_operator_is_stored_romanised_and_follows_a_rename(app):
    lot_id = register_lot(app, write={"parking_lot_name": GANGNAM})
    lot = db.session.get(SeoulLot, lot_id)
    assert (lot.name, lot.name_roman) == (GANGNAM, GANGNAM_ROMAN)
    # the memo (operators write the address there) is romanised too, for search
    assert lot.operation.memo_roman == "Dayanghan Harinopsyeoneul Jegonghago Itseupnida. Oseyo."

    later = SYNC.replace(hour=10)
    assert push_client(app).park_write(KEY, INFRA_ID, SECRET, {**WRITE_FIELDS, "parking_lot_name": "종묘 공영주차장",
                                                               "sync_time": later}).ok
    db.session.expire_all()
    assert db.session.get(SeoulLot, lot_id).name_roman == "Jongmyo Gongyeongjuchajang"


def test_every_demo_lot_is_loaded_with_a_romanised_name(app):
    assert seoul_feed.load_demo(history_hours=0) > 0
    lots = db.session.scalars(select(SeoulLot).join(SeoulLot.operator_key).where(SeoulLot.name.is_not(None))).all()
    assert lots and all(lot.operator_key.key == DEMO_KEY for lot in lots)
    for lot in lots:
        assert lot.name_roman and not has_hangul(lot.name_roman), lot.name
        assert lot.operation.memo_roman and not has_hangul(lot.operation.memo_roman), lot.operation.notify_memo
    names = {lot.name: lot.name_roman for lot in lots}
    assert names[GANGNAM] == GANGNAM_ROMAN


@pytest.fixture
def demo(app):
    seoul_feed.load_demo(history_hours=0)


def _listed(html: str) -> list[str]:
    return re.findall(r'href="/seoul/lots/\d+"', html)


@pytest.mark.parametrize("query", ["Gangnam", "gangnam", "GANGNAMYEOK", "강남"])
def test_the_list_finds_lots_by_their_romanised_or_hangul_name(driver, demo, query):
    html = driver.get("/seoul/lots", query_string={"q": query}).get_data(as_text=True)
    text = _text(html)
    assert GANGNAM_EN in text and "Seoul parking lots" in text
    assert "Jongmyo" not in text  # only matches are listed
    assert f'value="{query}"' in html


def test_the_list_finds_a_lot_by_the_district_of_its_address(driver, demo):
    # 합정 has no "Mapo" in its name: the memo's address "서울 마포구 …" finds it
    text = _text(driver.get("/seoul/lots?q=mapo").get_data(as_text=True))
    assert "Hapjeong public car park" in text and "Gangnam Station" not in text


def test_a_search_matching_nothing_says_so_and_special_characters_are_plain_text(driver, demo):
    html = driver.get("/seoul/lots", query_string={"q": "%_<b>"}).get_data(as_text=True)
    assert len(_listed(html)) == 0 and "Nothing matches" in html and "<b>" not in html


def test_the_list_shows_the_readers_name_first_beside_the_hangul_and_in_korean_the_hangul_first(driver, demo):
    html = driver.get("/seoul/lots?q=gangnamyeok").get_data(as_text=True)
    assert (f'<span class="lot-name">{GANGNAM_EN}</span> '
            f'<span class="lot-name-other muted" lang="ko">{GANGNAM}</span>') in html
    driver.post("/language", data={"language": "ko", "next": "/seoul/lots"})
    html = driver.get("/seoul/lots?q=gangnamyeok").get_data(as_text=True)
    assert (f'<span class="lot-name" lang="ko">{GANGNAM}</span> '
            f'<span class="lot-name-other muted">{GANGNAM_ROMAN}</span>') in html


def test_migration_0011_fills_in_the_romanised_names_of_stored_lots(tmp_path):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path),
                                    "DATABASE_URL": f"sqlite:///{tmp_path}/backfill.sqlite3"}))
    with app.app_context():
        flask_migrate.upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO seoul_operator_keys (id, key, status, request_limit, created_at) "
                                    "VALUES (1, 'K', 'issued', 10, '2026-11-27 00:00:00')"))
            connection.execute(text("INSERT INTO seoul_lots (id, key_id, infra_id, sealed_secret, created_at, name) "
                                    "VALUES (1, 1, 'a', 's', '2026-11-27 00:00:00', :name), "
                                    "(2, 1, 'b', 's', '2026-11-27 00:00:00', NULL)"), {"name": GANGNAM})
            connection.execute(text(
                "INSERT INTO seoul_lot_operations (lot_id, visitor_access, weekday_begin, weekday_end, rates, "
                "time_rate, add_rates, add_time_rate, day_maximum, notify_memo, sync_time, updated_at) VALUES "
                "(1, 1, 0, 1440, 0, 0, 0, 0, 0, '서울 마포구', '2026-11-27 00:00:00', '2026-11-27 00:00:00')"))
        flask_migrate.upgrade(revision="0011")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id, name_roman FROM seoul_lots ORDER BY id")).all() == [
                (1, GANGNAM_ROMAN), (2, None)]
            assert connection.execute(text("SELECT memo_roman FROM seoul_lot_operations")).scalar() == "Seoul Mapogu"
        flask_migrate.downgrade(revision="0010")
        assert "name_roman" not in {c["name"] for c in inspect(db.engine).get_columns("seoul_lots")}
        db.engine.dispose()


@pytest.mark.parametrize(("language", "shown"), [
    ("en", (GANGNAM_EN, GANGNAM, None, "ko")),
    ("fi", ("Gangnam-asema, kunnallinen pysäköintialue", GANGNAM, None, "ko")),
    ("ko", (GANGNAM, GANGNAM_ROMAN, "ko", None)),
])
def test_display_name_puts_the_page_languages_form_first(language, shown):
    name = SeoulLot(name=GANGNAM).display_name(language)
    assert (name.first, name.second, name.first_lang, name.second_lang) == shown


def test_a_name_without_hangul_is_shown_once_in_every_language():
    for language in ("en", "ko"):
        name = SeoulLot(name="Lotte World Tower P2").display_name(language)
        assert (name.first, name.second, name.first_lang) == ("Lotte World Tower P2", None, None)
        assert str(name) == "Lotte World Tower P2"
