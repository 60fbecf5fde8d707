"""Client for the Korean rent-car real-time API v2 (seed 001, ``rtapi/ws_v2.aspx``).

We are the travel agency. One endpoint takes form data and answers JSON with
``resCode``/``resMsg``; every request carries ``uid``, ``passcode`` and ``cmd``.

- ``commands``: ``RentcarClient``, one typed method per cmd returning the
  pydantic models of ``wire.py``, and the sending and reading of a request.
- ``results``: seed 001's result-code table and the typed error of each code.
- ``costs``: ``api_cost`` prices a call by the seed's table, so the service can
  meter and minimise what a driver's action costs the agency.

Callers import from here (``from webapp.rentcar.client import ...``).
"""

from webapp.rentcar.client.commands import ENDPOINT, NO_RESULT, SUCCESS, RentcarClient, client_from_settings
from webapp.rentcar.client.costs import api_cost
from webapp.rentcar.client.results import PROVIDER, RESULT_CODES, ResultCode, result_error

__all__ = [
    "ENDPOINT", "NO_RESULT", "PROVIDER", "RESULT_CODES", "SUCCESS", "RentcarClient", "ResultCode", "api_cost",
    "client_from_settings", "result_error",
]
