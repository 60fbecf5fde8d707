"""Receiver-side parsing and checking of Seoul OpenAPI pushes (seed 000)."""

from datetime import datetime
from urllib.parse import parse_qs, parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from webapp.seoul.fields import KST, METHODS, DayTime
from webapp.seoul.mac import encrypt_infra_id, park_oper_mac, park_write_mac
from webapp.seoul.protocol import (
    ParkOper,
    ParkSpace,
    ParkStat,
    ParkStat2,
    ParkWrite,
    SeoulProtocolError,
    SpaceState,
    infra_id_mac_for,
    needs_lot_secrets,
    parse_push,
    resolve_infra_id,
    result_body,
)

SECRET = b"0123456789ABCDEF"

# The seed's sample requests, verbatim (2.2.1.1 - 2.2.1.5), misprints included.
SEED_SAMPLES = {
    "ParkWritePost": "key=G35N6FFJTB&infra_id=A1fyhSvh%2B60IBJQo6fjmcQ%3D%3D&parking_lot_name=%EB%B0%9C%EC%82%B0%EC%A3"
    "%BC%EC%B0%A8%EC%9E%A5&in_charge=&phone=02-1313-1231&capacity=140&bike_racks=1&compact=2&women=3&disabled=0"
    "&electcar=0&anumcar=0&garden=0&bus=0&sync_time=2013-01-08+13%3A24%3A19.543&position_longitude=126.97796919"
    "&position_lititude=37.566535",
    "ParkOperPost": "key=G35N6FFJTB&infra_id=IKEIGHTHse%2B9yLsEQ28suUA%3D%3D&visitor_access=N&position_class=1"
    "&night_free_open=Y&weekday_begin_time=0800&weekday_end_time=2230&weekend_begin_time=0900&weekend_end_time=2140"
    "&holiday_begin_time=0830&holiday_end_time=2130&rates=1000&time_rate=30&add_rates=500&add_time_rate=10"
    "&day_maximum=12000&day_monthly=36000&night_monthly=42000&all_day_monthly=68000&no_driving_rotation_system=2"
    "&compact_car=50&disabled=20&national_merit=30&many_children=25&store_discount=Y&notify_memo=%EB%8B%A4%EC%96%91"
    "%ED%95%9C+%ED%95%A0%EC%9D%B8%EC%98%B5%EC%85%98%EC%9D%84+%EC%A0%9C%EA%B3%B5%ED%95%98%EA%B3%A0+%EC%9E%88%EC%8A"
    "%B5%EB%8B%88%EB%8B%A4.+%EC%98%A4%EC%84%B8%EC%9A%94.&sync_time=2013-01-08+13%3A24%3A19.543",
    "ParkStatPost": "key=G35N6FFJTB&infra_id=171702¤t_parking=127",
    "ParkSpacePost": "key=G35N6FFJTB&infra_id=171702&count=40&floor_class=F&floor_class=B&floor_class=&floor_number=1"
    "&floor_number=2&floor_number=&parking_space_id=10003&parking_space_id=10004&parking_space_id=10005",
    "ParkStatPost2": "key=G35N6FFJTB&infra_id=171702¤t_parking=127&disabled_parking=12®ular_parking=27"
    "&nanum_parking=7&elect_parking=0&garden_parking&inout_gubun=O&car_num=서울00가1234&occur_time=20180101122334",
}


def form(query: str) -> MultiDict:
    """Decode a query string the way Flask decodes a form body."""
    return MultiDict(parse_qsl(query, keep_blank_values=True))


# The samples with their lost '&' restored, as bases for variations.
CLEAN_SAMPLES = {
    method: query.replace("¤t_parking", "&current_parking").replace("®ular_parking", "&regular_parking")
    for method, query in SEED_SAMPLES.items()
}


def valid(method: str, **changes: str | None) -> MultiDict:
    """The seed's (repaired) sample for ``method`` with fields replaced (value) or removed (None)."""
    fields = form(CLEAN_SAMPLES[method])
    for name, value in changes.items():
        fields.poplist(name)
        if value is not None:
            fields.add(name, value)
    return fields


def refusal(method: str, fields) -> SeoulProtocolError:
    with pytest.raises(SeoulProtocolError) as caught:
        parse_push(method, fields)
    return caught.value


# --- the seed's samples ------------------------------------------------------------


