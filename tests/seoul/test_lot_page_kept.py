"""The lot page keeps its chart and floors per version of the lot's data (issue 18): never stale, not redrawn."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.seoul.support import INFRA_ID, KEY, push_client, register_lot
from tests.support.statements import statements
from webapp.extensions import db
from webapp.seoul.models import SeoulLot, SeoulLotOperation, SeoulOccupancySample, SeoulSpace
from webapp.seoul.operator.push_client import SpaceReport


@pytest.fixture
def lot_id(app):
    return register_lot(app)


@pytest.fixture
def driver(client, make_user, login):
    login(make_user())
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _version(lot_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(SeoulLot.data_version).where(SeoulLot.id == lot_id))


def test_a_sample_through_the_receiver_shows_at_the_next_visit(app, driver, lot_id):
    assert "the latest count is 57" in _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    before = _version(lot_id)
    assert push_client(app).park_stat(KEY, INFRA_ID, 99).ok  # the receiver's Core statement
    assert _version(lot_id) == before + 1
    text = _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert "the latest count is 99" in text and "25 of 124 free" in text


def test_a_space_report_shows_at_the_next_visit_on_the_page_and_in_the_live_block(app, driver, lot_id):
    assert "B1-003: occupied" in _text(driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True))
    assert push_client(app).park_space(KEY, INFRA_ID, 124, [SpaceReport("B1-003", "B", 1, False)]).ok
    for path, headers in ((f"/seoul/lots/{lot_id}", {}), (f"/seoul/lots/{lot_id}/live", {"HX-Request": "true"})):
        text = _text(driver.get(path, headers=headers).get_data(as_text=True))
        assert "B1-003: free" in text and "B1-003: occupied" not in text, path


@pytest.mark.parametrize("write", ["space", "sample", "operation", "lot"])
def test_every_orm_write_of_a_lots_data_raises_its_version(app, lot_id, write):
    before = _version(lot_id)
    if write == "space":
        db.session.scalars(select(SeoulSpace).where(SeoulSpace.lot_id == lot_id)).first().occupied = None
    elif write == "sample":
        sample = db.session.scalars(select(SeoulOccupancySample).where(SeoulOccupancySample.lot_id == lot_id)).first()
        sample.current_parking += 1
    elif write == "operation":
        db.session.get(SeoulLotOperation, lot_id).rates += 100
    else:
        db.session.get(SeoulLot, lot_id).capacity = 125
    db.session.commit()
    assert _version(lot_id) == before + 1


def test_a_page_with_nothing_new_reads_neither_samples_nor_spaces(app, driver, lot_id):
    first = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    with statements() as sent:
        again = driver.get(f"/seoul/lots/{lot_id}").get_data(as_text=True)
    assert again == first
    assert sent and not [s for s in sent if "seoul_occupancy_samples" in s or "seoul_spaces" in s], sent

