"""Rent-cars on the booking core: the use cases, one module each.

- ``search``: the linked companies and the cars free for a window, grouped by model (search and compare).
- ``quote``: one car's covers side by side, its extras and deadline; the cover keys the forms post.
- ``reserve``: ``revadd`` at the fees of the quote the driver saw (0310 asks again with a fresh quote).
- ``change``: preview and book another window, cover or model (``revupdate`` with ``feesumchk``).
- ``extras``: the extras of a booked rental, add and remove.
- ``cancel``: ``revcancel`` with the driver's reason.
- ``lookup``: a booked rental, its reconcile, and the guards every change goes through.
- ``shared``: the provider's client, the window check and the API-cost meter.
- ``catalogue``: what the companies' Korean names mean to our drivers.

Callers import from here (``from webapp.rentcar import rentals``); the names
below are the package's interface.
"""

from webapp.core.errors import ProviderFailedError  # callers catch it as rentals.ProviderFailedError
from webapp.rentcar.rentals.cancel import MAX_REASON, cancel_rental
from webapp.rentcar.rentals.catalogue import COMPANY_ROMANISED, FUELS, REGIONS, ROMANISED, TRANSMISSIONS
from webapp.rentcar.rentals.change import ChangePreview, change_rental, confirm_change, preview_change
from webapp.rentcar.rentals.extras import add_extra, remove_extra, rental_extras
from webapp.rentcar.rentals.lookup import RentalView, check_rental, ensure_own_rental, format_deadline, get_rental
from webapp.rentcar.rentals.quote import CoverChoice, Quote, cached_quote, cover_key, parse_cover, quote_rental
from webapp.rentcar.rentals.reserve import PriceChangedError, ReserveRequest, own_overlapping, reserve_rental
from webapp.rentcar.rentals.search import (
    COMPANIES_REUSE_SECONDS,
    SearchCriteria,
    SearchResult,
    available_cars,
    linked_companies,
    linked_company_list,
    offer_of,
    search_rentals,
)
from webapp.rentcar.rentals.shared import COST_UNITS, CURRENCY, PROVIDER, Meter, cost_by_day, validate_window

__all__ = [
    "COMPANIES_REUSE_SECONDS", "COMPANY_ROMANISED", "COST_UNITS", "CURRENCY", "FUELS", "MAX_REASON",
    "PROVIDER", "REGIONS", "ROMANISED", "TRANSMISSIONS", "ChangePreview", "CoverChoice", "Meter",
    "PriceChangedError", "ProviderFailedError", "Quote", "RentalView", "ReserveRequest", "SearchCriteria",
    "SearchResult", "add_extra", "available_cars", "cached_quote", "cancel_rental", "change_rental", "check_rental",
    "confirm_change", "cost_by_day", "cover_key", "ensure_own_rental", "format_deadline", "get_rental",
    "linked_companies", "linked_company_list", "offer_of", "own_overlapping", "parse_cover", "preview_change",
    "quote_rental", "remove_extra", "rental_extras", "reserve_rental", "search_rentals", "validate_window",
]
