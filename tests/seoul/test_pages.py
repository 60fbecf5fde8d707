"""Seoul lots for drivers and admins: list, lot page, calculator, live block, map layer, admin pages, CLI."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.seoul.support import INFRA_ID, KEY, OPER_FIELDS, SECRET, SECRET_HEX, push_client, register_lot
from tests.support.statements import statements
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.seoul import ingest as seoul_ingest
from webapp.seoul.models import SeoulLot, SeoulLotOperation, SeoulOccupancySample, SeoulOperatorKey, SeoulSpace
from webapp.seoul.operator import feed as seoul_feed
from webapp.seoul.operator.demo_data import DEMO_KEY
from webapp.seoul.operator.push_client import SpaceReport

FEES = "₩1,000/30 mins, then ₩500/10 mins, day max ₩12,000"


@pytest.fixture
def lot_id(app):
    return register_lot(app)


@pytest.fixture
def driver(client, make_user, login):
    login(make_user())
    return client


@pytest.fixture
def admin(client, make_user, login):
    login(make_user("boss@example.com", role="admin"))
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- list and lot page ---------------------------------------------------------------------


def test_list_shows_free_spaces_fees_and_names_in_the_readers_words_beside_the_korean(driver, lot_id):
    html = driver.get("/seoul/lots").get_data(as_text=True)
    assert ('<span class="lot-name">Sejong-ro public car park</span> '
            '<span class="lot-name-other muted" lang="ko">세종로 공영주차장</span>') in html
    text = _text(html)
    assert "67 of 124 free" in text and FEES in text and "Visitors welcome" in text


def test_stale_sample_shows_no_live_data_with_its_age(app, driver, lot_id):
    old = utcnow() - timedelta(minutes=40)
    seoul_ingest.receive_push("ParkStatPost", {"key": [KEY], "infra_id": [INFRA_ID], "current_parking": ["10"]},
                              now=old)
    lot = db.session.get(SeoulLot, lot_id)
    lot.current_at = old  # the registration's own sample was newer
    db.session.commit()
    text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "No live data" in text and "last report 40 minutes ago" in text
    assert "of 124 free" not in text


def test_lot_page_shows_tariff_passes_discounts_floors_and_chart(driver, lot_id):
    html = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    text = _text(html)
    assert '<small class="lot-name-other muted" lang="ko">세종로 공영주차장</small></h1>' in html
    for expected in (FEES, "₩68,000", "₩36,000", "Compact car: −50%", "National merit: −30%",
                     "Odd and even days: a car whose plate ends in an odd digit",
                     "08:00–22:30", "09:00–21:40", "08:30–21:30",
                     "Basement 1 (B1): 4 free, 2 occupied", "Basement 2 (B2): 3 free, 0 occupied",
                     "B1-003: occupied", "B1-001: free"):
        assert expected in text, expected
    svg = re.search(r"<svg class=\"occupancy-chart\".*?</svg>", html, re.S).group(0)
    assert "<title id=\"chart-title\">Cars parked over the last 24 hours</title>" in svg and "<polyline" in svg
    assert "the latest count is 57" in text


def test_chart_of_a_day_of_minute_samples_is_thinned_to_five_minute_points(app, driver, lot_id):
    now = utcnow()
    db.session.add_all(SeoulOccupancySample(lot_id=lot_id, at=now - timedelta(minutes=m), received_at=now,
                                            method="ParkStatPost", current_parking=m % 120) for m in range(1, 1440))
    db.session.commit()
    html = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    points = re.search(r'<polyline points="([^"]+)"', html).group(1).split()
    assert 280 <= len(points) <= 290


def test_calculator_prices_the_stay_without_javascript(driver, lot_id):
    text = _text(driver.get(f"/seoul/lots/{lot_id}?hours=1&minutes=5").get_data(as_text=True))
    assert "1 hr 5 mins: ₩3,000" in text and "4 extra units × ₩500 ₩2,000" in text
    assert "Base fee (first 30 mins) ₩1,000" in text


def test_calculator_applies_the_day_maximum_and_a_discount(driver, lot_id):
    text = _text(driver.get(f"/seoul/lots/{lot_id}?hours=25&minutes=0&discount=compact").get_data(as_text=True))
    assert "1 day 1 hr: ₩7,500" in text
    assert "Day 1 of the stay (1 day) Base fee (first 30 mins) ₩1,000 141 extra units × ₩500 ₩70,500 " \
           "Day maximum ₩12,000 −₩59,500" in text
    assert "Day 2 of the stay (1 hr) 6 extra units × ₩500 ₩3,000" in text
    assert "Discount −50% −₩7,500 Total ₩7,500" in text


def _won(text: str) -> int:
    sign = -1 if text.startswith("−") else 1
    return sign * int(re.sub(r"[^0-9]", "", text))


def _price_lines(html: str) -> tuple[list[int], int]:
    """The amounts of the calculator's lines and its total, as the page shows them."""
    table = re.search(r'<table class="totals price-lines">(.*?)</table>', html, re.S).group(1)
    body, foot = table.split("<tfoot>")
    amounts = [_won(cell.strip()) for cell in re.findall(r'<td class="amount">(.*?)</td>', body, re.S)]
    return amounts, _won(re.search(r'<th class="amount">(.*?)</th>', foot, re.S).group(1).strip())


