"""Korean rent-car real-time API v2 emulator (seed 001): the rent companies' server.

We play the travel agency; this sandbox plays the rent companies' server. One
endpoint, ``POST /rtapi/ws_v2.aspx``, form data in, JSON out; every request
carries ``uid``, ``passcode`` and ``cmd``. The reply is always HTTP 200 with
``resCode``/``resMsg``/``resId``/``resTime`` first (seed 001 "Response"), and
numbers are JSON numbers (seed 001 "V1과 달라진 주요내용" 4).

Every cmd of the seed is served: companylist; the searches (carsearch,
carNblocksearch, …bymodelcodes, …_r, …bymodelnumbers_r); inslist, inslist_r,
etclist_r; revadd, revupdate, revcancel, addetcitem, deletcitem; revlist,
revdetail. Every call's API cost (seed "API 목록과 비용") is metered per agency
and day, and per command.

Sandbox-only controls (the real service leaves these to its operators):
``POST /_sandbox/unblock`` forgets failed logins; ``POST /_sandbox/clock``
``{"now": "yyyymmddhhmm"|null}`` fixes the server's KST clock;
``POST /_sandbox/maintenance`` ``{"on": bool}`` switches the 04:00–04:30
window; ``POST /_sandbox/force`` ``{"code": "0400", "cmd": "revadd"}`` makes
the next such command fail with the code; ``POST /_sandbox/reservations/<revnum>``
``{"state": "대여중", "add_insid": 902}`` changes a reservation as the counter would.

The package, one module per responsibility:

- ``server``: ``create_sandbox``, login, API-cost meter, forced faults and the cmd dispatch.
- ``controls``: the sandbox-only ``/_sandbox/...`` routes.
- ``results``: the result-code table, ``ResultError`` and the reply envelope.
- ``params``: reading a request's form parameters (9100 when one is wrong).
- ``command_table``: each cmd's API cost, the writes, the search variants.
- ``base``: the store, catalogue and clock the commands share; company selection, free cars.
- ``searches``: companylist, the car searches, inslist/inslist_r, etclist_r.
- ``guards``: the checks every reservation write goes through.
- ``writes``: revadd, revupdate, revcancel, addetcitem, deletcitem.
- ``views``: revlist, revdetail and the detail the writes answer with.
- ``catalog``, ``rules``, ``store``: the companies' cars and fees, the time and fee rules, the SQLite store.

Callers import from here; the names below are the package's interface.
"""

from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.base import CANCELLED, DISPLAY, GOOD_STANDING, ON_RENT, STATES
from webapp.rentcar.sandbox.command_table import COSTS, SEARCHES, WRITES
from webapp.rentcar.sandbox.results import KST, RESULT_MESSAGES, ResultError
from webapp.rentcar.sandbox.server import DEFAULT_PASSCODE, DEFAULT_UID, ENDPOINT, MAX_FAILED_LOGINS, create_sandbox

__all__ = [
    "CANCELLED",
    "COSTS",
    "DEFAULT_PASSCODE",
    "DEFAULT_UID",
    "DISPLAY",
    "ENDPOINT",
    "GOOD_STANDING",
    "KST",
    "MAX_FAILED_LOGINS",
    "ON_RENT",
    "RESULT_MESSAGES",
    "SEARCHES",
    "STATES",
    "WRITES",
    "ResultError",
    "catalog",
    "create_sandbox",
]
