"""Every receiver method under arbitrary forms: the protocol's JSON with a result code, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import value, values
from tests.seoul.support import INFRA_ID, KEY, register_lot
from webapp.seoul.fields import METHODS, RESULT_CODES
from webapp.seoul.protocol import SeoulProtocolError, parse_push

PATH = "/WCFB/ParklandWRT.svc/"


def _names(method: str) -> list[str]:
    spec = METHODS[method]
    return sorted({name for field in spec.fields for name in (field.name, *field.aliases)})


def _form(method: str):
    """A form for ``method``: its fields (any spelling) with arbitrary values, the key and lot usually ours."""
    fields = st.dictionaries(st.sampled_from(_names(method)) | st.text(max_size=12), values, max_size=12)
    key = st.sampled_from([[KEY], [KEY.lower()], [], ["NOSUCHKEY"]]) | values
    infra_id = st.sampled_from([[INFRA_ID], []]) | values
    return st.tuples(fields, key, infra_id).map(lambda t: {**t[0], "key": t[1], "infra_id": t[2]})


@pytest.mark.parametrize("method", sorted(METHODS))
@given(data=st.data())
def test_parsing_any_form_gives_a_push_or_a_result_code(method, data):
    form = data.draw(_form(method))
    try:
        parse_push(method, form)
    except SeoulProtocolError as refused:
        assert refused.result_code in RESULT_CODES


def _body(form: dict[str, list[str]]) -> bytes:
    pairs = [f"{quote(name, safe='')}={quote(text, safe='')}" for name, texts in form.items() for text in texts]
    return "&".join(pairs).encode("utf-8")


@pytest.mark.parametrize("method", [*sorted(METHODS), "ParkDeletePost"])
@given(data=st.data())
def test_every_push_is_answered_with_the_protocols_json(app, client, method, data):
    if not getattr(app, "_fuzz_lot", False):
        register_lot(app)
        app._fuzz_lot = True
    form = data.draw(_form(method if method in METHODS else "ParkStatPost"))
    raw_tail = data.draw(st.sampled_from(["", "&", "&&=", "%ff%fe", "=" * 3, "&" + "a=1&" * 200]) | value)
    response = client.post(PATH + method, data=_body(form) + raw_tail.encode("utf-8", "surrogatepass"),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400, 404, 413), response.status_code
    answer = json.loads(response.get_data(as_text=True))
    assert answer["result_state"] in RESULT_CODES and "Traceback" not in response.get_data(as_text=True)
