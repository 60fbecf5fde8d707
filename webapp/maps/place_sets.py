"""Stamps of the sets of places the map and the lists show: new whenever a place is added, removed, moved
or renamed, so that what depends only on that (counts, matches of a search, groups on the map) is kept
per stamp instead of being worked out again at every visit.

Why: PostgreSQL answers ``count(*)`` by visiting every row when the visibility map is clear, and the
occupancy figures, rewritten every minute, keep it clear. At 10,000 places of each kind, counting the
three layers was 3-5 ms of a 12 ms /map page, and a search by words 10 ms (issue 18, ``bench/map.py``).

A stamp is random, not a counter: a new database's first stamp can never name what another database
kept. A feature declares which of its models and columns make its set (``watch``); every ORM flush that
adds, removes or changes one of those columns, and every ORM bulk insert or delete of the model, gives the
set a new stamp in the same transaction. A Core write of those columns (the benches' bulk load) calls
``renew`` itself; an ORM bulk UPDATE must too (none of ours writes a watched column: the Seoul receiver's
sample note and the APDS occupancy claim write live figures only, which no kept answer holds).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, g, has_request_context
from sqlalchemy import String, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from webapp.core.kept import kept
from webapp.extensions import db

T = TypeVar("T")

#: answers kept per set: counts, matches of recent searches, groups of recent views (``PLACE_SET_KEPT_ANSWERS``;
#: 0 keeps none, as ``bench/map.py`` measures what a request costs right after a place changed)
KEPT_PER_SET = 512


class PlaceSet(db.Model):
    """One row per set of places (``name``: "helsinki", "seoul", "apds") with its current stamp."""

    __tablename__ = "place_sets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))


@dataclass(frozen=True)
class _Watched:
    name: str
    columns: frozenset[str]


#: the models whose rows make a set, with the columns that matter to it
_WATCHED: dict[type, _Watched] = {}


def renew(connection, name: str) -> None:
    """Give set ``name`` a new stamp in SQL on ``connection``, creating its row the first time (two writers
    at once both write a stamp, and the last one stays: either is new to every reader)."""
    table = PlaceSet.__table__
    stamp = uuid.uuid4().hex
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(dialect_insert(table).values(name=name, stamp=stamp).on_conflict_do_update(
        index_elements=[table.c.name], set_={"stamp": stamp}))
    if has_request_context():
        g.pop("place_set_stamps", None)  # this request reads the new stamp from now on


def watch(model: type, name: str, columns: tuple[str, ...]) -> None:
    """Renew set ``name`` whenever a ``model`` row is added or removed, or one of ``columns`` changes."""
    _WATCHED[model] = _Watched(name, frozenset(columns))


def _changed(item, columns: frozenset[str]) -> bool:
    attributes = inspect(item).attrs
    return any(attributes[column].history.has_changes() for column in columns)


@event.listens_for(Session, "before_flush")
def _renew_on_flush(session: Session, _context, _instances) -> None:
    names = set()
    for item in (*session.new, *session.deleted, *session.dirty):
        watched = _WATCHED.get(type(item))
        if watched is None or watched.name in names:
            continue
        if item in session.dirty and not _changed(item, watched.columns):
            continue
        names.add(watched.name)
    for name in sorted(names):
        renew(session.connection(), name)


@event.listens_for(Session, "do_orm_execute")
def _renew_on_bulk_write(state) -> None:
    """An ORM-enabled bulk insert or delete (``session.execute(delete(Model)…)``), which no flush sees."""
    if (state.is_insert or state.is_delete) and state.bind_mapper is not None:
        watched = _WATCHED.get(state.bind_mapper.class_)
        if watched is not None:
            renew(state.session.connection(), watched.name)


def stamp(name: str) -> str | None:
    """The current stamp of set ``name`` (None: never stamped). All sets are read in one statement, once per
    request: read before what is kept under it, so a kept answer is never older than its stamp."""
    if has_request_context():
        if "place_set_stamps" not in g:
            g.place_set_stamps = dict(db.session.execute(select(PlaceSet.name, PlaceSet.stamp)).all())
        return g.place_set_stamps.get(name)
    return db.session.scalar(select(PlaceSet.stamp).where(PlaceSet.name == name))


def _kept_size() -> int:
    return int(current_app.config.get("PLACE_SET_KEPT_ANSWERS", KEPT_PER_SET))


def kept_for_set(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s answer kept per stamp of set ``name`` and ``key``; computed each time while the set has
    no stamp (its rows were written by none of the ways that stamp it)."""
    size = _kept_size()
    current = stamp(name) if size > 0 else None
    if current is None:
        return compute()
    return kept(f"place_set:{name}", (current, key), compute, size)


def store_for_stamp(name: str, purpose: str, key: Hashable) -> dict:
    """The worker's mutable store ``purpose``/``key`` for the current stamp of set ``name``, filled a piece at a
    time by its caller (a layer's words per place). Only the current stamp's store is held: an older one is
    dropped at once, not left to age out of the kept answers, as each may grow to every place of the set.
    An empty store, not held, while the set has no stamp or keeping is off (``PLACE_SET_KEPT_ANSWERS``: 0)."""
    current = stamp(name) if _kept_size() > 0 else None
    if current is None:
        return {}
    stores = current_app.extensions.setdefault(f"kept:place_set:{name}:{purpose}", {})
    held = stores.get(key)
    if held is None or held[0] != current:
        held = stores[key] = (current, {})
    return held[1]


def kept_count(name: str, key: Hashable, counted) -> int:
    """What ``counted`` (a ``SELECT count(*)`` of rows of set ``name``) answers, kept per stamp of the set."""
    return kept_for_set(name, ("count", key), lambda: db.session.scalar(counted) or 0)


def set_version(name: str, counted, *newest) -> str:
    """A layer's version, in one statement: the stamp of set ``name`` (while it has none, the count of its rows,
    ``counted``, which an addition or removal changes) and the values of the scalar subqueries ``newest`` (the
    newest fetch of a copy, read from the end of its index)."""
    stamped, *values = db.session.execute(select(
        select(PlaceSet.stamp).where(PlaceSet.name == name).scalar_subquery(), *newest)).one()
    if stamped is None:
        stamped = f"n{db.session.scalar(counted) or 0}"
    return ":".join([stamped, *("-" if value is None else str(value) for value in values)])
