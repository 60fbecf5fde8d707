"""Helsinki street parking: the city's areas and day types cached locally, and parking details."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.columns import UTCDateTime
from webapp.extensions import db
from webapp.maps.place_sets import watch
from webapp.maps.search import search_text


class HelsinkiArea(db.Model):
    """A city parking area as last fetched from ``/areas`` (so the map does not call the city per view).

    Texts are kept in all three languages; ``geometry`` is RFC 7946 GeoJSON
    (longitude first), already turned round from the seed's latitude-first order.
    """

    __tablename__ = "helsinki_areas"
    # the map's list is ordered by zone and code, its viewport filter reads the centre, and the
    # freshness check reads the oldest fetch: each an index, not a scan of every area
    __table_args__ = (Index("ix_helsinki_areas_zone_area_id", "zone", "area_id"),
                      Index("ix_helsinki_areas_centre", "centre_lon", "centre_lat"))

    area_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    zone: Mapped[int | None]
    name: Mapped[dict] = mapped_column(JSON)  # {"fi": …, "sv": …, "en": …}
    street: Mapped[dict] = mapped_column(JSON)
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    geometry: Mapped[dict | None] = mapped_column(JSON)
    centre_lon: Mapped[float | None]
    centre_lat: Mapped[float | None]
    max_capacity: Mapped[int | None]
    max_time_in_minutes: Mapped[int | None]
    resident_parking_codes: Mapped[list] = mapped_column(JSON, default=list)
    special_parking_codes: Mapped[list] = mapped_column(JSON, default=list)
    tariffs: Mapped[list] = mapped_column(JSON, default=list)  # [{day_type, name, from, until, hourly_price}]
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: what the list search matches (code, names and streets in every language), filled on every write
    search_text: Mapped[str] = mapped_column(Text, default="")

    def text(self, field: str, language: str) -> str:
        """A localized field in ``language`` (fi/sv/en), falling back to English, then Finnish."""
        values = getattr(self, field) or {}
        return values.get(language) or values.get("en") or values.get("fi") or ""


@event.listens_for(HelsinkiArea, "before_insert")
@event.listens_for(HelsinkiArea, "before_update")
def _fill_search_text(_mapper, _connection, area: HelsinkiArea) -> None:
    area.search_text = search_text(area.area_id, *(area.name or {}).values(), *(area.street or {}).values(),
                                   area.postal_code)


#: the set of places the areas make: the map's counts, matches and groups are kept per stamp of it
#: (``maps.place_sets``), renewed when an area is added or removed or one of the columns they read changes
PLACE_SET = "helsinki"
watch(HelsinkiArea, PLACE_SET, ("area_id", "zone", "name", "street", "postal_code", "centre_lon", "centre_lat"))


class HelsinkiDayType(db.Model):
    """The city's day type of one date (holidays are SUNDAY), from ``/day_types``."""

    __tablename__ = "helsinki_day_types"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    day_type: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StreetParking(db.Model):
    """What a street-parking booking needs beyond the common booking columns.

    ``area_id`` is a column because reconciliation looks the parking up at
    the city by plate and area after a lost reply.
    """

    __tablename__ = "street_parkings"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[str] = mapped_column(String(40), index=True)
    zone: Mapped[int | None]
    device_id: Mapped[str] = mapped_column(String(64))

    booking = relationship("Booking", backref=db.backref("street_parking", uselist=False, cascade="all, delete-orphan"))
    #: the area parked in, joined wherever a parking is loaded (a list of bookings names each by its area:
    #: ``parkings.booking_title`` then finds it loaded). Joined rather than read by a second query: a
    #: statement of its own cost the history page 0.4 ms (issue 18, ``bench/pages.py``). A list loads only
    #: the code and the names (``bookings.history.listing_options``)
    area = relationship(HelsinkiArea, primaryjoin="foreign(StreetParking.area_id) == HelsinkiArea.area_id",
                        viewonly=True, lazy="joined", info={"listed_columns": ("area_id", "name")})


class HubReport(db.Model):
    """What the city's parking hub (parkkihubi) was told of one street parking, and what is still to tell.

    Only for bookings made with ``HELSINKI_BACKEND=parkkihubi`` (``Booking.provider`` "parkkihubi").
    The hub cannot be read back, so this row is our only knowledge of it: the hub's id (its only
    handle), the end it should hold (or that it should hold nothing), whether its last answer
    confirmed that, and when to send it again (``webapp/helsinki/hub.py`` says why each is kept).
    """

    __tablename__ = "helsinki_hub_reports"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    #: the hub's UUID from the create's answer (None while no create was answered)
    parking_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    time_start: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the end the hub should hold: the end the driver paid for, or the stop
    time_end: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the hub should hold nothing (cancelled within the regret time, or a start that failed)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    #: the hub's last answer confirmed what it should hold
    confirmed: Mapped[bool] = mapped_column(default=False)
    #: send what it should hold again at or after this instant (None: nothing outstanding)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: until then a write whose answer was lost may still be carried out late: send the truth again by then
    recheck_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: creates whose answer was lost: each may have left a parking we cannot address, which ends by itself
    lost_creates: Mapped[int] = mapped_column(default=0)
    last_sent: Mapped[dict | None] = mapped_column(JSON)
    last_answer: Mapped[dict | None] = mapped_column(JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # not one of a list's details (bookings.history.listing_options): no row of a list shows it
    booking = relationship("Booking", backref=db.backref("hub_report", uselist=False, cascade="all, delete-orphan",
                                                         info={"listed": False}))