def test_a_30_hour_stay_shows_its_second_day_and_the_lines_add_up(driver, lot_id):
    html = driver.get(f"/seoul/lots/{lot_id}?hours=30&minutes=0").get_data(as_text=True)
    text = _text(html)
    assert "1 day 6 hrs: ₩24,000" in text
    assert "Day 2 of the stay (6 hrs) 36 extra units × ₩500 ₩18,000 Day maximum ₩12,000 −₩6,000" in text
    amounts, total = _price_lines(html)
    assert sum(amounts) == total == 24_000


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(minutes=st.integers(1, 72 * 60), discount=st.sampled_from(["", "compact", "national_merit", "many_children"]))
def test_the_calculator_lines_add_up_to_its_total_for_any_stay_up_to_72_hours(driver, lot_id, minutes, discount):
    hours, rest = divmod(minutes, 60)
    html = driver.get(f"/seoul/lots/{lot_id}?hours={hours}&minutes={rest}&discount={discount}",
                      headers={"HX-Request": "true", "HX-Target": "price-quote"}).get_data(as_text=True)
    amounts, total = _price_lines(html)
    assert sum(amounts) == total
    assert f"₩{total:,}" in re.search(r'<p class="price-total">(.*?)</p>', html, re.S).group(1)


def test_calculator_over_htmx_returns_only_the_price_block(driver, lot_id):
    response = driver.get(f"/seoul/lots/{lot_id}?hours=2&minutes=0",
                          headers={"HX-Request": "true", "HX-Target": "price-quote"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="price-quote"') and "2 hrs: ₩5,500" in _text(html)
    assert "<h1" not in html and "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(("query", "message"), [
    ("hours=-1", "Number must be between 0 and 720"),
    ("hours=2&discount=bogus", "This lot does not offer that discount."),
])
def test_calculator_refuses_bad_input_with_422(driver, lot_id, query, message):
    response = driver.get(f"/seoul/lots/{lot_id}?{query}", headers={"HX-Request": "true", "HX-Target": "price-quote"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_live_block_refreshes_itself_and_has_a_plain_link(driver, lot_id):
    page = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in page and f'href="/seoul/lots/{lot_id}#live-figures"' in page
    push_client(driver.application).park_stat(KEY, INFRA_ID, 100)
    response = driver.get(f"/seoul/lots/{lot_id}/live", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="live-figures"') and "24 of 124 free" in _text(html)
    plain = driver.get(f"/seoul/lots/{lot_id}/live")
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/seoul/lots/{lot_id}#live-figures")


def test_lot_not_yet_described_by_its_operator_is_404(app, driver):
    from webapp.seoul import admin as seoul_admin

    seoul_admin.add_key("EMPTYKEY")
    lot = seoul_admin.add_lot("EMPTYKEY", "1", SECRET_HEX)
    assert driver.get(f"/seoul/lots/{lot.id}").status_code == 404
    assert driver.get("/seoul/lots/999").status_code == 404


@pytest.mark.parametrize(("path", "status"), [("/seoul/lots", 200), ("/seoul/lots/1", 404)])
def test_pages_are_open_to_guests(client, path, status):
    assert client.get(path).status_code == status  # looking needs no account (tests/web/test_access.py)


# --- the map layer -----------------------------------------------------------------------------


# --- admin pages ----------------------------------------------------------------------------


ADMIN_PATHS = [("get", "/admin/seoul/keys"), ("get", "/admin/seoul/lots"), ("post", "/admin/seoul/keys"),
               ("post", "/admin/seoul/lots"), ("post", "/admin/seoul/keys/1/suspend"),
               ("post", "/admin/seoul/keys/1/reactivate"), ("get", "/admin/seoul/keys/1/suspend")]


@pytest.mark.parametrize(("method", "path"), ADMIN_PATHS)
def test_drivers_get_403_on_seoul_admin_pages(driver, lot_id, method, path):
    assert getattr(driver, method)(path).status_code == 403


def test_admin_lists_keys_with_todays_usage_and_limit(admin, lot_id):
    text = _text(admin.get("/admin/seoul/keys").get_data(as_text=True))
    assert f"{KEY} 4 / 10,000" in text and "active" in text


def test_admin_issues_suspends_and_reactivates_a_key(admin):
    response = admin.post("/admin/seoul/keys", data={"key": "NEWKEY01", "request_limit": "500"})
    assert response.status_code == 303
    key = db.session.scalar(select(SeoulOperatorKey).where(SeoulOperatorKey.key == "NEWKEY01"))
    assert key.request_limit == 500 and key.status == "issued"
    assert admin.post(f"/admin/seoul/keys/{key.id}/suspend", data={"confirmed": "yes"}).status_code == 303
    db.session.expire_all()
    assert key.status == "suspended"
    assert "suspended" in admin.get("/admin/seoul/keys").get_data(as_text=True)
    admin.post(f"/admin/seoul/keys/{key.id}/reactivate")
    db.session.expire_all()
    assert key.status == "issued"


@pytest.mark.parametrize("key", [KEY, KEY.lower(), KEY.title()])
def test_admin_refuses_a_taken_key_in_any_case_with_422(admin, lot_id, key):
    response = admin.post("/admin/seoul/keys", data={"key": key})
    assert response.status_code == 422 and "This key exists already." in response.get_data(as_text=True)


def test_suspend_asks_for_confirmation_before_acting(admin, lot_id):
    key = db.session.scalar(select(SeoulOperatorKey).where(SeoulOperatorKey.key == KEY))
    keys_page = admin.get("/admin/seoul/keys").get_data(as_text=True)
    assert f'href="/admin/seoul/keys/{key.id}/suspend"' in keys_page  # a link to the question, not a POST
    question = admin.get(f"/admin/seoul/keys/{key.id}/suspend")
    assert question.status_code == 200
    assert f"Suspend key {KEY}?" in question.get_data(as_text=True) and "0021" in question.get_data(as_text=True)
    # a bare POST (no confirmation) changes nothing and leads to the question
    response = admin.post(f"/admin/seoul/keys/{key.id}/suspend")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/keys/{key.id}/suspend")
    db.session.expire_all()
    assert key.status == "issued"


def test_admin_registers_a_lot_and_never_shows_the_secret_again(admin, lot_id):
    response = admin.post("/admin/seoul/lots", data={"key": KEY, "infra_id": "171799", "secret": "ab" * 16})
    assert response.status_code == 303
    page = admin.get("/admin/seoul/lots").get_data(as_text=True)
    assert "171799" in page and "ab" * 16 not in page
    assert "Lot 171799 registered" in page
    stored = db.session.scalar(select(SeoulLot.sealed_secret).where(SeoulLot.infra_id == "171799"))
    assert "ab" * 16 not in stored


def test_admin_lot_form_error_does_not_echo_the_secret(admin, lot_id):
    response = admin.post("/admin/seoul/lots", data={"key": KEY, "infra_id": "17170", "secret": "cd" * 15 + "zz"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "32 hexadecimal digits" in html and "cd" * 15 not in html


def test_admin_lot_list_shows_the_last_push_result(admin, app, lot_id):
    push_client(app).park_stat(KEY, INFRA_ID, 99999)
    text = _text(admin.get("/admin/seoul/lots").get_data(as_text=True))
    assert "ParkStatPost 0100" in text and "current_parking must be a number of at most 4 digits" in text


# --- CLI ----------------------------------------------------------------------------------


def test_cli_adds_suspends_keys_and_adds_a_lot(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["seoul", "key", "add", "CLIKEY01", "--limit", "50"])
    assert out.exit_code == 0 and "CLIKEY01 issued, 50 requests a day" in out.output
    out = runner.invoke(args=["seoul", "lot", "add", "--key", "CLIKEY01", "--infra-id", "9", "--secret", SECRET_HEX])
    assert out.exit_code == 0 and SECRET_HEX not in out.output
    out = runner.invoke(args=["seoul", "key", "suspend", "CLIKEY01"])
    assert out.exit_code == 0 and "suspended" in out.output
    out = runner.invoke(args=["seoul", "key", "suspend", "NOSUCHKEY"])
    assert out.exit_code != 0


def test_cli_lot_add_asks_for_the_secret_without_echo(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seoul", "key", "add", "CLIKEY02"])
    out = runner.invoke(args=["seoul", "lot", "add", "--key", "CLIKEY02", "--infra-id", "9"], input=SECRET_HEX + "\n")
    assert out.exit_code == 0 and SECRET_HEX not in out.output


def test_cli_push_round_trips_in_process(app, lot_id):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["seoul", "push", "ParkStatPost", "--key", KEY, "--infra-id", INFRA_ID,
                              "current_parking=12"])
    assert out.exit_code == 0 and out.output.startswith("0000")
    out = runner.invoke(args=["seoul", "push", "ParkWritePost", "--key", KEY, "--infra-id", INFRA_ID,
                              "--secret", SECRET_HEX, "parking_lot_name=세종로", "capacity=124",
                              "sync_time=2026-11-23 10:00:20.320"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["seoul", "push", "ParkSpacePost", "--key", KEY, "--infra-id", INFRA_ID, "count=2",
                              "floor_class=B", "floor_number=1", "parking_space_id=B1-001", "parking_space_status=I"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["seoul", "push", "ParkStatPost", "--key", "WRONGKEY", "--infra-id", INFRA_ID,
                              "current_parking=12"])
    assert out.exit_code == 1 and "0020 Unregistered key" in out.output
    db.session.expire_all()
    lot = db.session.get(SeoulLot, lot_id)
    assert (lot.name, lot.current_parking) == ("세종로", 12)


def test_demo_lots_are_registered_through_the_protocol_once(app):
    assert seoul_feed.load_demo(history_hours=2, history_step=60) >= 30
    assert seoul_feed.load_demo() == 0  # idempotent
    db.session.expire_all()
    lots = db.session.scalars(select(SeoulLot).join(SeoulOperatorKey).where(SeoulOperatorKey.key == DEMO_KEY)).all()
    assert len(lots) >= 30
    # every lot was described by pushes: lot info with its sync time, tariffs, samples and a floor grid
    assert all(lot.name and lot.sync_time and lot.operation and lot.space_count for lot in lots)
    assert {lot.last_method for lot in lots} == {"ParkSpacePost"}
    districts = {"종로구", "중구", "강남구", "서초구", "마포구", "용산구", "송파구", "영등포구"}
    assert districts <= {d for lot in lots for d in districts if d in lot.operation.notify_memo}
    samples = db.session.scalar(select(func.count()).select_from(SeoulOccupancySample))
    assert samples == len(lots) * 3  # two hourly history samples and the live one


def test_cli_simulate_drives_arrivals_departures_totals_and_grids(app):
    seoul_feed.load_demo(history_hours=0)
    before = db.session.scalar(select(func.max(SeoulOccupancySample.id))) or 0
    out = app.test_cli_runner().invoke(args=["seoul", "simulate", "--minutes", "2", "--speed", "0", "--seed", "7"])
    assert out.exit_code == 0, out.output
    assert "refused" in out.output and "0000 ×" in out.output and "0010" not in out.output
    methods = dict(db.session.execute(
        select(SeoulOccupancySample.method, func.count()).where(SeoulOccupancySample.id > before)
        .group_by(SeoulOccupancySample.method)).all())
    assert methods["ParkStatPost"] == 2 * 36 and methods.get("ParkStatPost2", 0) > 0


# --- the lot page keeps its chart and floors per version of the lot's data (issue 18) ------------------


def _versions(lot_id: int) -> tuple[int, int]:
    db.session.expire_all()
    return tuple(db.session.execute(select(SeoulLot.data_version, SeoulLot.sample_version)
                                    .where(SeoulLot.id == lot_id)).one())


def test_a_sample_through_the_receiver_shows_at_the_next_visit(app, driver, lot_id):
    assert "the latest count is 57" in _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    data, samples = _versions(lot_id)
    assert push_client(app).park_stat(KEY, INFRA_ID, 99).ok  # the receiver's Core statement
    assert _versions(lot_id) == (data, samples + 1)
    text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "the latest count is 99" in text and "25 of 124 free" in text


def test_a_space_report_shows_at_the_next_visit_on_the_page_and_in_the_live_block(app, driver, lot_id):
    assert "B1-003: occupied" in _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert push_client(app).park_space(KEY, INFRA_ID, 124, [SpaceReport("B1-003", "B", 1, False)]).ok
    for path, headers in ((f"/seoul/lots/{lot_id}", {}), (f"/seoul/lots/{lot_id}/live", {"HX-Request": "true"})):
        text = _text(driver.get(path, headers=headers).get_data(as_text=True))
        assert "B1-003: free" in text and "B1-003: occupied" not in text, path


@pytest.mark.parametrize("write", ["space", "sample", "operation", "lot"])
def test_every_orm_write_of_a_lots_data_raises_its_version(app, lot_id, write):
    data, samples = _versions(lot_id)
    if write == "space":
        db.session.scalars(select(SeoulSpace).where(SeoulSpace.lot_id == lot_id)).first().occupied = None
    elif write == "sample":
        sample = db.session.scalars(select(SeoulOccupancySample).where(SeoulOccupancySample.lot_id == lot_id)).first()
        sample.current_parking += 1
    elif write == "operation":
        db.session.get(SeoulLotOperation, lot_id).rates += 100
    else:
        db.session.get(SeoulLot, lot_id).capacity = 125
    db.session.commit()
    assert _versions(lot_id) == ((data, samples + 1) if write == "sample" else (data + 1, samples))


def test_a_page_with_nothing_new_reads_neither_samples_nor_spaces(app, driver, lot_id, moving_clock):
    # the chart is kept per minute: time stands still so both visits fall in the same one
    moving_clock.start_at(utcnow() + timedelta(seconds=1))
    first = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    with statements() as sent:
        again = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    assert again == first
    assert sent and not [s for s in sent if "seoul_occupancy_samples" in s or "seoul_spaces" in s], sent


def test_the_parking_banner_is_read_once_however_many_parts_the_page_renders(app, driver, lot_id):
    """The first visit renders the page and five kept parts (floors, chart, heading, tariffs, facts): the
    driver's running parkings, which only the layout's banner shows, are read once, not once per part."""
    with statements() as sent:
        assert driver.get(f"/seoul/lots/{lot_id}").status_code == 200
    banner = [s for s in sent if "FROM bookings" in s and "bookings.ends_at >" in s]
    assert len(banner) == 1, banner


def test_a_new_sample_redraws_the_chart_and_leaves_the_floors_as_they_were(app, driver, lot_id):
    driver.get(f"/seoul/lots/{lot_id}")
    assert push_client(app).park_stat(KEY, INFRA_ID, 99).ok
    with statements() as sent:
        text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "the latest count is 99" in text and "B1-003: occupied" in text
    assert [s for s in sent if "seoul_occupancy_samples" in s], sent
    assert not [s for s in sent if "seoul_spaces" in s], sent


def test_new_fees_and_hours_show_at_the_next_visit_in_each_language(app, driver, lot_id):
    """The name, fees, hours and facts are kept as HTML per version of the lot's data and language."""
    text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "Fees and opening hours" in text and "₩1,000 for the first 30 mins" in text and "08:00–22:30" in text
    finnish = _text(driver.get(f"/seoul/lots/{lot_id}?lang=fi").get_data(as_text=True))
    assert "Maksut ja aukioloajat" in finnish and "Fees and opening hours" not in finnish and "8.00–22.30" in finnish
    changed = {**OPER_FIELDS, "rates": 1500, "weekday_begin_time": "0700"}
    assert push_client(app).park_oper(KEY, INFRA_ID, SECRET, changed).ok
    text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "₩1,500 for the first 30 mins" in text and "07:00–22:30" in text and "₩1,000 for" not in text


def test_a_request_naming_the_price_block_without_htmx_gets_the_whole_page(driver, lot_id):
    """Only htmx gets the price block alone; a request with its target but not htmx's header gets every part."""
    html = driver.get(f"/seoul/lots/{lot_id}?hours=2", headers={"HX-Target": "price-quote"}).get_data(as_text=True)
    assert "Fees and opening hours" in html and 'id="live-figures"' in html and "<polyline" in html
    assert "None" not in _text(html)
