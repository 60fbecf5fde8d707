"""Who sells a rent-car reservation, as its receipt names it.

The rent-car company rents the car (we are a travel agency of the companies' server, seed 001): its
name is the one the company gave (``R회사명`` as kept on the rental), with its romanised form beside it
for a reader of another language. Seed 001 says nothing of VAT (부가세) in its fees, so the receipt
states none rather than a guess.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.bookings.adapter import Seller
from webapp.bookings.models import Booking
from webapp.rentcar.rentals.catalogue import COMPANY_ROMANISED

#: a booking whose rental row is gone
UNKNOWN_COMPANY = _l("The rent-car company")


def seller_for(booking: Booking, language: str) -> Seller:
    """The company of the rental (``한라렌트카 · Halla Rent-a-car`` outside Korean); no VAT stated."""
    rental = booking.rental
    if rental is None:
        return Seller(name=str(UNKNOWN_COMPANY))
    romanised = COMPANY_ROMANISED.get(rental.company_code, "")
    if language == "ko" or not romanised or romanised == rental.company_name:
        return Seller(name=rental.company_name)
    return Seller(name=f"{rental.company_name} · {romanised}")
