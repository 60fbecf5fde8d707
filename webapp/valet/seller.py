"""Who sells a 247Parking valet reservation, as its receipt names it.

247Parking sells the parking to the traveller (we are its partner, seed 004); its prices include VAT,
at the rate its published price list states (``vat_percent``; seed 004 "totaalprijs": "always calculated
inclusive of VAT (21%)").
"""

from __future__ import annotations

from webapp.bookings.adapter import Seller
from webapp.bookings.models import Booking
from webapp.valet import pricing

#: the company as the seed and its voucher name it (the seed gives no other legal name)
COMPANY = "247Parking"


def seller_for(booking: Booking, language: str) -> Seller:
    """247Parking, with the VAT rate of its price list (included in every price)."""
    return Seller(name=COMPANY, vat_included=True, vat_rate=pricing.price_list().vat_percent / 100)
