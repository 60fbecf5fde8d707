"""The rent-car search results' words, each translated once per distinct value rather than once per offer.

A Jeju search lists a few dozen models and a hundred-odd offers; each offer printed its "car only"
note, its age limit, how many are left, its full-cover price and its "Choose" link, each through a
translation call (and a URL build) of its own: most of the page's time at a few dozen companies
(issue 18). The texts depend on few values (an age limit, a count, a seat count), so they are made
once per value here and the template looks them up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from webapp.core.money import format_money
from webapp.rentcar import rentals
from webapp.rentcar.rentals.search import SearchResult

#: stand-ins URL-built once: every offer's "Choose" address is the same route with its company and car
_CODE, _MID = "company-code-marker", 987654321


@dataclass(frozen=True)
class ResultTexts:
    """What every offer and model says, by the value it depends on (``age[19]`` = "from age 19")."""

    car_only: str
    choose: str
    change: str
    included: str
    age: dict[int, str] = field(default_factory=dict)
    left: dict[int, str] = field(default_factory=dict)
    seats: dict[int, str] = field(default_factory=dict)
    full_cover: dict[int, str] = field(default_factory=dict)
    #: "Choose" addresses by (company code, model id)
    choose_url: dict[tuple[str, int], str] = field(default_factory=dict)
    #: a model's fuel and gearbox in words, by their codes
    fuel: dict[str, str] = field(default_factory=dict)
    transmission: dict[str, str] = field(default_factory=dict)


def result_texts(result: SearchResult | None, window: dict) -> ResultTexts | None:
    """The texts of ``result``'s offers (None without a result); ``window`` holds the searched start and end."""
    if result is None:
        return None
    locale = get_locale() or "en_GB"  # as the money filter
    texts = ResultTexts(car_only=_("car only, total for your dates"), choose=_("Choose"),
                        change=_("Change to this car"), included=_("Included:"))
    # the pattern translated once (gettext without values returns it as it is), filled per price: prices differ
    full_cover = _("with full cover %(price)s")
    template = url_for("rentals.detail", code=_CODE, mid=_MID, start=window.get("start"), end=window.get("end"))
    for group in result.groups:
        if group.fuel not in texts.fuel:
            texts.fuel[group.fuel] = str(rentals.FUELS.get(group.fuel, group.fuel))
        if group.transmission not in texts.transmission:
            texts.transmission[group.transmission] = str(rentals.TRANSMISSIONS.get(group.transmission,
                                                                                  group.transmission))
        if group.seats not in texts.seats:
            texts.seats[group.seats] = ngettext("%(num)s seat", "%(num)s seats", group.seats)
        for offer in group.offers:
            if offer.min_age not in texts.age:
                texts.age[offer.min_age] = _("from age %(age)s", age=offer.min_age)
            if offer.available not in texts.left:
                texts.left[offer.available] = ngettext("%(num)s left", "%(num)s left", offer.available)
            if offer.fee_option2 and offer.fee_option2 not in texts.full_cover:
                texts.full_cover[offer.fee_option2] = full_cover % {
                    "price": format_money(offer.fee_option2, "KRW", locale)}
            texts.choose_url[(offer.company_code, offer.mid)] = template.replace(
                _CODE, quote(offer.company_code, safe=""), 1).replace(str(_MID), str(int(offer.mid)), 1)
    return texts
