"""A driver's vehicles: add, rename, remove, choose the default."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.accounts.models import Vehicle
from webapp.accounts.plates import normalise_plate
from webapp.core.errors import NotFoundError, ValidationError
from webapp.extensions import db

MAX_VEHICLES = 20


def list_vehicles(user_id: int) -> list[Vehicle]:
    """The user's vehicles, default first."""
    return list(db.session.scalars(
        select(Vehicle).where(Vehicle.user_id == user_id).order_by(Vehicle.is_default.desc(), Vehicle.id)
    ))


def get_vehicle(user_id: int, vehicle_id: int) -> Vehicle:
    """Return one of the user's vehicles. Raises NotFoundError for anyone else's."""
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.user_id != user_id:
        raise NotFoundError("no such vehicle")
    return vehicle


def add_vehicle(user_id: int, country: str, plate: str, nickname: str = "", make_default: bool = False) -> Vehicle:
    """Register a plate for the user; the first vehicle becomes the default.

    Raises:
        ValidationError: bad plate or country, duplicate plate, too many vehicles.
    """
    plate = normalise_plate(country, plate)
    country = country.upper()
    existing = list_vehicles(user_id)
    if any(v.plate == plate and v.country == country for v in existing):
        raise ValidationError({"plate": str(_l("You have already added this vehicle."))})
    if len(existing) >= MAX_VEHICLES:
        raise ValidationError({"plate": str(_l("You can keep at most %(n)d vehicles.", n=MAX_VEHICLES))})
    vehicle = Vehicle(user_id=user_id, plate=plate, country=country, nickname=_clean_nickname(nickname))
    db.session.add(vehicle)
    if make_default or not existing:
        _make_default(existing, vehicle)
    db.session.commit()
    return vehicle


def rename_vehicle(user_id: int, vehicle_id: int, nickname: str, make_default: bool = False) -> Vehicle:
    """Change a vehicle's nickname (and optionally make it the default)."""
    vehicle = get_vehicle(user_id, vehicle_id)
    vehicle.nickname = _clean_nickname(nickname)
    if make_default:
        _make_default(list_vehicles(user_id), vehicle)
    db.session.commit()
    return vehicle


def set_default_vehicle(user_id: int, vehicle_id: int) -> Vehicle:
    """Make one vehicle the default for new bookings."""
    vehicle = get_vehicle(user_id, vehicle_id)
    _make_default(list_vehicles(user_id), vehicle)
    db.session.commit()
    return vehicle


def remove_vehicle(user_id: int, vehicle_id: int) -> None:
    """Remove a vehicle; if it was the default, the oldest remaining one takes over."""
    vehicle = get_vehicle(user_id, vehicle_id)
    was_default = vehicle.is_default
    db.session.delete(vehicle)
    db.session.flush()
    remaining = list_vehicles(user_id)
    if was_default and remaining:
        _make_default(remaining, min(remaining, key=lambda v: v.id))
    db.session.commit()


def _make_default(vehicles: list[Vehicle], chosen: Vehicle) -> None:
    for vehicle in vehicles:
        vehicle.is_default = False
    chosen.is_default = True


def _clean_nickname(nickname: str) -> str:
    nickname = " ".join((nickname or "").split())
    if len(nickname) > 40:
        raise ValidationError({"nickname": str(_l("Keep the name under 40 characters."))})
    return nickname
