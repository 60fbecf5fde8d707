"""The demo operator's live feed (webapp/seoul/jobs.py): demo lots stay live, a lot that stops pushing does not."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.seoul import support
from webapp.core.jobs import huey
from webapp.extensions import db
from webapp.seoul import admin as seoul_admin
from webapp.seoul import lots as seoul_lots
from webapp.seoul.jobs import feed_demo_lots, push_demo_feed
from webapp.seoul.models import KEY_SUSPENDED, SeoulLot, SeoulSpace
from webapp.seoul.operator import feed as seoul_feed
from webapp.seoul.operator.demo_data import DEMO_KEY, DEMO_LOTS

OTHER_KEY, OTHER_LOT = "OTHER-OPERATOR", "990001"


@pytest.fixture
def demo_and_other_lot(app):
    """The demo lots as `flask demo load` registers them, one other operator's lot, all 20 minutes old."""
    assert seoul_feed.load_demo(history_hours=0) == len(DEMO_LOTS)
    support.register_lot(app, key=OTHER_KEY, infra_id=OTHER_LOT)
    for lot in db.session.scalars(select(SeoulLot)):
        lot.current_at -= timedelta(minutes=20)  # nobody pushed for 20 minutes
    db.session.commit()
    live = _live_by_infra_id()
    assert len(live) == len(DEMO_LOTS) + 1 and not any(live.values())
    return app


def _live_by_infra_id() -> dict[str, bool]:
    db.session.rollback()  # see what the job's own session committed
    return {lot.infra_id: lot.availability.live for lot in seoul_lots.list_lots()}


def _occupied() -> dict[str, set[str]]:
    rows = db.session.execute(select(SeoulLot.infra_id, SeoulSpace.space_id).join(SeoulLot)
                              .where(SeoulSpace.occupied.is_(True))).all()
    occupied: dict[str, set[str]] = {}
    for infra_id, space_id in rows:
        occupied.setdefault(infra_id, set()).add(space_id)
    return occupied


@pytest.mark.parametrize("minute", [datetime(2026, 1, 1, 0, 0), datetime(2026, 11, 23, 9, 41),
                                    datetime(2026, 12, 31, 23, 59)])
def test_the_demo_feed_is_scheduled_every_minute(minute):
    due = {type(task).__name__ for task in huey.read_periodic(minute)}

    assert "push_demo_feed" in due
    assert push_demo_feed.task_class().validate_datetime(minute)


def test_the_feed_task_makes_the_demo_lots_live_and_leaves_another_operators_lot_stale(demo_and_other_lot):
    push_demo_feed.call_local()

    live = _live_by_infra_id()
    assert live.pop(OTHER_LOT) is False
    assert live == {lot.infra_id: True for lot in DEMO_LOTS}


def test_the_feed_carries_on_from_the_stored_floor_grid(demo_and_other_lot):
    before = _occupied()

    stats = feed_demo_lots(rng=random.Random(7))

    assert stats.refused == 0
    assert stats.pushes >= 2 * len(DEMO_LOTS)  # a total and a grid per lot, and the cars in and out
    after = _occupied()
    for lot in DEMO_LOTS:
        # one simulated minute moves a few cars, not the whole lot (a fresh random fill would)
        assert len(before.get(lot.infra_id, set()) ^ after.get(lot.infra_id, set())) <= max(5, lot.capacity // 10)
    assert after[OTHER_LOT] == before[OTHER_LOT]


def test_a_suspended_demo_key_gets_nothing_pushed_and_its_lots_go_stale(demo_and_other_lot):
    seoul_admin.set_key_status_by_key(DEMO_KEY, KEY_SUSPENDED)

    stats = feed_demo_lots()

    assert stats.pushes == 0
    assert not any(_live_by_infra_id().values())


def test_a_removed_demo_lot_is_not_fed_back(demo_and_other_lot):
    removed = DEMO_LOTS[0].infra_id
    db.session.delete(db.session.scalar(select(SeoulLot).where(SeoulLot.infra_id == removed)))
    db.session.commit()

    stats = feed_demo_lots()

    assert stats.refused == 0  # nothing pushed for the removed lot (the receiver would refuse it)
    live = _live_by_infra_id()
    assert removed not in live
    assert live.pop(OTHER_LOT) is False
    assert all(live.values()) and len(live) == len(DEMO_LOTS) - 1


def test_without_demo_data_the_feed_pushes_nothing(app):
    support.register_lot(app, key=OTHER_KEY, infra_id=OTHER_LOT)

    assert feed_demo_lots().pushes == 0
    assert seoul_admin.find_key(DEMO_KEY) is None
