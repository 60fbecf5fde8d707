"""Who sells a Helsinki street parking, as its receipt names it.

The city charges the parking fee; we collect it as one of its mobile-parking operators (seed 002 §1,
"Helsingin kaupungin rakennusviraston Pysäköinnin mobiilimaksamisen-rajapinta"). Neither seed 002 nor the
areas' tariffs say anything of VAT, so the receipt states none rather than a guess.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.bookings.adapter import Seller
from webapp.bookings.models import Booking

#: the city as it names itself in each language (Helsingin kaupunki, Helsingfors stad)
CITY = _l("City of Helsinki")


def seller_for(booking: Booking, language: str) -> Seller:
    """The City of Helsinki, in the page's language; no VAT stated (seed 002 has none)."""
    return Seller(name=str(CITY))