def test_park_write_sample_parses_with_its_misspelled_fields():
    push = parse_push("ParkWritePost", form(SEED_SAMPLES["ParkWritePost"]))
    assert isinstance(push, ParkWrite)
    assert push.parking_lot_name == "발산주차장"
    assert (push.capacity, push.bike_racks, push.compact, push.women) == (140, 1, 2, 3)
    assert (push.nanumcar, push.motorbike, push.bus) == (0, 0, 0)  # anumcar, garden
    assert push.position_latitude == pytest.approx(37.566535)  # position_lititude
    assert push.position_longitude == pytest.approx(126.97796919)
    assert push.in_charge is None
    assert push.phone == "02-1313-1231"
    assert push.sync_time == datetime(2013, 1, 8, 13, 24, 19, 543000, tzinfo=KST)
    assert push.infra_id == "A1fyhSvh+60IBJQo6fjmcQ=="
    assert push.raw["sync_time"] == "2013-01-08 13:24:19.543"


def test_park_oper_sample_parses_to_typed_values():
    push = parse_push("ParkOperPost", form(SEED_SAMPLES["ParkOperPost"]))
    assert isinstance(push, ParkOper)
    assert push.visitor_access is False
    assert push.night_free_open is True
    assert push.store_discount is True
    assert push.position_class == 1
    assert push.no_driving_rotation_system == 2
    assert push.weekday_begin_time == DayTime(8, 0)
    assert push.weekday_end_time.minutes == 22 * 60 + 30
    assert str(push.holiday_end_time) == "2130"
    assert (push.rates, push.time_rate, push.add_rates, push.add_time_rate) == (1000, 30, 500, 10)
    assert (push.day_maximum, push.all_day_monthly) == (12000, 68000)
    assert (push.compact_car, push.disabled, push.national_merit, push.many_children) == (50, 20, 30, 25)
    assert push.notify_memo == "다양한 할인옵션을 제공하고 있습니다. 오세요."


def test_park_stat_sample_with_mangled_current_parking_parses():
    # "&current_parking" printed as "¤t_parking": no '&' left, so it arrives glued to infra_id.
    push = parse_push("ParkStatPost", form(SEED_SAMPLES["ParkStatPost"]))
    assert push == ParkStat(
        key="G35N6FFJTB",
        infra_id="171702",
        raw={"key": "G35N6FFJTB", "infra_id": "171702", "current_parking": "127"},
        current_parking=127,
    )


def test_park_stat2_sample_parses_with_both_mangled_fields():
    push = parse_push("ParkStatPost2", form(SEED_SAMPLES["ParkStatPost2"]))
    assert isinstance(push, ParkStat2)
    assert (push.infra_id, push.current_parking, push.disabled_parking, push.regular_parking) == ("171702", 127, 12, 27)
    assert (push.nanum_parking, push.elect_parking, push.garden_parking) == (7, 0, None)
    assert (push.inout_gubun, push.car_num) == ("O", "서울00가1234")
    assert push.occur_time == datetime(2018, 1, 1, 12, 23, 34, tzinfo=KST)


def test_park_space_sample_parses_blank_list_entries_as_unknown():
    push = parse_push("ParkSpacePost", form(SEED_SAMPLES["ParkSpacePost"]))
    assert isinstance(push, ParkSpace)
    assert push.count == 40
    assert push.spaces == (
        SpaceState("10003", "F", 1, None),
        SpaceState("10004", "B", 2, None),
        SpaceState("10005", None, None, None),
    )


# --- aliases and form shapes ------------------------------------------------------


def test_mangled_names_sent_as_separate_fields_are_accepted():
    fields = form("key=K&infra_id=1&%C2%A4t_parking=5&%C2%AEular_parking=2")
    assert parse_push("ParkStatPost2", fields).regular_parking == 2
    assert parse_push("ParkStatPost", fields).current_parking == 5


def test_capitalised_names_of_the_park_oper_table_are_accepted():
    fields = valid("ParkOperPost", key=None, infra_id=None, visitor_access=None)
    fields.add("Key", "G35N6FFJTB")
    fields.add("Infra_id", "IKEIGHTHse+9yLsEQ28suUA==")
    fields.add("Visitor_access", "Y")
    push = parse_push("ParkOperPost", fields)
    assert (push.key, push.visitor_access) == ("G35N6FFJTB", True)


def test_documented_names_are_accepted_where_the_sample_misspells_them():
    fields = valid("ParkWritePost", anumcar=None, garden=None, position_lititude=None)
    fields.update({"nanumcar": "4", "motorbike": "5", "position_latitude": "37.5"})
    push = parse_push("ParkWritePost", fields)
    assert (push.nanumcar, push.motorbike, push.position_latitude) == (4, 5, 37.5)


