"""247Parking REST API emulator (seed 004): we play the partner, this sandbox plays 247Parking.

Calls: ``GET /v1/`` (test call), ``POST /v1/reservering/``,
``PUT /v1/reservering/:resnr/`` and ``PUT /v1/reservering/:resnr/status/``,
each answered ``{"data": …, "meta": {"status", "code", "message"}}`` with the
seed's codes and messages; the rules and prices are in ``rules.py``, the state
(partners, nonces, reservations) in ``store.py``. ``GET /voucher.php?id=…`` is
the printable voucher ``voucher_url`` points at.

Every API request is checked against ``X-Authorization`` (seed 004
"Authorizing a request"): known and active key, signature, a 10-minute
timestamp window and single-use nonces, each refusal a 401 with its own
message. Signature: base64 of the raw SHA-1 digest of secret + METHOD +
base URL + nonce + timestamp. The base URL is one setting shared with the
client (``credentials["signed_base_url"]``, by default the seed's example
``https://api.247parking.nl/``), never the URL the request reached, so the
check holds on whatever port the sandbox is served (PROVIDERS.md §5).
The seed's worked example prints a signature its own inputs do not produce;
we implement the formula.

Quirks (PROVIDERS.md §5): the seed says only GET and POST are accepted yet
documents PUT calls — the PUT calls exist; reservation numbers match
case-insensitively (its PUT example addresses ``s123456`` for ``S123456``);
the POST example's undocumented ``klant_land`` is accepted.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask, jsonify, render_template_string, request
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from webapp.core.sandbox_kit import DroppedReplyError, install_faults
from webapp.valet.sandbox import rules, store
from webapp.valet.sandbox.voucher import VOUCHER_PAGE, qr_svg

# The seed's example credentials double as the sandbox's demo partner account.
DEFAULT_KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
DEFAULT_SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"  # noqa: S105 — published demo value
#: the value signed into every request (the seed's example: scheme, host and a slash)
DEFAULT_SIGNED_BASE_URL = "https://api.247parking.nl/"
#: where vouchers live (seed 004 POST example: https://247parking.nl/voucher.php?id=…)
DEFAULT_VOUCHER_BASE = "https://247parking.nl/voucher.php?id="
#: the API's own refusals of a request it did not carry out (seed 004 "Error codes & responses")
API_REFUSALS = {429: "Too many requests. Try again later.",
                503: "The API is up, but overloaded with requests. Try again later."}
#: seed 004 "Timestamp": requests created more than 10 minutes ago are refused.
MAX_AGE_SECONDS = 600

# Key="…",Timestamp="…",Nonce="…",Signature="…" — one line in practice; blanks
# after the commas are tolerated like the seed's wrapped rendering.
_HEADER_PARAM = re.compile(r'\s*(\w+)="([^"]*)"\s*(?:,|$)')
_HEADER_FIELDS = ("Key", "Timestamp", "Nonce", "Signature")


class AuthorizationError(Exception):
    """The request's X-Authorization was refused (always 401)."""


def envelope(data, status: str, code: int, message: str):
    """Build a reply in 247Parking's ``{data, meta}`` shape with HTTP status ``code``."""
    return jsonify({"data": data, "meta": {"status": status, "code": code, "message": message}}), code


def expected_signature(secret: str, method: str, base_url: str, nonce: str, timestamp: str) -> str:
    """The documented signature, computed independently of the client's code."""
    concatenated = f"{secret}{method.upper()}{base_url}{nonce}{timestamp}"
    digest = hashlib.sha1(concatenated.encode()).digest()  # noqa: S324 — the seed mandates SHA-1
    return base64.b64encode(digest).decode("ascii")


def parse_authorization(header: str) -> dict[str, str]:
    """Split an X-Authorization value into its four parameters.

    Raises:
        AuthorizationError: missing, malformed or incomplete header.
    """
    if not header:
        raise AuthorizationError("Authentication credentials were missing or incorrect.")
    params, position = {}, 0
    while position < len(header):
        match = _HEADER_PARAM.match(header, position)
        if not match:
            raise AuthorizationError("Malformed X-Authorization header")
        params[match.group(1)] = match.group(2)
        position = match.end()
    missing = [name for name in _HEADER_FIELDS if not params.get(name)]
    if missing:
        raise AuthorizationError(f"X-Authorization lacks {', '.join(missing)}")
    return params




