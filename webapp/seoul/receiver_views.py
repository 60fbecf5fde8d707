"""The ``ParklandWRT.svc`` receiver (seed 000, 2.2.1): lot operators push to us here.

``POST /WCFB/ParklandWRT.svc/<Method>`` with form fields, JSON answer. Machines
call it, not browsers: no login, no CSRF token (exempt), no IP rate limit —
only each key's daily request limit, counted by the use case (in Redis with
``REDIS_URL``, else in the database: ``seoul.request_counts``).
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, abort, request

from webapp.extensions import csrf
from webapp.seoul import ingest as seoul_ingest
from webapp.seoul.fields import INVALID_CODE_VALUE, UNDEFINED_ERROR
from webapp.seoul.protocol import result_body
from webapp.web.errors import add_error_responder

PREFIX = "/WCFB/ParklandWRT.svc/"

bp = Blueprint("seoul_ingest", __name__)
csrf.exempt(bp)

#: refusals made before the receiver runs, as the seed's result codes (an operator's system reads
#: result_state, not an HTML page); the HTTP status is kept for HTTP-level monitoring
_REFUSALS = {
    400: (INVALID_CODE_VALUE, "Invalid code value: the request could not be read (NUL character or bad encoding)"),
    413: (INVALID_CODE_VALUE, "Invalid code value: the request is too large or has too many fields"),
    404: (UNDEFINED_ERROR, "Undefined error occurred: no such method"),
    405: (UNDEFINED_ERROR, "Undefined error occurred: use POST"),
}


def init_app(app: Flask) -> None:
    """Every error under the receiver's path is answered with the protocol's JSON."""
    add_error_responder(app, PREFIX, refusal)


def _json(body: dict[str, str], status: int) -> Response:
    # key order as in the seed's samples: result_state, then message
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, content_type="application/json; charset=utf-8")


def refusal(status: int) -> Response:
    """The protocol's JSON for an HTTP-level refusal (``status``) of a push."""
    code, message = _REFUSALS.get(status, (UNDEFINED_ERROR, None))
    return _json(result_body(code, message), status)


@bp.post(PREFIX + "<method>")
def push(method: str):
    if not seoul_ingest.is_method(method):
        abort(404)
    # every value of every field, in the order sent: ParkSpacePost's lists repeat their names
    outcome = seoul_ingest.receive_push(method, request.form.to_dict(flat=False))
    return _json(outcome.body, outcome.status)