def test_a_field_sent_under_two_spellings_is_refused():
    error = refusal("ParkWritePost", valid("ParkWritePost", nanumcar="1"))
    assert (error.result_code, error.field) == ("0100", "nanumcar")


def test_a_scalar_field_sent_twice_is_refused():
    fields = valid("ParkStatPost")
    fields.add("current_parking", "128")
    assert refusal("ParkStatPost", fields).result_code == "0100"


def test_plain_dicts_and_parse_qs_output_are_accepted():
    assert parse_push("ParkStatPost", {"key": "K", "infra_id": "1", "current_parking": "3"}).current_parking == 3
    query = (
        "key=K&infra_id=1&count=2&parking_space_id=a&parking_space_id=b&parking_space_status=I&parking_space_status=O"
    )
    push = parse_push("ParkSpacePost", parse_qs(query))
    assert [s.occupied for s in push.spaces] == [True, False]


def test_unknown_fields_are_ignored():
    assert parse_push("ParkStatPost", valid("ParkStatPost", extra="x")).current_parking == 127


def test_unknown_method_is_a_routing_error():
    with pytest.raises(ValueError):
        parse_push("ParkDeletePost", {})


# --- 0011 and 0100 ----------------------------------------------------------------

REQUIRED = [(m, f.name) for m, spec in METHODS.items() for f in spec.fields if f.required]


def test_every_method_has_its_required_fields_listed():
    assert len({m for m, _ in REQUIRED}) == 5
    assert ("ParkOperPost", "day_maximum") in REQUIRED
    assert ("ParkSpacePost", "count") in REQUIRED


@pytest.mark.parametrize(("method", "name"), REQUIRED)
def test_absent_required_field_answers_0011_naming_it(method, name):
    error = refusal(method, valid(method, **{name: None}))
    assert (error.result_code, error.field) == ("0011", name)
    assert name in error.message
    assert error.body() == {"result_state": "0011", "message": error.message}


@pytest.mark.parametrize(("method", "name"), REQUIRED)
def test_empty_required_field_answers_0100(method, name):
    error = refusal(method, valid(method, **{name: ""}))
    assert (error.result_code, error.field) == ("0100", name)


INVALID = [
    ("ParkWritePost", "parking_lot_name", "가" * 33),
    ("ParkWritePost", "parking_lot_name", "주차장🅿"),
    ("ParkWritePost", "in_charge", "x" * 33),
    ("ParkWritePost", "phone", "02 1313 1231"),
    ("ParkWritePost", "phone", "0" * 16),
    ("ParkWritePost", "capacity", "10000"),
    ("ParkWritePost", "capacity", "-1"),
    ("ParkWritePost", "capacity", "12.5"),
    ("ParkWritePost", "capacity", "１２"),
    ("ParkWritePost", "bike_racks", "abc"),
    ("ParkWritePost", "bus", "99999"),
    ("ParkWritePost", "sync_time", "2013-01-08 13:24:19"),
    ("ParkWritePost", "sync_time", "2013-01-08T13:24:19.543"),
    ("ParkWritePost", "sync_time", "2013-02-30 13:24:19.543"),
    ("ParkWritePost", "sync_time", "2013-01-08 25:24:19.543"),
    ("ParkWritePost", "position_longitude", "200"),
    ("ParkWritePost", "position_longitude", "nan"),
    ("ParkWritePost", "position_latitude", "1e1"),
    ("ParkOperPost", "visitor_access", "y"),
    ("ParkOperPost", "visitor_access", "YES"),
    ("ParkOperPost", "night_free_open", "X"),
    ("ParkOperPost", "store_discount", "1"),
    ("ParkOperPost", "position_class", "0"),
    ("ParkOperPost", "position_class", "6"),
    ("ParkOperPost", "no_driving_rotation_system", "0"),
    ("ParkOperPost", "no_driving_rotation_system", "6"),
    ("ParkOperPost", "weekday_begin_time", "2401"),
    ("ParkOperPost", "weekday_begin_time", "0960"),
    ("ParkOperPost", "weekday_end_time", "900"),
    ("ParkOperPost", "weekend_begin_time", "09:00"),
    ("ParkOperPost", "holiday_end_time", "2500"),
    ("ParkOperPost", "rates", "1,000"),
    ("ParkOperPost", "day_maximum", "1234567890"),
    ("ParkOperPost", "add_time_rate", "-10"),
    ("ParkOperPost", "compact_car", "101"),
    ("ParkOperPost", "many_children", "12.5"),
    ("ParkOperPost", "notify_memo", "가" * 129),
    ("ParkOperPost", "sync_time", "20130108132419543"),
    ("ParkStatPost", "current_parking", "12345"),
    ("ParkStatPost", "current_parking", "many"),
    ("ParkStatPost", "infra_id", "12345678901234567"),
    ("ParkSpacePost", "count", "99999"),
    ("ParkSpacePost", "count", "x"),
    ("ParkStatPost2", "current_parking", "-3"),
    ("ParkStatPost2", "disabled_parking", "10000"),
    ("ParkStatPost2", "garden_parking", "two"),
    ("ParkStatPost2", "inout_gubun", "X"),
    ("ParkStatPost2", "inout_gubun", "i"),
    ("ParkStatPost2", "car_num", "가" * 17),
    ("ParkStatPost2", "occur_time", "2018010112233"),
    ("ParkStatPost2", "occur_time", "20181301122334"),
    ("ParkStatPost2", "occur_time", "2018-01-01 12:23:34"),
]