class Parking247:
    """The sandbox's handle for tests and the CLI: its store, its business clock, credential reset."""

    def __init__(self, engine: Engine, prices: dict) -> None:
        self.engine = engine
        self.prices = prices
        #: the business clock (drop-off in the past, noshow, discount validity); tests move it
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def reset_credentials(self, api_key: str | None = None, secret: str | None = None) -> tuple[str, str]:
        """Issue a new key and secret; the old pair is refused from now on, in every process."""
        return store.reset_credentials(self.engine, api_key, secret)

    def reservation_numbers(self) -> set[str]:
        """Every reservation number 247Parking holds."""
        return {r.number for r in store.all_reservations(self.engine)}

    def reservation(self, number: str) -> store.Reservation | None:
        """One reservation as 247Parking holds it."""
        return store.get_reservation(self.engine, number)

    def refund(self, number: str) -> Decimal | None:
        """What 247Parking refunded for cancelling ``number`` (None: not cancelled)."""
        refund = store.refund_of(self.engine, number)
        return None if refund is None else Decimal(refund)


def create_sandbox(state_dir: Path, credentials: dict[str, str]) -> Flask:
    """Build the 247Parking sandbox.

    Args:
        state_dir: folder holding ``parking247.sqlite3`` (partners, nonces, reservations).
        credentials: ``key`` and ``secret`` of the demo partner (default: the
            seed's example pair; used only while the state has no partner —
            after a reset the stored pair wins), ``signed_base_url`` the
            signatures are computed over (default ``https://api.247parking.nl/``,
            the same setting the client signs with) and optionally
            ``voucher_base`` (the ``voucher_url`` prefix).

    Returns:
        The sandbox Flask app (fault switch installed; ``extensions["parking247"]``
        is its ``Parking247`` handle).
    """
    app = Flask(__name__)
    app.json.sort_keys = False
    # a dropped reply must leave the WSGI app as an exception (the transport turns it into a timeout)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    engine = store.open_store(state_dir)
    store.ensure_partner(engine, credentials.get("key") or DEFAULT_KEY, credentials.get("secret") or DEFAULT_SECRET)
    state = Parking247(engine, rules.load_price_list())
    app.extensions["parking247"] = state
    signed_base_url = credentials.get("signed_base_url") or DEFAULT_SIGNED_BASE_URL
    voucher_base = credentials.get("voucher_base") or DEFAULT_VOUCHER_BASE
    faults = install_faults(app)  # first, so a forced 503 wins over auth like a real outage

    @app.after_request
    def overloaded_in_the_envelope(response):
        # A forced 429 or 503 is the API itself refusing (seed 004: 503 "The API is up, but overloaded with
        # requests"), so it answers in its {data, meta} envelope; a forced 500, 502 or 504 stays the bare
        # page a crashed server or a gateway gives, without the API's envelope.
        if faults.status in API_REFUSALS and response.status_code == faults.status \
                and not request.path.startswith("/_sandbox/"):
            body, code = envelope("", "error", faults.status, API_REFUSALS[faults.status])
            body.status_code = code
            return body
        return response

    @app.get("/_sandbox/partner-list.csv")
    def partner_list():
        """The partner account's list of reservations (247Parking's site offers it to partners; the seed's
        API has no such call): what support settles lost replies against (``bookings.support``)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["reserveringsnummer", "referentienummer", "status", "totaalprijs"])
        for reservation in store.all_reservations(engine):
            writer.writerow([reservation.number, reservation.fields.get("referentienummer", ""), reservation.status,
                             reservation.total])
        return out.getvalue(), 200, {"Content-Type": "text/csv; charset=utf-8"}

    @app.before_request
    def authorize():
        if request.path.startswith("/_sandbox/") or request.path == "/voucher.php":
            return None
        try:
            request.environ["parking247.key"] = _check(request.method, request.headers.get("X-Authorization", ""))
        except AuthorizationError as error:
            return envelope("", "error", 401, str(error))
        return None

    def _check(method: str, header: str) -> str:
        params = parse_authorization(header)
        account = store.partner(engine, params["Key"])
        if account is None:
            raise AuthorizationError("Invalid API key")
        secret, active = account
        if not active:
            raise AuthorizationError("API key has been reset; use the new API credentials")
        if not params["Timestamp"].isdigit():
            raise AuthorizationError("Invalid timestamp")
        timestamp, now = int(params["Timestamp"]), int(time.time())
        if now - timestamp > MAX_AGE_SECONDS:
            raise AuthorizationError("Request expired")  # seed 004 "Error codes & responses"
        if timestamp - now > MAX_AGE_SECONDS:
            # A far-future timestamp would outlive the nonce store and allow a replay.
            raise AuthorizationError("Request timestamp is in the future")
        signature = expected_signature(secret, method, signed_base_url, params["Nonce"], params["Timestamp"])
        if not hmac.compare_digest(params["Signature"].encode(), signature.encode()):
            raise AuthorizationError("Invalid signature")
        # Only signed requests spend a nonce, so a forged header cannot burn one.
        if not store.use_nonce(engine, params["Key"], params["Nonce"], timestamp, now - MAX_AGE_SECONDS):
            raise AuthorizationError("Nonce already used")
        return params["Key"]

    @app.errorhandler(rules.Refusal)
    def refused(error: rules.Refusal):
        return envelope("", "error", error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = error.name
        if isinstance(error, MethodNotAllowed):
            allowed = ", ".join(sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"}))
            message = f"{request.method} is not allowed on this endpoint; it accepts {allowed}"
        elif error.code == 404:
            message = "The URI requested is invalid or the resource requested does not exist"
        return envelope("", "error", error.code or 500, message)

    @app.errorhandler(Exception)
    def broken(error: Exception):
        if isinstance(error, DroppedReplyError):
            raise error  # the fault switch's lost reply must reach the transport
        return envelope("", "error", 500, "Something is broken. Please contact us via api@247parking.nl")

    def _body() -> dict:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise rules.Refusal("De request body moet een JSON-object zijn")
        return body

    def _confirmation(reservation: store.Reservation, message: str):
        data = {"voucher_url": voucher_base + reservation.voucher_id, "reserveringsnummer": reservation.number,
                "totaalprijs": reservation.total}
        return envelope(data, "success", 200, message)

    def _own(number: str) -> store.Reservation:
        reservation = store.get_reservation(engine, number) if rules.valid_number(number) else None
        if reservation is None or reservation.api_key != request.environ["parking247.key"]:
            raise rules.Refusal("Reservering niet gevonden", 404)
        return reservation

    @app.get("/v1/")
    def test_call():
        return envelope("", "success", 200, "Access authorized")

    @app.post("/v1/reservering/")
    def create_reservation():
        fields = rules.normalise(_body(), rules.REQUIRED_CREATE)
        total = rules.check(fields, state.prices, state.now())
        reservation = store.add_reservation(engine, request.environ["parking247.key"], fields, f"{total:.2f}")
        app.extensions["faults"].after_commit()
        return _confirmation(reservation, "Reservering toegevoegd")

    @app.put("/v1/reservering/<number>/")
    def update_reservation(number: str):
        reservation = _own(number)
        if reservation.status != "active":
            raise rules.Refusal(f"Een reservering met status {reservation.status} kan niet worden gewijzigd")
        body = _body()
        rules.normalise(body, rules.REQUIRED_UPDATE)
        stated = rules.price_text(body["totaalprijs"])
        # only the parameters given change; the rest stays as it was (seed 004 "PUT /reservering/:resnr/")
        fields = {**reservation.fields, **rules.normalise(body, ())}
        same_departure = fields["vertrek_timestamp"] == reservation.fields["vertrek_timestamp"]
        same_code = fields.get("kortingscode") == reservation.fields.get("kortingscode")
        total = rules.check(fields, state.prices, state.now(), departure_fixed=same_departure,
                            check_discount=not same_code)
        if stated != total:
            raise rules.Refusal(f"De totaalprijs klopt niet: de berekende prijs is {total:.2f}")
        store.save_reservation(engine, reservation.number, fields=fields, total=f"{total:.2f}")
        app.extensions["faults"].after_commit()
        return _confirmation(store.get_reservation(engine, reservation.number), "Booking updated")

    @app.put("/v1/reservering/<number>/status/")
    def update_status(number: str):
        reservation = _own(number)
        target = str(_body().get("status") or "")
        if not target:
            raise rules.Refusal("Verplicht veld ontbreekt: status")
        departure = rules.parse_time(reservation.fields["vertrek_timestamp"], "vertrek_timestamp")
        now = state.now()
        rules.check_status_change(reservation.status, target, departure, now)
        store.save_reservation(engine, reservation.number, status=target)
        if target == "canceled":
            refund = rules.refund_on_cancel(reservation.fields, Decimal(reservation.total), state.prices, now)
            store.record_cancellation(engine, reservation.number, f"{refund:.2f}", now.isoformat())
        app.extensions["faults"].after_commit()
        return envelope({"reserveringsnummer": reservation.number}, "success", 200,
                        f"Booking status is updated to {target}")

    @app.get("/voucher.php")
    def voucher():
        reservation = store.get_by_voucher(engine, request.args.get("id", ""))
        if reservation is None:
            return "Voucher niet gevonden", 404
        return render_template_string(VOUCHER_PAGE, r=reservation, f=reservation.fields,
                                      days=rules.days_of(reservation.fields), qr=qr_svg(reservation.number))

    return app
