"""The Seoul OpenAPI's infra_id protection (seed 000, 2.2.1.1 and 2.2.1.2)."""

import base64

import pytest

from webapp.seoul.mac import (
    InfraIdError,
    MacInputError,
    build_mac,
    encrypt_infra_id,
    match_infra_id,
    park_oper_mac,
    park_write_mac,
    verify_infra_id,
)
from webapp.seoul.seed128 import seed_decrypt_block, seed_encrypt_block

SECRET = b"0123456789ABCDEF"
OTHER_SECRET = b"FEDCBA9876543210"
MAC = park_write_mac("세종로", "124", "2013-03-01 10:00:20.320")


def test_park_write_mac_is_the_seeds_example():
    # seed 2.2.1.1 가): 세종로 (CP949) + "124" + ".320" + three '0' of padding
    expected = bytes([0xBC, 0xBC, 0xC1, 0xBE, 0xB7, 0xCE, 0x31, 0x32, 0x34, 0x2E, 0x33, 0x32, 0x30, 0x30, 0x30, 0x30])
    assert park_write_mac("세종로", "124", "2013-03-01 10:00:20.320") == expected


def test_park_oper_mac_is_the_seeds_example():
    # seed 2.2.1.2 가): first 8 bytes of the key + "0900" + ".543", no padding needed
    expected = bytes([0x47, 0x33, 0x35, 0x4E, 0x36, 0x46, 0x46, 0x4A, 0x30, 0x39, 0x30, 0x30, 0x2E, 0x35, 0x34, 0x33])
    assert park_oper_mac("G35N6FFJTB", "0900", "2013-01-08 13:24:19.543") == expected


def test_korean_cut_inside_a_character_keeps_the_lone_lead_byte():
    # "A" + 세종로 is 7 bytes; the 8th byte is the first half of 주 (C1 D6).
    mac = park_write_mac("A세종로주차장", "12345", "2013-03-01 10:00:20.320")
    assert mac == bytes.fromhex("41BCBCC1BEB7CE" + "C1") + b"1234" + b".320"


def test_korean_cut_on_a_character_boundary_takes_four_syllables():
    mac = park_write_mac("세종로주차장", "7", "2013-03-01 10:00:20.320")
    assert mac == bytes.fromhex("BCBCC1BEB7CEC1D6") + b"7" + b".320" + b"000"


def test_mac_padding_fills_short_fields_at_the_end():
    assert build_mac(b"ab", b"", b"") == b"ab" + b"0" * 14
    assert build_mac(b"", b"1", b"xy") == b"1xy" + b"0" * 13


def test_lot_name_outside_cp949_cannot_form_a_mac():
    with pytest.raises(MacInputError):
        park_write_mac("주차장🅿", "1", "2013-03-01 10:00:20.320")


def test_encrypt_infra_id_applies_the_seeds_two_seed_steps():
    session_key = seed_encrypt_block(SECRET, MAC)  # 나) the secret encrypts the MAC
    expected = seed_encrypt_block(session_key, b"171702" + b"0" * 10)  # 다) that encrypts infra_id
    wire = encrypt_infra_id("171702", SECRET, MAC)
    assert wire == base64.b64encode(expected).decode()  # 라) base64
    assert len(wire) == 24
    assert seed_decrypt_block(session_key, base64.b64decode(wire)) == b"1717020000000000"


def test_secret_given_as_ascii_text_equals_bytes():
    assert encrypt_infra_id("171702", SECRET.decode(), MAC) == encrypt_infra_id("171702", SECRET, MAC)


def test_round_trip_verifies():
    assert verify_infra_id(encrypt_infra_id("171702", SECRET, MAC), "171702", SECRET, MAC)


def test_wrong_secret_fails_verification():
    assert not verify_infra_id(encrypt_infra_id("171702", SECRET, MAC), "171702", OTHER_SECRET, MAC)


def test_other_infra_id_fails_verification():
    assert not verify_infra_id(encrypt_infra_id("171702", SECRET, MAC), "171703", SECRET, MAC)


def test_mac_from_other_fields_fails_verification():
    other_mac = park_write_mac("세종로", "125", "2013-03-01 10:00:20.320")
    assert not verify_infra_id(encrypt_infra_id("171702", SECRET, MAC), "171702", SECRET, other_mac)


@pytest.mark.parametrize("wire", ["", "not base64!", "MTcxNzAy", "A1fyhSvh+60IBJQo6fjmcQ", "A" * 32])
def test_malformed_wire_value_fails_verification(wire):
    assert not verify_infra_id(wire, "171702", SECRET, MAC)


def test_plus_sent_without_url_encoding_still_verifies():
    # Find an id whose protected form contains '+', then deliver it as a form parser would ('+' -> ' ').
    infra_id, wire = next(
        (str(n), w) for n in range(100000, 101000) if "+" in (w := encrypt_infra_id(str(n), SECRET, MAC))
    )
    assert verify_infra_id(wire.replace("+", " "), infra_id, SECRET, MAC)


def test_infra_id_of_sixteen_bytes_is_protected():
    wire = encrypt_infra_id("ABCDEFGHIJKLMNOP", SECRET, MAC)
    assert verify_infra_id(wire, "ABCDEFGHIJKLMNOP", SECRET, MAC)


@pytest.mark.parametrize("infra_id", ["", "ABCDEFGHIJKLMNOPQ", "주차장"])
def test_infra_id_that_is_empty_long_or_not_ascii_is_refused(infra_id):
    with pytest.raises(InfraIdError):
        encrypt_infra_id(infra_id, SECRET, MAC)
    assert not verify_infra_id("A1fyhSvh+60IBJQo6fjmcQ==", infra_id, SECRET, MAC)


@pytest.mark.parametrize(("secret", "mac"), [(b"short", MAC), ("0123456789ABCDEF0", MAC), (SECRET, b"0" * 15)])
def test_wrong_sized_secret_or_mac_is_a_configuration_error(secret, mac):
    with pytest.raises(ValueError):
        encrypt_infra_id("171702", secret, mac)


def test_match_finds_the_lot_whose_secret_opens_its_own_id():
    lots = [("171701", OTHER_SECRET), ("171702", b"2222222222222222"), ("171703", SECRET)]
    assert match_infra_id(encrypt_infra_id("171703", SECRET, MAC), lots, MAC) == "171703"


def test_match_rejects_an_id_under_another_lots_secret():
    lots = [("171701", SECRET), ("171703", OTHER_SECRET)]
    assert match_infra_id(encrypt_infra_id("171703", SECRET, MAC), lots, MAC) is None


def test_match_refuses_ids_that_pad_to_the_same_block():
    # "17" and "170" both become "1700000000000000": the answer would be a guess.
    lots = [("17", SECRET), ("170", SECRET)]
    assert match_infra_id(encrypt_infra_id("17", SECRET, MAC), lots, MAC) is None
    assert match_infra_id(encrypt_infra_id("17", SECRET, MAC), lots[:1], MAC) == "17"


def test_match_skips_candidates_that_cannot_be_protected():
    lots = [("ABCDEFGHIJKLMNOPQ", SECRET), ("171702", SECRET)]
    assert match_infra_id(encrypt_infra_id("171702", SECRET, MAC), lots, MAC) == "171702"
