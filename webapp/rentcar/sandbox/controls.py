"""The sandbox-only controls (``/_sandbox/...``) a test or demo uses to steer the server.

Unblock failed logins, read the API-cost meter, fix the KST clock, switch the
04:00–04:30 maintenance window, force the next cmd to fail with a code, and
change a reservation as the rental counter would. The real service leaves
these to its operators.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from sqlalchemy import Engine, select, update

from webapp.rentcar.sandbox.rules import from_wire, to_wire
from webapp.rentcar.sandbox.store import clear_failed_logins, cost_report, reservations


def register_controls(app: Flask, engine: Engine, state: dict, now) -> None:
    """Add the ``/_sandbox/...`` routes to the server app; ``state`` and ``now`` are the server's own."""

    @app.post("/_sandbox/unblock")
    def unblock():
        return jsonify({"unblocked": clear_failed_logins(engine)})

    @app.get("/_sandbox/cost")
    def cost():
        return jsonify({"rows": cost_report(engine)})

    @app.post("/_sandbox/clock")
    def set_clock():
        value = (request.get_json(silent=True) or {}).get("now")
        state["now"] = from_wire(value) if value else None
        return jsonify({"now": to_wire(now())})

    @app.post("/_sandbox/maintenance")
    def set_maintenance():
        state["maintenance"] = bool((request.get_json(silent=True) or {}).get("on"))
        return jsonify({"maintenance": state["maintenance"]})

    @app.post("/_sandbox/force")
    def force():
        body = request.get_json(silent=True) or {}
        state["force"] = {"code": str(body["code"]), "cmd": body.get("cmd")} if body.get("code") else None
        return jsonify({"force": state["force"]})

    @app.post("/_sandbox/reservations/<revnum>")
    def counter_change(revnum: str):
        body = request.get_json(silent=True) or {}
        with engine.begin() as conn:
            row = conn.execute(select(reservations).where(reservations.c.revnum == revnum)).first()
            if row is None:
                return jsonify({"error": "no such reservation"}), 404
            values = {}
            if body.get("state"):
                values["state"] = body["state"]
            if body.get("add_insid"):
                values["insids"] = ",".join(filter(None, [row.insids, str(body["add_insid"])]))
            if values:
                conn.execute(update(reservations).where(reservations.c.revnum == revnum).values(**values))
        return jsonify({"revnum": revnum, **values})
