"""Every cmd and result code of seed 001: RentcarClient against the rent-car server sandbox, in-process."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import pytest

from webapp.core.errors import (
    ProviderAuthError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.rentcar.client import RESULT_CODES, RentcarClient, api_cost
from webapp.rentcar.sandbox import RESULT_MESSAGES, create_sandbox
from webapp.rentcar.sandbox.store import cost_report

DEMO = {"uid": "demo-agency", "passcode": "demo-passcode"}
NOW = datetime(2026, 12, 1, 10, 0)  # a Tuesday, KST
SD, ED = datetime(2026, 12, 10, 9, 0), datetime(2026, 12, 13, 9, 0)
DRIVER = {"name": "김민수", "phone": "010-1234-5678"}


@pytest.fixture
def env(tmp_path):
    """(client, sandbox, raw http) on a sandbox whose clock is fixed at NOW."""
    sandbox = create_sandbox(tmp_path, DEMO)
    sandbox.extensions["rentcar_state"]["now"] = NOW
    http = build_http_client(HttpSettings("rentcar", "https://rentcar.sandbox/", retries=0),
                             transport=SandboxTransport(sandbox))
    yield RentcarClient(http, DEMO["uid"], DEMO["passcode"]), sandbox, http
    http.close()


def _car(client, company="HALLA", name="아이오닉5", start=SD, end=ED):
    return next(c for c in client.search_cars(start, end, companies=[company]) if c.name == name)


def _book(client, car, start=SD, end=ED, ref="RC-TEST01", **kwargs):
    return client.reserve(car.company_code, start, end, car.mid, car_fee_check=kwargs.pop("fee", car.fee),
                          dealer_ref=ref, **DRIVER, **kwargs)


def _code(call) -> str:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value.code


# -- the searches ------------------------------------------------------------------------


def test_search_all_companies_returns_every_models_fees_and_covers(env):
    client, _, _ = env
    cars = client.search_cars(SD, ED)
    assert len({c.company for c in cars}) == 5 and len(cars) >= 30
    ioniq = next(c for c in cars if c.company == "한라렌트카" and c.name == "아이오닉5")
    assert ioniq.fuel == "전기" and ioniq.seats == 5 and ioniq.min_age == 23
    assert ioniq.fee_option1 > ioniq.fee and ioniq.fee_option2 > ioniq.fee_option1 and ioniq.list_fee > ioniq.fee
    assert [cover.code for cover in ioniq.covers] == [1, 2]
    assert ioniq.covers[1].fee_with_cover == ioniq.fee_option2 and ioniq.covers[1].deductible == "면제"
    assert ioniq.agency_model_code == ""  # _r: no agency mapping


def test_matched_search_carries_the_agency_codes_and_leaves_unmatched_models_out(env):
    client, _, _ = env
    matched = client.search_cars(SD, ED, matched=True)
    everything = client.search_cars(SD, ED)
    assert all(c.agency_model_code for c in matched)
    assert {c.name for c in everything} - {c.name for c in matched} == {"벤츠 E300", "아반떼 (수동)"}


def test_search_by_model_codes_and_by_company_bound_model_numbers(env):
    client, _, _ = env
    by_code = client.search_cars(SD, ED, matched=True, models=["IONIQ5", "EV6"])
    assert {c.agency_model_code for c in by_code} == {"IONIQ5", "EV6"} and len(by_code) >= 4
    bound = client.search_cars(SD, ED, models=["HALLA$10106", "탐라렌트카@10204"])
    assert {(c.company_code, c.mid) for c in bound} == {("HALLA", 10106), ("TAMRA", 10204)}


def test_company_bound_models_cannot_go_with_rccode(env):
    client, _, _ = env
    with pytest.raises(ProviderRejectedError) as caught:
        client.search_cars(SD, ED, companies=["HALLA"], models=["HALLA$10106"])
    assert caught.value.code == "9100" and caught.value.field == "mid"


def test_block_search_adds_the_cars_held_for_the_agency(env):
    client, _, _ = env
    plain = _car(client, "HALLA", "아이오닉5")
    with_block = next(c for c in client.search_cars(SD, ED, companies=["HALLA"], blocks=True) if c.mid == plain.mid)
    assert with_block.available == plain.available + 2


def test_overlapping_reservations_reduce_availability_until_sold_out(env):
    client, _, _ = env
    car = _car(client, "HALLA", "스타리아")  # one car, no block
    assert car.available == 1
    _book(client, car)
    assert all(c.mid != car.mid for c in client.search_cars(SD, ED, companies=["HALLA"]))
    # the day after the return is free again; an overlapping one is sold out
    assert _car(client, "HALLA", "스타리아", datetime(2026, 12, 13, 10), datetime(2026, 12, 14, 10)).available == 1
    assert _code(lambda: _book(client, car, datetime(2026, 12, 12, 9), datetime(2026, 12, 14, 9),
                               ref="RC-TEST02")) == "0200"


def test_insurance_lists_matched_and_all_with_fees_for_the_period(env):
    client, _, _ = env
    everything = client.insurance_list(SD, ED, companies=["HALLA"])
    matched = client.insurance_list(SD, ED, companies=["HALLA"], matched=True, models=["IONIQ5"])
    assert len(everything) == 3 and len(matched) == 2
    assert all(i.agency_code and i.applies_to(10106) for i in matched)
    super_cover = next(i for i in everything if i.name == "슈퍼자차")
    assert super_cover.fee == 27000 * 3 and super_cover.deductible == "면제"


def test_extra_list_for_one_model(env):
    client, _, _ = env
    extras = client.extra_list(SD, ED, models=["HALLA$10101"])
    names = [e.name for e in extras]
    assert names.count("카시트") == 2 and "스노우체인" not in names  # chains only for SUVs and vans
    wifi = next(e for e in extras if e.name == "포켓 와이파이")
    assert wifi.fee == 5000 * 3 and any(e.is_cover_addon for e in extras)


# -- reservations ----------------------------------------------------------------------------


def test_reserve_with_cover_option_and_extras_then_detail_by_our_reference(env):
    client, _, _ = env
    car = _car(client)
    seat = next(e for e in client.extra_list(SD, ED, models=[f"HALLA${car.mid}"]) if e.content.startswith("유아"))
    booked = _book(client, car, option_ins=2, fee=car.fee_option2, gids=[seat.gid], extras_fee_check=seat.fee,
                   custfee=0)
    assert booked.state == "예약대기" and booked.cover_option == "완전자차" and booked.extra_names == ["카시트"]
    assert booked.car_fee == car.fee_option2 and booked.total == car.fee_option2 + seat.fee
    assert booked.paid_directly == 0 and booked.agency_unpaid == booked.total
    assert booked.change_deadline == datetime(2026, 12, 9, 9, 0)  # HALLA: 24 hours before pick-up
    found = client.reservation_detail("HALLA", dealer_ref="RC-TEST01")
    assert found.revnum == booked.revnum


def test_reserve_with_an_insurance_product(env):
    client, _, _ = env
    car = _car(client)
    cover = next(i for i in client.insurance_list(SD, ED, companies=["HALLA"]) if i.name == "고급자차")
    booked = _book(client, car, insid=cover.insid, insurance_fee_check=cover.fee)
    assert booked.insurance == "고급자차" and booked.insurance_fee == cover.fee


@pytest.mark.parametrize(("delta", "ignore", "code"), [
    (100, False, None), (-100, False, None), (101, False, "0310"), (-101, False, "0310"),
    (5000, True, None),  # the current fee is lower than our check: ignorefeechkunder lets it through
    (-5000, True, "0310"),  # never book at more than the driver saw
])
def test_fee_check_tolerates_100_krw(env, delta, ignore, code):
    client, _, _ = env
    car = _car(client)
    call = lambda: _book(client, car, fee=car.fee + delta, ignore_lower_fee=ignore)  # noqa: E731
    if code is None:
        assert call().car_fee == car.fee
    else:
        assert _code(call) == code


def test_update_to_the_final_state_with_the_new_total(env):
    client, _, _ = env
    car = _car(client, "HALLA", "모닝")
    booked = _book(client, car, option_ins=1, fee=car.fee_option1)
    later = datetime(2026, 12, 14, 9, 0)
    quote = _car(client, "HALLA", "모닝", end=later)
    changed = client.update_reservation("HALLA", booked.revnum, start=SD, end=later, mid=car.mid, option_ins=2,
                                        fee_sum_check=quote.fee_option2)
    assert changed.ends_at == later and changed.cover_option == "완전자차" and changed.total == quote.fee_option2
    # a cover left out of the final state is removed (seed revupdate)
    bare = client.update_reservation("HALLA", booked.revnum, start=SD, end=later, mid=car.mid,
                                     fee_sum_check=quote.fee)
    assert bare.cover_option == "" and bare.total == quote.fee


def test_update_with_a_wrong_total_is_0310(env):
    client, _, _ = env
    car = _car(client)
    booked = _book(client, car)
    assert _code(lambda: client.update_reservation("HALLA", booked.revnum, start=SD, end=datetime(2026, 12, 14, 9),
                                                   mid=car.mid, fee_sum_check=car.fee)) == "0310"


def test_add_and_delete_extras(env):
    client, _, _ = env
    car = _car(client)
    booked = _book(client, car)
    extras = client.extra_list(SD, ED, models=[f"HALLA${car.mid}"])
    wifi = next(e for e in extras if e.name == "포켓 와이파이")
    seats = [e for e in extras if e.name == "카시트"]
    with_wifi = client.add_extra("HALLA", booked.revnum, wifi.gid, wifi.fee)
    assert with_wifi.extra_names == ["포켓 와이파이"] and with_wifi.extras_fee == wifi.fee
    assert _code(lambda: client.add_extra("HALLA", booked.revnum, wifi.gid, wifi.fee)) == "0128"
    assert _code(lambda: client.add_extra("HALLA", booked.revnum, 99999, 0)) == "0127"
    assert _code(lambda: client.add_extra("HALLA", booked.revnum, seats[0].gid, seats[0].fee + 500)) == "0310"
    for seat in seats:
        client.add_extra("HALLA", booked.revnum, seat.gid, seat.fee)
    assert _code(lambda: client.delete_extra("HALLA", booked.revnum, "카시트")) == "0511"
    assert _code(lambda: client.delete_extra("HALLA", booked.revnum, "유모차")) == "0510"
    assert client.delete_extra("HALLA", booked.revnum, "포켓 와이파이").extra_names == ["카시트", "카시트"]


def test_cancel_with_a_reason_then_it_cannot_be_cancelled_again(env):
    client, _, _ = env
    booked = _book(client, _car(client))
    assert _code(lambda: client.cancel_reservation("HALLA", booked.revnum, reason="x" * 201)) == "0620"
    cancelled = client.cancel_reservation("HALLA", booked.revnum, reason="일정 변경")
    assert cancelled.state == "취소" and cancelled.reason == "일정 변경"
    assert _code(lambda: client.cancel_reservation("HALLA", booked.revnum)) == "0610"


def test_revlist_pages_by_departure_or_acceptance_with_or_without_cancelled(env):
    client, _, _ = env
    car = _car(client, "HALLA", "모닝")
    refs = [_book(client, car, ref=f"RC-LIST{n}").revnum for n in range(3)]
    client.cancel_reservation("HALLA", refs[0])
    page = client.reservations("HALLA", first="20261210", last="20261210", page_count=1)
    assert page.total_count == 2 and len(page.reservations) == 1
    assert page.reservations[0].channel == "실시간API" and page.reservations[0].dealer_revnum.startswith("RC-LIST")
    assert client.reservations("HALLA", first="20261210", last="20261210", with_cancelled=True).total_count == 3
    assert client.reservations("HALLA", first="20261201", last="20261201", by_acceptance=True).total_count == 2
    assert client.reservations("HALLA", first="20261211", last="20261231").total_count == 0  # 9800: empty


# -- result codes ----------------------------------------------------------------------------


def test_time_rules_0111_to_0114(env):
    client, _, _ = env
    car = _car(client)
    book = lambda start, end: _book(client, car, start, end)  # noqa: E731
    assert _code(lambda: book(datetime(2026, 12, 10, 6, 0), ED)) == "0111"  # HALLA opens at 07
    assert _code(lambda: book(datetime(2027, 7, 1, 9), datetime(2027, 7, 2, 9))) == "0112"  # 180 days ahead
    assert _code(lambda: book(datetime(2026, 11, 30, 9), ED)) == "0112"  # the past
    assert _code(lambda: book(SD, datetime(2027, 1, 20, 9))) == "0113"  # over 30 days
    assert _code(lambda: book(datetime(2026, 12, 1, 11, 0), datetime(2026, 12, 2, 11))) == "0114"  # 2 h lead


def test_search_for_one_company_says_which_time_rule_refuses(env):
    client, _, _ = env
    with pytest.raises(ProviderRejectedError) as caught:
        client.search_cars(datetime(2026, 12, 10, 6, 0), ED, companies=["HALLA"])
    assert caught.value.code == "0111" and caught.value.visible_to_user


@pytest.mark.parametrize(("kwargs", "code", "kind"), [
    ({"company": "NOPE"}, "0120", ProviderNotFoundError),
    ({"mid": 10201}, "0121", ProviderNotFoundError),  # TAMRA's model at HALLA
    ({"insid": 99999, "insurance_fee_check": 0}, "0122", ProviderNotFoundError),
    ({"option_ins": 1, "insid": 901, "insurance_fee_check": 0}, "0125", ProviderRejectedError),
    ({"gids": [99999], "extras_fee_check": 0}, "0127", ProviderRejectedError),
    ({"gids": [501, 501], "extras_fee_check": 20000}, "0128", ProviderRejectedError),
    ({"dealer_ref": "R" * 51}, "0131", ProviderRejectedError),
])
def test_reference_errors(env, kwargs, code, kind):
    client, _, _ = env
    car = _car(client)
    params = {"company": "HALLA", "mid": car.mid, "dealer_ref": "RC-REF1", **kwargs}
    with pytest.raises(kind) as caught:
        client.reserve(params.pop("company"), SD, ED, params.pop("mid"), car_fee_check=car.fee, **DRIVER, **params)
    assert caught.value.code == code


def test_0123_model_without_cover_option_and_0124_capped_cover(env):
    client, _, _ = env
    manual = _car(client, "OREUM", "아반떼 (수동)")
    assert _code(lambda: _book(client, manual, option_ins=1)) == "0123"
    car = _car(client)
    super_cover = next(i for i in client.insurance_list(SD, ED, companies=["HALLA"]) if i.name == "슈퍼자차")
    long_end = datetime(2026, 12, 19, 9)
    assert _code(lambda: _book(client, _car(client, end=long_end), end=long_end, insid=super_cover.insid,
                               insurance_fee_check=27000 * 9)) == "0124"
    assert car.fee  # the 3-day rental with the same cover is fine
    assert _book(client, car, insid=super_cover.insid, insurance_fee_check=super_cover.fee).insurance == "슈퍼자차"


def test_0126_mid_with_carnum(env):
    _, _, http = env
    body = http.post("rtapi/ws_v2.aspx", data={**DEMO, "cmd": "revadd", "rccode": "HALLA", "sd": "202612100900",
                                               "ed": "202612130900", "mid": "10106", "carnum": "12가3456",
                                               "carfeechk": "1", "uname": "a", "phone": "1"}).json()
    assert body["resCode"] == "0126"


def test_0130_our_reference_twice(env):
    client, _, _ = env
    car = _car(client, "HALLA", "모닝")
    _book(client, car, ref="RC-SAME")
    assert _code(lambda: _book(client, car, ref="RC-SAME")) == "0130"


def test_0300_and_0311_unpriced_models(env):
    client, _, _ = env
    assert _code(lambda: client.reserve("OREUM", SD, ED, 10399, car_fee_check=0, dealer_ref="a", **DRIVER)) == "0311"
    assert _code(lambda: client.reserve("SEOULMOB", SD, ED, 10599, car_fee_check=0, dealer_ref="b",
                                        **DRIVER)) == "0300"


def test_0320_custfee_needs_permission_and_0321_model_change_needs_permission(env):
    client, _, _ = env
    car = _car(client, "TAMRA", "모닝")
    assert _code(lambda: _book(client, car, custfee=1000)) == "0320"
    booked = _book(client, car, custfee=0)
    other = _car(client, "TAMRA", "캐스퍼")
    assert _code(lambda: client.update_reservation("TAMRA", booked.revnum, start=SD, end=ED, mid=other.mid,
                                                   fee_sum_check=other.fee)) == "0321"


def test_0400_and_9999_forced_failures(env):
    client, _, http = env
    car = _car(client)
    http.post("_sandbox/force", json={"code": "0400", "cmd": "revadd"})
    with pytest.raises(ProviderUnavailableError) as caught:
        _book(client, car)
    assert caught.value.code == "0400"
    http.post("_sandbox/force", json={"code": "9999"})
    assert _code(lambda: client.company_list()) == "9999"


def test_0500_and_0501_unknown_reservations(env):
    client, _, _ = env
    with pytest.raises(ProviderNotFoundError) as by_number:
        client.reservation_detail("HALLA", revnum="NOPE")
    with pytest.raises(ProviderNotFoundError) as by_ours:
        client.reservation_detail("HALLA", dealer_ref="RC-NOPE")
    assert (by_number.value.code, by_ours.value.code) == ("0500", "0501")


def test_0601_deadline_from_the_company_rules_in_korean_time(env):
    client, sandbox, _ = env
    booked = _book(client, _car(client))  # HALLA: until 24 h before pick-up
    state = sandbox.extensions["rentcar_state"]
    state["now"] = datetime(2026, 12, 9, 9, 0)
    assert client.reservation_detail("HALLA", revnum=booked.revnum).revnum == booked.revnum
    state["now"] = datetime(2026, 12, 9, 9, 1)
    assert _code(lambda: client.cancel_reservation("HALLA", booked.revnum)) == "0601"


def test_same_day_booking_follows_the_same_day_rule(env):
    client, sandbox, _ = env
    sandbox.extensions["rentcar_state"]["now"] = datetime(2026, 12, 10, 0, 5)  # just after midnight KST
    start, end = datetime(2026, 12, 10, 9, 0), datetime(2026, 12, 11, 9, 0)
    halla = _book(client, _car(client, start=start, end=end), start, end)  # same day: 60 minutes before
    assert halla.change_deadline == datetime(2026, 12, 10, 8, 0)
    tamra = _book(client, _car(client, "TAMRA", "모닝", start, end), start, end, ref="RC-TAMRA")
    assert tamra.change_deadline == datetime(2026, 12, 10, 0, 5)  # R당일취소허용시간 < 0: never
    sandbox.extensions["rentcar_state"]["now"] = datetime(2026, 12, 10, 0, 6)
    assert _code(lambda: client.cancel_reservation("TAMRA", tamra.revnum)) == "0601"


def test_0610_on_rent_0611_extras_limit_model_0612_and_0129_two_covers(env):
    client, _, http = env
    tucson = _car(client, "HALLA", "투싼")
    chains = next(e for e in client.extra_list(SD, ED, models=[f"HALLA${tucson.mid}"]) if e.name == "스노우체인")
    booked = _book(client, tucson, gids=[chains.gid], extras_fee_check=chains.fee)
    morning = _car(client, "HALLA", "모닝")
    assert _code(lambda: client.update_reservation("HALLA", booked.revnum, start=SD, end=ED, mid=morning.mid,
                                                   fee_sum_check=morning.fee)) == "0611"
    other = _book(client, morning, ref="RC-TWO")
    http.post(f"_sandbox/reservations/{other.revnum}", json={"add_insid": 901})
    http.post(f"_sandbox/reservations/{other.revnum}", json={"add_insid": 902})
    assert _code(lambda: client.update_reservation("HALLA", other.revnum, start=SD, end=ED, mid=morning.mid,
                                                   fee_sum_check=morning.fee)) == "0612"
    assert _code(lambda: client.update_reservation("HALLA", other.revnum, start=SD, end=ED, mid=morning.mid,
                                                   option_ins=1, fee_sum_check=morning.fee_option1)) == "0129"
    http.post(f"_sandbox/reservations/{booked.revnum}", json={"state": "대여중"})
    assert _code(lambda: client.cancel_reservation("HALLA", booked.revnum)) == "0610"


def test_0700_maintenance_from_0400_to_0430_kst_and_switchable(env):
    client, sandbox, http = env
    car = _car(client)
    sandbox.extensions["rentcar_state"]["now"] = datetime(2026, 12, 2, 4, 10)
    with pytest.raises(ProviderUnavailableError) as caught:
        _book(client, car)
    assert caught.value.code == "0700" and caught.value.visible_to_user
    assert client.search_cars(SD, ED, companies=["HALLA"])  # reading is not paused
    http.post("_sandbox/maintenance", json={"on": False})
    assert _book(client, car).revnum
    http.post("_sandbox/maintenance", json={"on": True})
    sandbox.extensions["rentcar_state"]["now"] = datetime(2026, 12, 2, 4, 30)
    assert _book(client, car, ref="RC-AFTER").revnum


def test_9100_names_the_parameter(env):
    client, _, _ = env
    with pytest.raises(ProviderRejectedError) as caught:
        client.search_cars(ED, SD)  # return before pick-up
    assert caught.value.code == "9100" and caught.value.field == "ed"


def test_9200_command_not_permitted(tmp_path):
    sandbox = create_sandbox(tmp_path, {**DEMO, "denied_cmds": "revlist"})
    http = build_http_client(HttpSettings("rentcar", "https://rentcar.sandbox/"), transport=SandboxTransport(sandbox))
    with pytest.raises(ProviderAuthError) as caught:
        RentcarClient(http, **DEMO).reservations("HALLA")
    assert caught.value.code == "9200"


def test_9800_no_result_is_an_empty_list(env):
    client, _, _ = env
    assert client.search_cars(SD, ED, models=["HALLA$1"]) == []


def test_lost_reply_after_commit_is_a_timeout_and_the_reservation_is_there(env):
    client, sandbox, _ = env
    sandbox.extensions["faults"].drop_after_commit = 1
    with pytest.raises(ProviderTimeoutError):
        _book(client, _car(client), ref="RC-LOST")
    assert client.reservation_detail("HALLA", dealer_ref="RC-LOST").state == "예약대기"


def test_3000_call_limit(tmp_path):
    sandbox = create_sandbox(tmp_path, {**DEMO, "daily_cost_limit": "1"})
    http = build_http_client(HttpSettings("rentcar", "https://rentcar.sandbox/"), transport=SandboxTransport(sandbox))
    client = RentcarClient(http, **DEMO)
    client.search_cars(SD, ED)  # 5 companies x 1/10
    client.search_cars(SD, ED)
    with pytest.raises(ProviderRateLimitedError):
        client.search_cars(SD, ED)


# -- cost and the tables -------------------------------------------------------------------


def test_cost_is_metered_per_agency_and_cmd_as_the_seed_prices_it(env):
    client, sandbox, _ = env
    client.search_cars(SD, ED)  # R = 5
    client.search_cars(SD, ED, companies=["HALLA"], blocks=True)
    client.search_cars(SD, ED, models=["HALLA$10106", "TAMRA$10204"])  # 2 pairs
    client.insurance_list(SD, ED, companies=["HALLA", "TAMRA"])
    client.extra_list(SD, ED, models=["HALLA$10101"])  # R is the one company the model names
    report = {row["cmd"]: row["cost"] for row in cost_report(sandbox.extensions["rentcar_store"])}
    assert report == {"carsearch_r": 0.5, "carNblocksearch_r": 0.125, "carsearchbymodelnumbers_r": 0.02,
                      "inslist_r": 0.05, "etclist_r": 0.05}
    assert api_cost("carsearch_r", 5) == Fraction(1, 2) and api_cost("carNblocksearchbymodelcodes", 2, 3) == Fraction(
        6, 80)


def test_every_seed_code_has_a_message_on_both_sides():
    assert set(RESULT_CODES) | {"0000"} == set(RESULT_MESSAGES)


def test_every_result_code_has_a_driver_message(app):
    from webapp.core.errors import ProviderError
    from webapp.rentcar.messages import DRIVER_MESSAGES, driver_message

    assert set(RESULT_CODES) == set(DRIVER_MESSAGES)
    assert "04:30" in driver_message(ProviderError("rentcar", "0700"))
    assert "our side" in driver_message(ProviderError("rentcar", "1000"))  # never the driver's mistake
