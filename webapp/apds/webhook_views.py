"""Our webhook receiver for the APDS platform: ``POST`` or ``PUT /carparks/webhooks/apds``.

The platform calls it, not a browser: no login, no CSRF token (exempt); the
signature is the authentication (see ``events.py`` for the scheme and the statuses).
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request

from webapp.apds import events
from webapp.apds.jobs import pay_exit_job
from webapp.core.keys import register_sealed_store
from webapp.extensions import csrf

bp = Blueprint("apds_webhooks", __name__)
csrf.exempt(bp)

MAX_BODY = 256 * 1024


def init_app(app: Flask) -> None:
    """``flask --app app keys rotate`` re-seals our subscription's signing secret."""
    register_sealed_store(app, "APDS webhook secrets", events.reseal_subscription_secrets)


@bp.route(events.RECEIVER_PATH, methods=["POST", "PUT"])
def receive():
    if (request.content_length or 0) > MAX_BODY:
        return jsonify({"status": "error", "message": "too large"}), 413
    receipt = events.receive_event(request.get_data(cache=False), request.headers.get(events.SIGNATURE_HEADER))
    if receipt.pay_booking_id is not None:
        pay_exit_job(receipt.pay_booking_id)  # queued: the platform gets its answer now
    return jsonify(receipt.body), receipt.status
