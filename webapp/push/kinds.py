"""The kinds of notification a driver can turn on or off, each with its words for the profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: a street parking or a car-park session with an end time ends in 10 minutes (Extend / Stop actions)
PARKING_ENDING = "parking_ending"
#: a Helsinki parking's 2-minute regret time is over: from now on it is stopped, not cancelled
REGRET_ENDED = "regret_ended"
#: a ticketless car park's camera saw the car come in, or go out and the stay was paid
CAR_PARK_VISIT = "car_park_visit"
#: a rent-car is picked up tomorrow
RENTAL_PICKUP = "rental_pickup"
#: the car is dropped off at the 247Parking valet tomorrow
VALET_DROPOFF = "valet_dropoff"

#: every kind, in the order the profile lists them, with the words it shows
KINDS: dict[str, object] = {
    PARKING_ENDING: _l("A parking ends in 10 minutes"),
    REGRET_ENDED: _l("The free cancellation time of a street parking is over"),
    CAR_PARK_VISIT: _l("A car park saw your car come in, or go out and paid"),
    RENTAL_PICKUP: _l("A rent-car pick-up is tomorrow"),
    VALET_DROPOFF: _l("An airport valet drop-off is tomorrow"),
}


def kind_label(kind: str) -> str:
    """A kind in the page's language (an unknown kind as it is stored)."""
    label = KINDS.get(kind)
    return str(label) if label is not None else kind