@pytest.mark.parametrize(("method", "name", "value"), INVALID)
def test_value_outside_its_definition_answers_0100(method, name, value):
    error = refusal(method, valid(method, **{name: value}))
    assert (error.result_code, error.field) == ("0100", name)
    assert name in error.message


@pytest.mark.parametrize(
    ("value", "expected"), [("0000", DayTime(0, 0)), ("2359", DayTime(23, 59)), ("2400", DayTime(24, 0))]
)
def test_hhmm_accepts_midnight_to_end_of_day(value, expected):
    push = parse_push("ParkOperPost", valid("ParkOperPost", weekday_end_time=value))
    assert push.weekday_end_time == expected


@pytest.mark.parametrize("name", ["bike_racks", "in_charge", "position_longitude", "phone"])
def test_optional_field_sent_empty_counts_as_not_given(name):
    assert getattr(parse_push("ParkWritePost", valid("ParkWritePost", **{name: ""})), name) is None


def test_limits_are_inclusive():
    push = parse_push("ParkWritePost", valid("ParkWritePost", capacity="9999", parking_lot_name="가" * 32))
    assert (push.capacity, len(push.parking_lot_name)) == (9999, 32)
    assert parse_push("ParkOperPost", valid("ParkOperPost", compact_car="100")).compact_car == 100


# --- ParkSpacePost lists ----------------------------------------------------------


def space_form(**lists: list[str]) -> MultiDict:
    fields = MultiDict([("key", "K"), ("infra_id", "171702"), ("count", "3")])
    for name, values in lists.items():
        fields.setlist(name, values)
    return fields


def test_space_lists_are_read_position_by_position():
    push = parse_push(
        "ParkSpacePost",
        space_form(
            floor_class=["F", "B", "B"],
            floor_number=["1", "2", "4"],
            parking_space_id=["A-1", "B2-7", "B4-1"],
            parking_space_status=["I", "O", ""],
        ),
    )
    assert push.spaces == (
        SpaceState("A-1", "F", 1, True),
        SpaceState("B2-7", "B", 2, False),
        SpaceState("B4-1", "B", 4, None),
    )


def test_space_push_without_lists_has_no_spaces():
    assert parse_push("ParkSpacePost", space_form()).spaces == ()


def test_space_lists_of_different_lengths_answer_0100():
    error = refusal("ParkSpacePost", space_form(parking_space_id=["1", "2"], parking_space_status=["I"]))
    assert (error.result_code, error.field) == ("0100", "parking_space_status")


def test_space_lists_without_space_ids_answer_0011():
    error = refusal("ParkSpacePost", space_form(floor_class=["F"], parking_space_status=["I"]))
    assert (error.result_code, error.field) == ("0011", "parking_space_id")


@pytest.mark.parametrize(
    ("lists", "field"),
    [
        ({"parking_space_id": ["1", ""]}, "parking_space_id[1]"),
        ({"parking_space_id": ["1", "1"]}, "parking_space_id[1]"),
        ({"parking_space_id": ["1", "2"], "floor_class": ["F", "G"]}, "floor_class[1]"),
        ({"parking_space_id": ["1"], "floor_number": ["B1"]}, "floor_number[0]"),
        ({"parking_space_id": ["1"], "parking_space_status": ["X"]}, "parking_space_status[0]"),
    ],
)
def test_bad_space_entry_answers_0100_naming_its_position(lists, field):
    error = refusal("ParkSpacePost", space_form(**lists))
    assert (error.result_code, error.field) == ("0100", field)


