"""Rent-car use cases against the sandbox: reuse and its invalidation, cost per action, lost replies, deadlines."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from webapp.bookings.models import Action, Booking, Status
from webapp.core.clock import SEOUL, utcnow
from webapp.core.errors import ConflictError, ProviderFailedError, ValidationError
from webapp.extensions import db
from webapp.rentcar import rentals
from webapp.rentcar.models import RentcarApiCost
from webapp.rentcar.pricing import Filters


def _day(days: int = 10, hour: int = 10):
    return (utcnow().astimezone(SEOUL) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


START, END = _day(), _day(12)


def _sandbox_calls(app, cmd: str) -> int:
    rows = app.extensions["providers"].sandbox_app("rentcar").test_client().get("/_sandbox/cost").get_json()["rows"]
    return sum(r["calls"] for r in rows if r["cmd"] == cmd)


def _book(user, mid=10110, name="스타리아", key="key-1", cover="none", **kw):
    quote = rentals.quote_rental(user.id, "HALLA", mid, START, END)
    choice = quote.cover(cover)
    request = rentals.ReserveRequest(
        company_code="HALLA", mid=mid, start=START, end=END, cover=cover, extras=(), seen_car_fee=choice.car_fee,
        seen_insurance_fee=choice.insurance_fee, seen_extras_fee=0, model_name=name, company_name="한라렌트카",
        min_age=quote.offer.min_age, name="Kim", phone="010", cutoff_hours=24, same_day_minutes=60, **kw)
    return rentals.reserve_rental(user.id, request, key)


def test_a_repeated_search_reuses_the_answer_and_costs_nothing(app, make_user):
    user = make_user()
    first = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END))
    second = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END, sort="seats"))
    assert not first.reused and second.reused
    assert first.cost == Fraction(1, 10) + 5 * Fraction(1, 10)  # companylist once, then 5 companies
    assert second.cost == 0 and _sandbox_calls(app, "carsearch_r") == 1


def test_filtering_by_company_asks_only_that_company(app, make_user):
    user = make_user()
    result = rentals.search_rentals(user.id, rentals.SearchCriteria(
        START, END, Filters(companies=frozenset({"HALLA"}))))
    assert result.cost == Fraction(1, 10) + Fraction(1, 10)
    assert {o.company_code for g in result.groups for o in g.offers} == {"HALLA"}


def test_our_own_booking_invalidates_the_reuse_and_the_car_sells_out(app, make_user):
    user = make_user()
    before = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END))
    assert any(g.name == "스타리아" and any(o.company_code == "HALLA" for o in g.offers) for g in before.groups)
    booking = _book(user)
    assert booking.status == Status.RESERVED and booking.rental.revnum
    after = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END))
    assert not after.reused
    assert not any(g.name == "스타리아" and any(o.company_code == "HALLA" for o in g.offers) for g in after.groups)


def test_cost_of_each_action_is_stored(app, make_user):
    user = make_user()
    _book(user, mid=10101, name="모닝")
    by_action = {row.action: row for row in db.session.query(RentcarApiCost)}
    assert by_action["reserve"].units == 200 and by_action["quote"].calls >= 3
    assert {row["action"] for row in rentals.cost_by_day()} >= {"quote", "reserve"}


def test_a_lost_revadd_reply_is_found_by_our_reference_at_once(app, make_user):
    user = make_user()
    rentals.quote_rental(user.id, "HALLA", 10101, START, END)
    app.extensions["providers"].sandbox_app("rentcar").extensions["faults"].drop_after_commit = 1
    booking = _book(user, mid=10101, name="모닝", key="lost-1")
    assert booking.status == Status.RESERVED and booking.rental.revnum == booking.provider_ref
    assert _sandbox_calls(app, "revadd") == 1 and _sandbox_calls(app, "revdetail") == 1


def test_a_booking_in_the_0400_pause_fails_at_once_with_the_time_to_come_back(app, make_user):
    """Seed 001's 0700 is the company's answer, not a lost reply: nothing was booked, so the driver is told
    to come back after 04:30 instead of being left with a booking "being checked" for ten minutes."""
    user = make_user()
    state = app.extensions["providers"].sandbox_app("rentcar").extensions["rentcar_state"]
    state["maintenance"] = True
    state["now"] = utcnow().astimezone(SEOUL).replace(hour=4, minute=10, second=0, microsecond=0, tzinfo=None)
    with pytest.raises(ProviderFailedError) as refused:
        _book(user, mid=10101, name="모닝", key="paused-1")
    assert "04:30" in refused.value.message
    booking = db.session.query(Booking).filter_by(user_id=user.id).one()
    assert booking.status == Status.FAILED and booking.provider_ref is None
    assert [e.action for e in booking.events if e.action == Action.RECONCILE] == []
    assert booking.events[-1].provider_code == "0700"
    assert _sandbox_calls(app, "revadd") == 1 and _sandbox_calls(app, "revdetail") == 0
    state["now"] = state["now"].replace(minute=30)
    assert _book(user, mid=10101, name="모닝", key="paused-2").status == Status.RESERVED


def test_change_and_cancel_are_refused_after_the_deadline_without_a_call(app, make_user):
    user = make_user()
    booking = _book(user, mid=10101, name="모닝")
    late = booking.rental.change_deadline + timedelta(minutes=1)
    with pytest.raises(ConflictError):
        rentals.cancel_rental(user.id, booking.public_ref, booking.version, now=late)
    with pytest.raises(ConflictError):
        rentals.preview_change(user.id, booking.public_ref, START, END + timedelta(days=1), now=late)
    assert _sandbox_calls(app, "revcancel") == 0
    assert rentals.get_rental(user.id, booking.public_ref, now=late).can_change is False


def test_a_long_cancel_reason_is_refused_before_any_call(app, make_user):
    user = make_user()
    booking = _book(user, mid=10101, name="모닝")
    with pytest.raises(ValidationError):
        rentals.cancel_rental(user.id, booking.public_ref, booking.version, "x" * 201)
    assert _sandbox_calls(app, "revcancel") == 0


def test_add_and_remove_an_extra(app, make_user):
    user = make_user()
    booking = _book(user, mid=10101, name="모닝", cover="option2")
    seat = next(e for e in rentals.rental_extras(user.id, booking.public_ref) if e.content.startswith("유아"))
    booking = rentals.add_extra(user.id, booking.public_ref, booking.version, seat.gid, seat.fee, seat.name)
    assert booking.rental.extras_fee == seat.fee and booking.rental.extras[0]["gid"] == seat.gid
    booking = rentals.remove_extra(user.id, booking.public_ref, booking.version, seat.gid)
    assert booking.rental.extras == [] and booking.rental.extras_fee == 0


class _FakeRedis:
    """The four Redis calls the reuse makes, in a dict (no server in the test)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key):
        return self.data.get(key)

    def setex(self, key, _ttl, value):
        self.data[key] = value.encode() if isinstance(value, str) else value

    def incr(self, key):
        self.data[key] = str(int(self.data.get(key, b"0")) + 1).encode()


