"""The lot chart's series is read as whole seconds since 1970 (``core.columns.epoch_seconds``), the same on
SQLite and PostgreSQL (the suite runs on both: ``DATABASE_URL``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.seoul.support import register_lot
from webapp.core.clock import utcnow
from webapp.core.columns import epoch_seconds
from webapp.extensions import db
from webapp.seoul.chart import occupancy_chart
from webapp.seoul.lots import occupancy_series
from webapp.seoul.models import SeoulOccupancySample


@pytest.fixture
def lot_id(app):
    return register_lot(app)


def test_epoch_seconds_are_the_stored_instant_with_its_fraction_dropped(app, lot_id):
    moments = [datetime(2026, 12, 6, 23, 59, 59, 999_999, tzinfo=UTC),  # the fraction never rounds up
               datetime(1999, 12, 31, 22, 0, tzinfo=timezone(timedelta(hours=-3))),  # an offset: the same instant
               datetime(2026, 3, 29, 1, 30, 0, 500_000, tzinfo=UTC)]
    db.session.add_all(SeoulOccupancySample(lot_id=lot_id, at=at, received_at=at, method="ParkStatPost",
                                            current_parking=n) for n, at in enumerate(moments))
    db.session.commit()
    found = dict(db.session.execute(select(SeoulOccupancySample.current_parking, epoch_seconds(SeoulOccupancySample.at))
                                    .where(SeoulOccupancySample.lot_id == lot_id,
                                           SeoulOccupancySample.current_parking < len(moments))).all())
    assert found == {n: int(at.timestamp()) for n, at in enumerate(moments)}  # (the lot's own sample is 57 cars)
    assert all(type(seconds) is int for seconds in found.values())


def test_the_series_is_the_windows_samples_in_seconds_oldest_first(app, lot_id):
    now = utcnow().replace(microsecond=250_000) - timedelta(days=2)  # the lot's own sample (now) is outside
    offsets = (timedelta(hours=25), timedelta(hours=24), timedelta(hours=23, minutes=59), timedelta(minutes=1),
               timedelta(0), timedelta(seconds=-1))  # before, at and after the window's two ends
    db.session.add_all(SeoulOccupancySample(lot_id=lot_id, at=now - offset, received_at=now, method="ParkStatPost",
                                            current_parking=n) for n, offset in enumerate(offsets))
    db.session.commit()
    assert occupancy_series(lot_id, now) == tuple((int((now - offsets[n]).timestamp()), n) for n in (2, 3, 4))


def test_the_chart_draws_the_same_from_seconds_as_from_datetimes():
    now = datetime(2026, 12, 6, 12, 0, 30, 250_000, tzinfo=UTC)
    # samples at whole seconds, as the operators date them (the window's end has a fraction)
    whole = now.replace(microsecond=0)
    as_datetimes = [(whole - timedelta(minutes=m, seconds=m % 7), (m * 37) % 120) for m in range(1439, 0, -1)]
    as_seconds = [(int(at.timestamp()), cars) for at, cars in as_datetimes]
    assert occupancy_chart(as_seconds, 150, now, locale="fi") == occupancy_chart(as_datetimes, 150, now, locale="fi")
