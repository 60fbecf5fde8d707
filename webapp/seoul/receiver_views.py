"""The ``ParklandWRT.svc`` receiver (seed 000, 2.2.1): lot operators push to us here.

``POST /WCFB/ParklandWRT.svc/<Method>`` with form fields, JSON answer. Machines
call it, not browsers: no login, no CSRF token (exempt), no IP rate limit —
only each key's daily request limit, counted in the database by the service.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, request

from webapp.extensions import csrf
from webapp.seoul import ingest as seoul_ingest

bp = Blueprint("seoul_ingest", __name__)
csrf.exempt(bp)


@bp.post("/WCFB/ParklandWRT.svc/<method>")
def push(method: str):
    if not seoul_ingest.is_method(method):
        abort(404)
    # every value of every field, in the order sent: ParkSpacePost's lists repeat their names
    outcome = seoul_ingest.receive_push(method, request.form.to_dict(flat=False))
    # key order as in the seed's samples: result_state, then message
    body = json.dumps(outcome.body, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=outcome.status, content_type="application/json; charset=utf-8")