def test_with_redis_the_reuse_lives_there_and_our_booking_invalidates_it(app, make_user, monkeypatch):
    fake = _FakeRedis()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://reuse.test/0")
    app.extensions["rentcar_redis"] = {"redis://reuse.test/0": fake}
    user = make_user()
    first = rentals.search_rentals(user.id, rentals.SearchCriteria(START, END))
    assert not first.reused and any(k.startswith("rentcar:availability:0:cars:") for k in fake.data)
    assert rentals.search_rentals(user.id, rentals.SearchCriteria(START, END)).reused
    _book(user, mid=10101, name="모닝")
    assert fake.data["rentcar:availability:generation"] == b"1"
    assert not rentals.search_rentals(user.id, rentals.SearchCriteria(START, END)).reused
    assert db.session.query(RentcarApiCost).count() >= 3


def test_storing_the_same_window_twice_is_an_update_not_a_conflict(app):
    from webapp.rentcar import availability

    now = utcnow()
    availability.put("cars:x", START, END, [{"a": 1}], now)
    db.session.commit()
    availability.put("cars:x", START, END, [{"a": 2}], now + timedelta(seconds=1))  # another worker, same window
    db.session.commit()
    assert availability.get("cars:x", now + timedelta(seconds=2)) == [{"a": 2}]
    availability.invalidate(END - timedelta(hours=1), END + timedelta(hours=1))
    assert availability.get("cars:x", now + timedelta(seconds=2)) is None
