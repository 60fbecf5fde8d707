"""APDS car parks: the platform's places cached locally, booking details, received events, our subscription."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.columns import UTCDateTime
from webapp.extensions import db
from webapp.maps.place_sets import watch
from webapp.maps.search import search_text


class ApdsPlace(db.Model):
    """A platform place as last fetched (so the map and list do not call the platform per view).

    ``tariff_key`` names the place's ``ApdsTariffSet`` (its right specifications and
    rate tables): car parks of one operator share a handful of tariffs, so a list of
    thousands of places decodes each tariff once, not once per place. The occupancy
    columns are the **shared short cache** of the live figures: every worker reads and
    refreshes the same row, so N open pages polling cost one platform call per place per
    ``OCCUPANCY_TTL``, not N.
    """

    __tablename__ = "apds_places"
    # the map's list by name, a view's places by position, the copy's and the free-space figures' age,
    # and the tariff sets in use (one price per set and zone): each from an index (migration 0019)
    __table_args__ = (Index("ix_apds_places_name", "name", "place_id"),
                      Index("ix_apds_places_position", "longitude", "latitude"),
                      Index("ix_apds_places_tariff_key_time_zone", "tariff_key", "time_zone"))

    place_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    tariff_key: Mapped[str] = mapped_column(String(64), default="")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    spaces_total: Mapped[int | None]
    spaces_free: Mapped[int | None]
    occupancy_indicator: Mapped[str] = mapped_column(String(20), default="")
    occupancy_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    occupancy_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: what the list search matches (name and address), filled on every write
    search_text: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(ApdsPlace, "before_insert")
@event.listens_for(ApdsPlace, "before_update")
def _fill_search_text(_mapper, _connection, place: ApdsPlace) -> None:
    place.search_text = search_text(place.name, place.address)


#: the set of places the car parks make: the map's and the list's counts, matches and groups are kept per stamp
#: of it (``maps.place_sets``), renewed when a car park is added or removed or a column they read (its name,
#: address or position) changes; live free spaces and tariffs are not among them
PLACE_SET = "apds"
watch(ApdsPlace, PLACE_SET, ("place_id", "name", "address", "latitude", "longitude"))


class ApdsTariffSet(db.Model):
    """Right specifications with their rate tables, as the platform sent them, keyed by a hash of the content.

    ``tariffs`` is ``[{"right": {...}, "rate": {...}}]`` (the rate engine reads them with the
    wire models); a key names one content forever, so a parsed copy can be kept in memory.
    """

    __tablename__ = "apds_tariff_sets"

    tariff_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tariffs: Mapped[list] = mapped_column(JSON)


class ApdsSession(db.Model):
    """What an APDS booking needs beyond the common booking columns.

    ``mode``: ``phone`` (we post a pay-by-phone session, flow 2), ``ticketless``
    (we register the plate with an assigned right; the operator's camera opens and
    closes the session, flow 3) or ``pay_running`` (we pay a session the operator
    opened, flow 4). ``transaction_id`` is our reference as it travels in
    ``financialTransactions[].transactionId`` (see ``adapter.py``).
    """

    __tablename__ = "apds_sessions"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    place_id: Mapped[str] = mapped_column(String(64), index=True)
    transaction_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    session_version: Mapped[int | None]
    assigned_right_id: Mapped[str | None] = mapped_column(String(64), index=True)
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amount_due: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    booking = relationship("Booking", backref=db.backref("apds", uselist=False, cascade="all, delete-orphan"))


class ApdsEvent(db.Model):
    """One platform event we accepted; the unique ``event_id`` makes a redelivery a no-op."""

    __tablename__ = "apds_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(40))
    subscription_id: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict] = mapped_column(JSON)


class ApdsSubscription(db.Model):
    """Our webhook subscription at the platform; the signing secret is sealed with ``SECRET_KEY``."""

    __tablename__ = "apds_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(String(500))
    sealed_secret: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
