import pytest

from webapp.accounts.plates import normalise_plate
from webapp.core.errors import ValidationError


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("FI", "abc-123", "ABC-123"),
        ("FI", "ABC123", "ABC-123"),
        ("FI", " xy 9 ", "XY-9"),
        ("FI", "öäå-12", "ÖÄÅ-12"),
        ("GB", "ab12xyz", "AB12 XYZ"),
        ("GB", "AB12 XYZ", "AB12 XYZ"),
        ("GB", "a123bcd", "A123 BCD"),
        ("GB", "ABC 123D", "ABC 123D"),
        ("KR", "12가3456", "12가3456"),
        ("KR", "123 가 4567", "123가4567"),
        ("KR", "서울12가3456", "서울12가3456"),
        ("NL", "97kgt1", "97-KGT-1"),
        ("NL", "97-KGT-1", "97-KGT-1"),
        ("NL", "ab1234", "AB-12-34"),
        ("NL", "1abc23", "1-ABC-23"),
        ("NL", "xxx99x", "XXX-99-X"),
    ],
)
def test_plate_is_stored_in_its_printed_form(country, typed, stored):
    assert normalise_plate(country, typed) == stored


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("FI", "ABCD-123"),
        ("FI", "ABC-1234"),
        ("FI", "123-ABC"),
        ("GB", "AB1 XYZ1"),
        ("KR", "12A3456"),
        ("KR", "1가3456"),
        ("NL", "ABCDEF"),
        ("NL", "123456"),
        ("FI", ""),
    ],
)
def test_plate_rejected_when_it_breaks_the_country_format(country, typed):
    with pytest.raises(ValidationError) as raised:
        normalise_plate(country, typed)
    assert "plate" in raised.value.errors


def test_unknown_country_is_a_country_error():
    with pytest.raises(ValidationError) as raised:
        normalise_plate("SE", "ABC123")
    assert set(raised.value.errors) == {"country"}


def test_bad_plate_message_shows_an_example():
    with pytest.raises(ValidationError) as raised:
        normalise_plate("NL", "nonsense")
    assert "97-KGT-1" in raised.value.errors["plate"]
