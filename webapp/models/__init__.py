"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from .booking import Booking, BookingEvent
from .helsinki import HelsinkiArea, HelsinkiDayType, StreetParking
from .seoul import SeoulLot, SeoulLotOperation, SeoulOccupancySample, SeoulOperatorKey, SeoulRequestCounter, SeoulSpace
from .user import User
from .vehicle import Vehicle

__all__ = [
    "Booking",
    "BookingEvent",
    "HelsinkiArea",
    "HelsinkiDayType",
    "SeoulLot",
    "SeoulLotOperation",
    "SeoulOccupancySample",
    "SeoulOperatorKey",
    "SeoulRequestCounter",
    "SeoulSpace",
    "StreetParking",
    "User",
    "Vehicle",
]
