"""Seoul parking lots fed by operator pushes (``ParklandWRT.svc``, seed 000).

An operator holds an API key; under it we register lots, each with the
``infra_id`` we issued and its 16-byte secret key (stored sealed, see
``webapp.core.sealing``). Everything else arrives through the protocol:
lot information (ParkWritePost), operation and tariffs (ParkOperPost),
occupancy samples (ParkStatPost/ParkStatPost2) and per-space states
(ParkSpacePost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, event, func, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from webapp.core.clock import utcnow
from webapp.core.columns import UTCDateTime
from webapp.extensions import db
from webapp.maps.place_sets import watch
from webapp.seoul import glossary
from webapp.seoul.romanise import has_hangul, romanise

KEY_ISSUED = "issued"
KEY_SUSPENDED = "suspended"
KEY_STATUSES = (KEY_ISSUED, KEY_SUSPENDED)


class SeoulOperatorKey(db.Model):
    """An operator's API key (seed 2.1 "key"); ``request_limit`` is per Seoul calendar day."""

    __tablename__ = "seoul_operator_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=KEY_ISSUED)
    request_limit: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lots = relationship("SeoulLot", back_populates="operator_key", order_by="SeoulLot.id")


# MYKEY123 and mykey123 are one key to a person reading or typing it: unique whatever the case, in the
# database too (the admin's check alone lets two concurrent requests through); migration 0013
Index("uq_seoul_operator_keys_lower_key", func.lower(SeoulOperatorKey.key), unique=True)


