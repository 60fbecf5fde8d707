"""The car-park list page's rows and pagination, formatted once per distinct value instead of once per row.

``place_search.search_places`` finds one page of places with their availability and price; this module
turns it into what the template prints (``ListRow``), so that the template does no translating,
URL-building or number formatting per row: a translated pattern is looked up once per page and
filled per row, a price is formatted once per distinct quote (a page's 25 rows share a few tariff
sets), an age once per distinct number of minutes, and a place's address is a prefix built once
plus the escaped id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.apds.place_search import PlaceSearch
from webapp.core.clock import format_duration
from webapp.core.money import format_money

#: what a page link must not carry over from the current address (the page is set anew)
_NOT_KEPT = ("page",)


@dataclass(frozen=True)
class ListRow:
    """One car park as the list prints it: every text ready, in the reader's language."""

    url: str
    name: str
    address: str
    #: plenty | few | full | unknown (the CSS class of the free-space figure)
    level: str
    #: "12 of 400 free", "Full" or "No live data"
    free: str
    #: "5 mins ago" ("" without a time)
    age: str
    #: "3 hr: £12.20" or "No price for that stay"
    price: str


@dataclass(frozen=True)
class Pagination:
    """Where the reader is in the list and the addresses of the pages around (None: no such page)."""

    page: int
    pages: int
    previous: str | None
    next: str | None


def list_rows(found: PlaceSearch, minutes: int, now: datetime) -> list[ListRow]:
    """The page's rows ready to print (see the module docstring for what is done once per page)."""
    locale = get_locale() or "en_GB"
    stay = format_duration(minutes, locale)
    # patterns translated once; filled per row with plain % like gettext would (ints need no escaping)
    of_total, ago, priced = _("%(free)s of %(total)s free"), _("%(age)s ago"), _("%(stay)s: %(price)s")
    full, unknown, no_price = _("Full"), _("No live data"), _("No price for that stay")
    # a placeholder id URL-built once: every row's address is the same route with its own id
    marker = "place-id-marker"
    prefix, suffix = url_for("apds.place", place_id=marker).split(marker, 1)
    prices: dict[tuple, str] = {}
    ages: dict[int, str] = {}
    rows = []
    for row in found.rows:
        place, availability, quoted = row.place, row.availability, row.quote
        if availability.level == "unknown":
            free, age = unknown, ""
        else:
            free = full if availability.level == "full" else \
                of_total % {"free": availability.free, "total": availability.total}
            age = ""
            if availability.observed_at is not None:
                # format_duration shows seconds under a minute, else started minutes: one text per value shown
                seconds = max(0, math.ceil(round((now - availability.observed_at).total_seconds(), 6)))
                shown = seconds if seconds < 60 else 60 * math.ceil(seconds / 60)
                if shown not in ages:
                    ages[shown] = ago % {"age": format_duration(timedelta(seconds=shown), locale)}
                age = ages[shown]
        if quoted is None:
            price = no_price
        else:
            key = (quoted.total, quoted.currency)
            if key not in prices:
                prices[key] = priced % {"stay": stay, "price": format_money(quoted.total, quoted.currency, locale)}
            price = prices[key]
        rows.append(ListRow(url=prefix + quote(place.place_id, safe="") + suffix, name=place.name,
                            address=place.address or "", level=availability.level, free=free, age=age, price=price))
    return rows


def pagination(found: PlaceSearch, args: Mapping[str, str]) -> Pagination:
    """The previous and next pages' addresses, with the reader's search and filters kept."""
    kept = {key: value for key, value in args.items() if key not in _NOT_KEPT and value != ""}

    def address(page: int) -> str:
        return url_for("apds.index", **kept, **({"page": page} if page > 1 else {}))

    return Pagination(page=found.page, pages=found.pages,
                      previous=address(found.page - 1) if found.page > 1 else None,
                      next=address(found.page + 1) if found.page < found.pages else None)