# --- infra_id ---------------------------------------------------------------------


def protected_form(method: str, infra_id: str, secret: bytes, **changes: str) -> MultiDict:
    """A valid push whose infra_id is protected as an operator would protect it."""
    fields = valid(method, **changes)
    if method == "ParkWritePost":
        mac = park_write_mac(fields["parking_lot_name"], fields["capacity"], fields["sync_time"])
    else:
        mac = park_oper_mac(fields["key"], fields["weekday_begin_time"], fields["sync_time"])
    fields["infra_id"] = encrypt_infra_id(infra_id, secret, mac)
    return fields


def test_mac_is_rebuilt_from_the_received_text_not_the_typed_value():
    push = parse_push("ParkWritePost", valid("ParkWritePost", capacity="0140"))
    assert push.capacity == 140
    expected = park_write_mac("발산주차장", "0140", "2013-01-08 13:24:19.543")
    assert infra_id_mac_for("ParkWritePost", push, push.key) == expected


def test_park_oper_mac_uses_the_key():
    push = parse_push("ParkOperPost", valid("ParkOperPost"))
    assert infra_id_mac_for("ParkOperPost", push, push.key) == b"G35N6FFJ0800.543"


def test_mac_is_refused_for_methods_with_a_clear_infra_id():
    push = parse_push("ParkStatPost", valid("ParkStatPost"))
    with pytest.raises(ValueError):
        infra_id_mac_for("ParkStatPost", push, push.key)
    with pytest.raises(ValueError):
        infra_id_mac_for("ParkWritePost", push, push.key)


def test_only_park_write_and_park_oper_need_the_lots_secrets():
    assert [m for m in METHODS if needs_lot_secrets(m)] == ["ParkWritePost", "ParkOperPost"]


@pytest.mark.parametrize("method", ["ParkWritePost", "ParkOperPost"])
def test_protected_infra_id_resolves_to_the_lot_that_sent_it(method):
    lots = [("171701", b"1111111111111111"), ("171702", SECRET), ("171703", b"3333333333333333")]
    push = parse_push(method, protected_form(method, "171702", SECRET))
    assert resolve_infra_id(push, lots) == "171702"


def test_korean_name_cut_mid_character_round_trips():
    # 8 bytes of "A세종로주차장" end on the lead byte of 주: both sides must cut the same way.
    fields = protected_form("ParkWritePost", "171702", SECRET, parking_lot_name="A세종로주차장")
    assert resolve_infra_id(parse_push("ParkWritePost", fields), [("171702", SECRET)]) == "171702"


@pytest.mark.parametrize("method", ["ParkWritePost", "ParkOperPost"])
def test_protected_infra_id_under_a_wrong_secret_answers_0200(method):
    push = parse_push(method, protected_form(method, "171702", b"wrong-secret-16b"))
    with pytest.raises(SeoulProtocolError) as caught:
        resolve_infra_id(push, [("171702", SECRET)])
    assert caught.value.body() == {"result_state": "0200", "message": "Not match symmetric key cryptosystem"}


def test_protected_infra_id_fails_when_a_mac_field_was_changed_in_transit():
    fields = protected_form("ParkWritePost", "171702", SECRET)
    fields["capacity"] = "141"
    with pytest.raises(SeoulProtocolError) as caught:
        resolve_infra_id(parse_push("ParkWritePost", fields), [("171702", SECRET)])
    assert caught.value.result_code == "0200"


def test_clear_infra_id_resolves_without_secrets():
    push = parse_push("ParkStatPost", valid("ParkStatPost"))
    assert resolve_infra_id(push, [("171701", None), ("171702", None)]) == "171702"


def test_unknown_clear_infra_id_answers_0100():
    push = parse_push("ParkSpacePost", valid("ParkSpacePost"))
    with pytest.raises(SeoulProtocolError) as caught:
        resolve_infra_id(push, [("171701", None)])
    assert (caught.value.result_code, caught.value.field) == ("0100", "infra_id")


# --- answers ----------------------------------------------------------------------


def test_success_answer_has_no_message():
    assert result_body() == {"result_state": "0000"}


def test_error_answer_defaults_to_the_seeds_message():
    assert result_body("0020") == {"result_state": "0020", "message": "Unregistered key"}
    assert result_body("0021", "suspended") == {"result_state": "0021", "message": "suspended"}