class SeoulRequestCounter(db.Model):
    """Requests made with one key on one Seoul day when Redis is not used (``seoul.request_counts``);
    bumped with ``UPDATE … SET n = n + 1`` so every worker and every machine counts against the same row."""

    __tablename__ = "seoul_request_counters"

    key_id: Mapped[int] = mapped_column(ForeignKey("seoul_operator_keys.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class SeoulLot(db.Model):
    """A lot registered under a key, with what ParkWritePost last said about it.

    Lot-info columns stay empty until the operator's first ParkWritePost. The
    latest occupancy (``current_parking`` at ``current_at``) is kept here as
    well as in the samples so the map reads one row per lot; ``last_*`` is the
    outcome of the lot's most recent push, for the admin pages.
    """

    __tablename__ = "seoul_lots"
    __table_args__ = (UniqueConstraint("key_id", "infra_id", name="uq_seoul_lots_key_id_infra_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("seoul_operator_keys.id", ondelete="CASCADE"), index=True)
    infra_id: Mapped[str] = mapped_column(String(16))
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # ParkWritePost (seed 2.2.1.1)
    name: Mapped[str | None] = mapped_column(String(128))
    #: ``name`` in Revised Romanization, kept in step with it (see ``_romanise_name``)
    name_roman: Mapped[str | None] = mapped_column(String(256))
    in_charge: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(16))
    capacity: Mapped[int | None]
    bike_racks: Mapped[int | None]
    compact: Mapped[int | None]
    women: Mapped[int | None]
    disabled: Mapped[int | None]
    electcar: Mapped[int | None]
    nanumcar: Mapped[int | None]
    motorbike: Mapped[int | None]
    bus: Mapped[int | None]
    longitude: Mapped[float | None]
    latitude: Mapped[float | None]
    sync_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    info_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # ParkSpacePost's "count"
    space_count: Mapped[int | None]
    # the newest occupancy sample
    current_parking: Mapped[int | None]
    current_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the most recent push for this lot
    last_method: Mapped[str | None] = mapped_column(String(16))
    last_result_state: Mapped[str | None] = mapped_column(String(4))
    last_message: Mapped[str | None] = mapped_column(String(200))
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: raised by every write of the lot, its operation or its spaces: the lot page keeps what it computed from
    #: them per version (``_bump_data_versions``)
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: raised by every new or changed occupancy sample (the receiver's sample statement, ``_bump_data_versions``):
    #: only the chart reads samples, so a sample a minute leaves the kept floor grid alone (migration 0024)
    sample_version: Mapped[int] = mapped_column(default=0, server_default="0")

    operator_key = relationship("SeoulOperatorKey", back_populates="lots")
    operation = relationship("SeoulLotOperation", uselist=False, back_populates="lot", cascade="all, delete-orphan")

    def display_name(self, language: str) -> DisplayName:
        """The lot's name as a page in ``language`` shows it (see ``DisplayName``)."""
        return DisplayName.of(self.name, self.name_roman, language)

    def display_in_charge(self, language: str) -> DisplayName:
        """Who runs the lot (a person or an office, "강남구 시설관리공단"), shown like the name: in the
        reader's words ("Gangnam-gu Facilities Management Corporation") with the Hangul beside them."""
        return DisplayName.of(self.in_charge, None, language, roman_in_korean=False,
                              reader_form=glossary.operator(self.in_charge, language))


#: the lots the map shows (described: a name and a position), as ``map_layer._described`` selects them; the
#: partial indexes below hold only those rows, in the orders the map's list reads them (romanised name, or
#: Hangul on a Korean page) and by position for a view, so the list's first page, its count and a view's
#: count and groups are read from an index on both databases (migration 0019)
DESCRIBED = "name IS NOT NULL AND latitude IS NOT NULL AND longitude IS NOT NULL"
for _name, _columns in (("ix_seoul_lots_map_roman", ("name_roman", "name", "id")),
                        ("ix_seoul_lots_map_name", ("name", "id")),
                        ("ix_seoul_lots_map_position", ("longitude", "latitude", "name"))):
    Index(_name, *(SeoulLot.__table__.c[column] for column in _columns),
          sqlite_where=db.text(DESCRIBED), postgresql_where=db.text(DESCRIBED))


class SeoulLotOperation(db.Model):
    """ParkOperPost (seed 2.2.1.2): hours as minutes after midnight (0..1440), fees in KRW."""

    __tablename__ = "seoul_lot_operations"

    lot_id: Mapped[int] = mapped_column(ForeignKey("seoul_lots.id", ondelete="CASCADE"), primary_key=True)
    visitor_access: Mapped[bool]
    position_class: Mapped[int | None] = mapped_column(SmallInteger)
    night_free_open: Mapped[bool | None]
    weekday_begin: Mapped[int] = mapped_column(SmallInteger)
    weekday_end: Mapped[int] = mapped_column(SmallInteger)
    weekend_begin: Mapped[int | None] = mapped_column(SmallInteger)
    weekend_end: Mapped[int | None] = mapped_column(SmallInteger)
    holiday_begin: Mapped[int | None] = mapped_column(SmallInteger)
    holiday_end: Mapped[int | None] = mapped_column(SmallInteger)
    rates: Mapped[int]
    time_rate: Mapped[int]
    add_rates: Mapped[int]
    add_time_rate: Mapped[int]
    day_maximum: Mapped[int]
    day_monthly: Mapped[int | None]
    night_monthly: Mapped[int | None]
    all_day_monthly: Mapped[int | None]
    rotation_code: Mapped[int | None] = mapped_column(SmallInteger)
    discount_compact: Mapped[int | None] = mapped_column(SmallInteger)
    discount_disabled: Mapped[int | None] = mapped_column(SmallInteger)
    discount_national_merit: Mapped[int | None] = mapped_column(SmallInteger)
    discount_many_children: Mapped[int | None] = mapped_column(SmallInteger)
    store_discount: Mapped[bool | None]
    notify_memo: Mapped[str | None] = mapped_column(String(256))
    #: ``notify_memo`` in Revised Romanization, for search: operators put the lot's address
    #: there ("서울 마포구 양화로 …" -> "Seoul Mapogu Yanghwaro …"), so "Mapo" finds the lot
    memo_roman: Mapped[str | None] = mapped_column(Text)
    sync_time: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lot = relationship("SeoulLot", back_populates="operation")


#: the set of places the described lots make: the map's counts, matches and groups are kept per stamp of it
#: (``maps.place_sets``), renewed when a lot is added or removed, or a column they read (what makes a lot
#: described, its position, what a search matches) changes; live counts and fees are not among them
PLACE_SET = "seoul"
watch(SeoulLot, PLACE_SET, ("infra_id", "name", "name_roman", "latitude", "longitude"))
watch(SeoulLotOperation, PLACE_SET, ("notify_memo", "memo_roman"))


class SeoulOccupancySample(db.Model):
    """One ParkStatPost or ParkStatPost2 sample.

    ``at`` is when the totals held: the receive time, or ParkStatPost2's
    ``occur_time`` when that is in the past (see ``services.seoul_ingest``).
    The car number of ParkStatPost2 is not kept: drivers never see it and we
    do not need a log of who parked where.
    """

    __tablename__ = "seoul_occupancy_samples"
    __table_args__ = (Index("ix_seoul_occupancy_samples_lot_id_at", "lot_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("seoul_lots.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    method: Mapped[str] = mapped_column(String(16))
    current_parking: Mapped[int]
    disabled_parking: Mapped[int | None]
    regular_parking: Mapped[int | None]
    nanum_parking: Mapped[int | None]
    elect_parking: Mapped[int | None]
    garden_parking: Mapped[int | None]
    inout: Mapped[str | None] = mapped_column(String(1))


class SeoulSpace(db.Model):
    """One parking space as ParkSpacePost last reported it (seed 2.2.1.4)."""

    __tablename__ = "seoul_spaces"
    __table_args__ = (UniqueConstraint("lot_id", "space_id", name="uq_seoul_spaces_lot_id_space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("seoul_lots.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[str] = mapped_column(String(32))
    floor_class: Mapped[str | None] = mapped_column(String(1))  # F above ground, B underground
    floor_number: Mapped[int | None] = mapped_column(SmallInteger)
    occupied: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class DisplayName:
    """A lot name for one language: ``first`` is shown first, ``second`` (may be None) beside it.

    Korean pages show the Hangul first and the romanised form beside it; every other language
    shows the reader's form first (the glossary's: the place romanised, the lot's kind in the
    reader's words, "Apgujeong public car park") and the Hangul beside it. ``first_lang`` / ``second_lang``
    are the ``lang`` attributes ("ko" for Hangul, None for Latin), so screen readers read
    each part in its own language. A name without Hangul is shown once.
    """

    first: str
    second: str | None
    first_lang: str | None
    second_lang: str | None

    @classmethod
    def of(cls, name: str | None, name_roman: str | None, language: str, *,
           roman_in_korean: bool = True, reader_form: str | None = None) -> DisplayName:
        """The display of ``name`` (Hangul as sent) and ``name_roman`` for a page in ``language``;
        ``roman_in_korean=False`` leaves the romanised form out of Korean pages (for text such as
        an address, where it helps only those who read no Hangul). Other languages show
        ``reader_form``, by default the lot name in the reader's words (``glossary.lot_name``)."""
        name = name or ""
        if not has_hangul(name):
            return cls(name, None, None, None)
        if language == "ko":
            return cls(name, (name_roman or romanise(name)) if roman_in_korean else None, "ko", None)
        reader = language if language in glossary.READERS else "en"
        shown = reader_form or glossary.lot_name(name, reader) or name_roman or romanise(name)
        return cls(shown, name, None, "ko")

    def __str__(self) -> str:
        """One line, e.g. for a page title: "Gangnamyeok Gongyeongjuchajang (강남역 공영주차장)"."""
        return self.first if self.second is None else f"{self.first} ({self.second})"


# Every writer of a lot's name or memo (the receiver's ParkWritePost/ParkOperPost, the demo
# feed that goes through it, the admin, tests) goes through these attributes, so the
# romanised forms are kept here once rather than at each writer. A bulk UPDATE statement
# bypasses them: write the name through the ORM.
ROMAN_NAME_LENGTH = 256


@event.listens_for(SeoulLot.name, "set")
def _romanise_name(lot: SeoulLot, value: str | None, _old, _initiator) -> None:
    lot.name_roman = None if value is None else romanise(value)[:ROMAN_NAME_LENGTH]


@event.listens_for(SeoulLotOperation.notify_memo, "set")
def _romanise_memo(operation: SeoulLotOperation, value: str | None, _old, _initiator) -> None:
    operation.memo_roman = romanise(value)


def _lot_id_of(item) -> int | None:
    if item.lot_id is not None:
        return item.lot_id
    lot = getattr(item, "lot", None)  # an operation given to its lot before either was flushed
    return lot.id if lot is not None else None


@event.listens_for(Session, "before_flush")
def _bump_data_versions(session: Session, _context, _instances) -> None:
    """Raise ``data_version`` (the lot, its operation, its spaces) or ``sample_version`` (its samples) of every
    lot whose data this flush writes, in SQL (two workers' writes both count).

    The receiver's sample statement is Core and raises it itself (``ingest._NOTE_SAMPLE``); every other
    writer — the receiver's other methods, the admin, demo data, tests — goes through the ORM and so here.
    """
    changed: dict[str, set[int]] = {"data_version": set(), "sample_version": set()}
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, SeoulLot):
            if item in session.dirty and session.is_modified(item, include_collections=False):
                item.data_version = SeoulLot.data_version + 1
        elif isinstance(item, SeoulLotOperation | SeoulSpace | SeoulOccupancySample):
            lot_id = _lot_id_of(item)
            if lot_id is not None:
                changed["sample_version" if isinstance(item, SeoulOccupancySample) else "data_version"].add(lot_id)
    table = SeoulLot.__table__
    for column, lot_ids in changed.items():
        for lot_id in lot_ids:
            lot = session.identity_map.get(identity_key(SeoulLot, lot_id))
            if lot is not None and lot not in session.deleted:
                setattr(lot, column, getattr(SeoulLot, column) + 1)
            elif lot is None:
                session.connection().execute(update(table).where(table.c.id == lot_id)
                                             .values({column: table.c[column] + 1}))


__all__ = [
    "KEY_ISSUED",
    "KEY_SUSPENDED",
    "DisplayName",
    "SeoulLot",
    "SeoulLotOperation",
    "SeoulOccupancySample",
    "SeoulOperatorKey",
    "SeoulRequestCounter",
    "SeoulSpace",
]
