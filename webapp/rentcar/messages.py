"""What a driver reads when a rent company refuses: one sentence per seed 001 result code, in the UI language.

The client keeps the seed's Korean ``resMsg`` and our English note in the
error's ``detail`` (for support); this table is what the pages show.
Codes that concern our configuration (auth, permissions, parameters) all
read as "a problem on our side", never as the driver's mistake.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core.errors import ProviderError, shown_message

_OURS = _l("The rent-car service could not take this request because of a problem on our side. "
           "Our team has been told; please try again later.")

DRIVER_MESSAGES = {
    "1000": _OURS, "1002": _OURS, "1003": _OURS, "2000": _OURS, "9100": _OURS, "9200": _OURS,
    "0125": _OURS, "0126": _OURS, "0131": _OURS, "0320": _OURS, "0130": _OURS,
    "3000": _l("The rent-car service is busy. Please try again in a few minutes."),
    "0111": _l("The company does not hand over or take back cars at that hour. Choose other times."),
    "0112": _l("The company does not take bookings for those dates yet."),
    "0113": _l("The rental is longer than this company allows."),
    "0114": _l("A pick-up today must be booked further in advance. Choose a later pick-up time."),
    "0120": _l("This rent-car company is not available any more."),
    "0121": _l("This car is not offered any more. Please search again."),
    "0122": _l("This insurance is not offered for this car any more. Choose another cover."),
    "0123": _l("This car has no damage-cover option for these dates. Choose another cover."),
    "0124": _l("This insurance covers at most 7 days. Choose another cover or a shorter rental."),
    "0127": _l("This extra is not offered for this car."),
    "0128": _l("This extra is already on your booking."),
    "0129": _l("The company added a second cover at the counter, so this booking can only be changed by "
               "the company. Please call them."),
    "0200": _l("This car was just booked by someone else for these dates. Please choose another."),
    "0300": _l("The company could not calculate a price for this car. Please choose another."),
    "0310": _l("The price has changed since you saw it. Check the new price below."),
    "0311": _l("The company has no price for this car on these dates. Please choose another."),
    "0321": _l("This company does not allow changing the car online. Please call them."),
    "0400": _l("The company's system could not save the change. Please try again in a moment."),
    "0500": _l("The company does not know this booking."),
    "0501": _l("The company does not know this booking."),
    "0510": _l("This extra is not on your booking."),
    "0511": _l("Two extras on your booking have this name; the company must remove one. Please call them."),
    "0601": _l("It is too late to change or cancel this booking online. Please call the company."),
    "0610": _l("This booking is already cancelled or the car is already out."),
    "0611": _l("An extra on your booking is not available with that car. Remove it first."),
    "0612": _l("The company added a second cover at the counter, so this booking can only be changed by "
               "the company. Please call them."),
    "0620": _l("Please keep the reason under 200 characters."),
    "0700": _l("The rent-car companies pause bookings every day from 04:00 to 04:30 (Korean time). "
               "Please try again after 04:30."),
    "9800": _l("Nothing found."),
    "9999": _l("The rent-car company's system failed. Please try again in a moment."),
}


def driver_message(error: ProviderError) -> str:
    """The sentence to show for ``error`` in the page's language."""
    message = DRIVER_MESSAGES.get(error.code)
    return str(message) if message is not None else shown_message(error)
