"""The car-park list sends as many SQL statements for 100 car parks as for 10 (issue 18).

Every filter is a WHERE clause, the count and the first page are one statement each, each free-space
figure and price comes with its row (a price once per tariff set), and the freshness checks read the
ends of indexes: nothing is read per row.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.statements import statements
from webapp.apds import places
from webapp.apds.models import ApdsPlace
from webapp.extensions import db


def _add(count: int, first: int) -> None:
    """More car parks in Manchester, each with the tariff set of a platform place (in turn)."""
    keys = sorted(set(db.session.scalars(db.select(ApdsPlace.tariff_key))))
    now = datetime.now(UTC)
    for n in range(first, first + count):
        db.session.add(ApdsPlace(place_id=f"list-{n:04d}", name=f"List Car Park {n}", address=f"{n} List Street, "
                                 "Manchester", latitude=53.47 + n * 0.0001, longitude=-2.24, time_zone="Europe/London",
                                 tariff_key=keys[n % len(keys)], fetched_at=now, spaces_total=100,
                                 spaces_free=n % 100, occupancy_observed_at=now, occupancy_fetched_at=now))
    db.session.commit()


@pytest.mark.parametrize(("path", "headers"), [
    ("/carparks/?minutes=180", {}),
    ("/carparks/?q=List+Car&minutes=90", {"HX-Request": "true", "HX-Target": "place-list"}),
    ("/carparks/?city=Manchester&free=1&max_price=40", {}),
    ("/carparks/?near=arndale&minutes=60", {}),
])
def test_the_list_sends_as_many_statements_for_100_car_parks_as_for_10(app, client, path, headers):
    places.sync_places()
    db.session.execute(db.delete(ApdsPlace).where(ApdsPlace.address.not_like("%Manchester%")))
    db.session.commit()
    _add(10, 0)
    client.get(path, headers=headers)  # warm: the parsed tariff sets, the freshness checks
    with statements() as few:
        first = client.get(path, headers=headers)
    _add(90, 10)
    with statements() as many:
        second = client.get(path, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.get_data(as_text=True).count('class="card apds-place"') > first.get_data(as_text=True).count(
        'class="card apds-place"') or "near=" in path
    assert len(many) == len(few), many
