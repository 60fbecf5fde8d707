"""Helpers for the Seoul tests: a push client onto the app, and lots registered through the protocol."""

from __future__ import annotations

from datetime import datetime

import httpx

from webapp.seoul import admin as seoul_admin
from webapp.seoul.operator.push_client import KST, SeoulPushClient, SpaceReport

KEY = "G35N6FFJTB"
INFRA_ID = "171702"
SECRET_HEX = "30313233343536373839414243444546"  # b"0123456789ABCDEF"
SECRET = bytes.fromhex(SECRET_HEX)
SYNC = datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=KST)

WRITE_FIELDS = {
    "parking_lot_name": "세종로 공영주차장", "in_charge": "홍길동", "phone": "02-2133-1234", "capacity": 124,
    "bike_racks": 6, "compact": 12, "women": 12, "disabled": 4, "electcar": 6, "nanumcar": 1, "motorbike": 4,
    "bus": 0, "sync_time": SYNC, "position_longitude": 126.9769, "position_latitude": 37.5730,
}
# the seed's 2.2.1.2 sample values
OPER_FIELDS = {
    "visitor_access": True, "position_class": 1, "night_free_open": True, "weekday_begin_time": "0800",
    "weekday_end_time": "2230", "weekend_begin_time": "0900", "weekend_end_time": "2140",
    "holiday_begin_time": "0830", "holiday_end_time": "2130", "rates": 1000, "time_rate": 30, "add_rates": 500,
    "add_time_rate": 10, "day_maximum": 12000, "day_monthly": 36000, "night_monthly": 42000,
    "all_day_monthly": 68000, "no_driving_rotation_system": 2, "compact_car": 50, "disabled": 20,
    "national_merit": 30, "many_children": 25, "store_discount": True,
    "notify_memo": "다양한 할인옵션을 제공하고 있습니다. 오세요.", "sync_time": SYNC,
}
SPACES = [SpaceReport(f"B1-{i:03d}", "B", 1, i % 3 == 0) for i in range(1, 7)] + \
    [SpaceReport(f"B2-{i:03d}", "B", 2, False) for i in range(1, 4)]


def push_client(app) -> SeoulPushClient:
    """A push client onto ``app`` in-process (the receiver shares the test's app context)."""
    return SeoulPushClient(httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://testserver"))


def register_lot(app, key: str = KEY, infra_id: str = INFRA_ID, limit: int | None = 10_000, current: int = 57,
                 write: dict | None = None, spaces=SPACES, client: SeoulPushClient | None = None) -> int:
    """Issue the key (when new) and the lot, then describe it through the protocol; returns the lot's id."""
    if seoul_admin.find_key(key) is None:
        seoul_admin.add_key(key, limit)
    lot = seoul_admin.add_lot(key, infra_id, SECRET_HEX)
    client = client or push_client(app)
    results = [
        client.park_write(key, infra_id, SECRET, {**WRITE_FIELDS, **(write or {})}),
        client.park_oper(key, infra_id, SECRET, OPER_FIELDS),
        client.park_stat(key, infra_id, current),
        client.park_space(key, infra_id, 124, spaces),
    ]
    assert all(r.ok for r in results), results
    return lot.id
