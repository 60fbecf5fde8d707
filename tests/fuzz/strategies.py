"""Values a careless client or an attacker sends: text of every kind, numbers past every range,
times past every calendar, markup, NUL, very long strings."""

from __future__ import annotations

from hypothesis import strategies as st

ABSURD = ["", " ", "0", "-1", "1.5", "9" * 40, str(2**63), str(2**64), "1e309", "NaN", "inf", "-0",
          "0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T25:61", "00010101000000", "99991231235959",
          "0001-01-01 00:00:00.000", "<script>alert(1)</script>", "{{7*7}}", "' OR '1'='1", "%00", "..%2f..",
          "x" * 5000, "¤t_parking=1" * 50, "세종로" * 40, "\u202e\u200b", "Y", "N", "custom", "on", "y"]

#: one form value: absurd samples, arbitrary text (NUL and surrogates aside: the browser cannot send them)
value = st.one_of(
    st.sampled_from(ABSURD),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

#: the values of one field: usually one, sometimes none or repeated (a form field sent twice)
values = st.lists(value, min_size=0, max_size=3)
