"""The Seoul feature's background job: the demo operator's live feed, every minute.

The demo key's lots (registered by ``flask --app app demo load`` through the
protocol) push what an operator's system would, through the receiver like any
push: the cars in and out during the minute just ended (ParkStatPost2), the
total (ParkStatPost) and the floor grid (ParkSpacePost). So a demo never
drifts into "No live data" after 15 minutes, while a lot that really stops
pushing still does: only the demo key's lots that are still registered are
fed, nothing is fed while an admin has the demo key suspended, and any other
key's lot is left alone.

The lot model is the simulator's (``operator.feed.LotFeed``); its state between
two runs is what the receiver stored (the floor grid), so no process keeps any,
and a consumer restarted elsewhere carries on where the last one stopped.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError
from webapp.core.jobs import EVERY_MINUTE, app_periodic_task
from webapp.seoul import admin as seoul_admin
from webapp.seoul import lots as seoul_lots
from webapp.seoul.models import KEY_ISSUED, SeoulLot
from webapp.seoul.operator.demo_data import DEMO_KEY, DEMO_LOTS, DemoLot
from webapp.seoul.operator.feed import FeedStats, LotFeed, quiet_http_logs, receiver_client, target_share

log = logging.getLogger(__name__)

DEMO_FEED_SCHEDULE = EVERY_MINUTE


@app_periodic_task(DEMO_FEED_SCHEDULE)
def push_demo_feed() -> None:
    """One minute of the demo lots' occupancy, pushed through the receiver."""
    stats = feed_demo_lots()
    if stats.refused:
        log.warning("Seoul demo feed: %d of %d pushes refused (%s)", stats.refused, stats.pushes,
                    dict(stats.results))
    else:
        log.info("Seoul demo feed: %d pushes", stats.pushes)


def feed_demo_lots(now: datetime | None = None, rng: random.Random | None = None) -> FeedStats:
    """Push the minute before ``now`` for each demo lot still registered under a live demo key.

    Args:
        now: the current time (the pushes themselves are received now).
        rng: the randomness of arrivals, departures and plates (tests pass a seeded one).

    Returns:
        The receiver's answers; no pushes when the demo key is missing or suspended.

    Raises:
        ReceiverUnreachableError: the receiver did not answer.
    """
    key = seoul_admin.find_key(DEMO_KEY)
    if key is None or key.status != KEY_ISSUED:
        log.info("Seoul demo feed: the demo key is %s, nothing pushed", "suspended" if key else "not loaded")
        return FeedStats()
    registered = {lot.infra_id: lot for lot in seoul_admin.list_lots_for_admin() if lot.key_id == key.id}
    now = now or utcnow()
    minute = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    rng = rng or random.Random()
    feeds = [feed for demo in DEMO_LOTS if demo.infra_id in registered
             if (feed := _resume(demo, registered[demo.infra_id], minute, rng)) is not None]
    stats = FeedStats()
    with quiet_http_logs(), receiver_client() as client:
        for feed in feeds:
            infra_id = feed.lot.infra_id
            for inout, at in feed.minute(minute):
                stats.note(client.park_stat2(DEMO_KEY, infra_id, feed.stat2_fields(inout, at)))
            stats.note(client.park_stat(DEMO_KEY, infra_id, feed.current))
            stats.note(client.park_space(DEMO_KEY, infra_id, feed.lot.capacity, feed.space_reports()))
    return stats


def _resume(demo: DemoLot, lot: SeoulLot, minute: datetime, rng: random.Random) -> LotFeed | None:
    """The lot's simulator, with the cars where the receiver last saw them (None: lot not described)."""
    feed = LotFeed(demo, random.Random(rng.random()))
    try:
        floors = seoul_lots.get_lot_live(lot.id).floors
    except NotFoundError:
        return None
    ours = {space_id for space_id, _class, _number in feed.spaces}
    occupied = {space.space_id for floor in floors for space in floor.spaces if space.occupied} & ours
    if floors:
        feed.occupied = occupied
    else:
        feed.fill_to(target_share(demo.profile, minute))  # no grid yet: start from the lot's usual day
    return feed
