"""An honest end for a 247Parking booking whose reply says nothing — or says enough (issue 21).

Seed 004 has no look-up call. What a reply does say is used: a 429, or 247Parking's own 503 ("The API
is up, but overloaded with requests"), means the request was not carried out, and a validation refusal
too: the booking fails at once with nothing booked. A truly ambiguous reply (a lost answer, a gateway's
bare 5xx) leaves it unknown with a dated next step on the driver's page, never looked up in a loop, and
support settles a whole outage at once against 247Parking's list of reservations.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.valet.test_service import _request
from webapp.accounts.vehicles import add_vehicle
from webapp.bookings import reconcile, support
from webapp.bookings.models import Booking, Status
from webapp.core.clock import utcnow
from webapp.core.errors import ProviderFailedError
from webapp.extensions import db
from webapp.valet import reservations
from webapp.valet.adapter import BEFORE_DROP_OFF, SUPPORT_TIME


@pytest.fixture
def traveller(make_user):
    user = make_user(name="Anna de Vries", phone="+31 6 1234 5678")
    add_vehicle(user.id, "NL", "97-KGT-1", "Opel Astra, zwart")
    return user


@pytest.fixture
def sandbox(app):
    return app.extensions["providers"].sandbox_app("parking247")


def _book(user, key, **changes) -> Booking:
    return reservations.book_valet(user.id, _request(user, **changes), key, confirm_overlap=True)


@pytest.mark.parametrize("status", [429, 503])
def test_a_reply_that_says_it_was_not_carried_out_fails_at_once_with_nothing_booked(traveller, sandbox, status):
    sandbox.extensions["faults"].status = status
    with pytest.raises(ProviderFailedError) as raised:
        _book(traveller, "busy-1")
    sandbox.extensions["faults"].reset()
    booking = db.session.query(Booking).one()
    assert booking.status == Status.FAILED and booking.next_step_at is None
    assert "nothing was booked" in raised.value.message
    assert sandbox.extensions["parking247"].reservation_numbers() == set()


@pytest.mark.parametrize("status", [500, 502, 504])
def test_an_ambiguous_reply_is_unknown_with_a_dated_next_step(traveller, sandbox, status):
    sandbox.extensions["faults"].status = status
    booking = _book(traveller, "ambiguous-1")
    assert booking.status == Status.UNKNOWN
    drop_off = booking.valet.drop_off
    assert booking.next_step_at == min(booking.created_at + SUPPORT_TIME, drop_off - BEFORE_DROP_OFF)


def test_the_date_comes_before_a_drop_off_that_is_near(traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(hours=10)
    booking = _book(traveller, "soon-1", drop_off=soon, arrival=soon + timedelta(days=2))
    assert booking.status == Status.UNKNOWN
    assert booking.next_step_at == soon - BEFORE_DROP_OFF


def test_the_drivers_page_says_what_we_know_what_happens_next_and_by_when(app, client, login, traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller, "page-1")
    login(traveller)
    for path in (f"/valet/{booking.public_ref}", f"/bookings/{booking.public_ref}"):
        html = client.get(path).get_data(as_text=True)
        assert "did not answer" in html and "our support team checks it" in html
        assert "You will know by" in html and "do not book it again" in html


def test_a_lost_reply_is_not_looked_up_in_a_loop(traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller, "loop-1")
    events = len(booking.events)
    for minutes in (1, 2, 3):
        report = reconcile.sweep(now=utcnow() + timedelta(minutes=minutes))
        assert report.providers["parking247"].checked == 0
        assert report.providers["parking247"].awaiting_support == 1
    db.session.refresh(booking)
    assert len(booking.events) == events and booking.status == Status.UNKNOWN


def _partner_list(sandbox) -> str:
    return sandbox.test_client().get("/_sandbox/partner-list.csv").get_data(as_text=True)


def test_support_settles_an_outage_at_once_from_247parkings_list(app, traveller, sandbox, make_user):
    admin = make_user("support@example.com", role="admin")
    faults = sandbox.extensions["faults"]
    made = []
    for n in range(3):
        faults.drop_after_commit = 1  # 247Parking made these; we never heard
        made.append(_book(traveller, f"made-{n}"))
    faults.reset()
    faults.status = 502  # a gateway's page: never reached 247Parking
    never = _book(traveller, "never-1")
    faults.reset()
    assert all(b.status == Status.UNKNOWN for b in [*made, never])
    listed = support.parse_list(_partner_list(sandbox))

    report = support.settle_from_list(admin.id, "parking247", listed, complete_until=utcnow())

    assert sorted(report.reserved) == sorted(b.public_ref for b in made)
    assert report.failed == [never.public_ref] and report.problems == []
    numbers = {row["referentienummer"].split()[0]: row["reserveringsnummer"]
               for row in csv.DictReader(io.StringIO(_partner_list(sandbox)))}
    for booking in made:
        db.session.refresh(booking)
        assert booking.status == Status.RESERVED and booking.provider_ref == numbers[booking.public_ref]
    db.session.refresh(never)
    assert never.status == Status.FAILED and "never made" in never.events[-1].message
    # the same list again changes nothing
    again = support.settle_from_list(admin.id, "parking247", listed, complete_until=utcnow())
    assert again.reserved == [] and len(again.already_settled) == 3 and again.failed == []


def test_the_admin_page_settles_from_a_pasted_list(app, client, login, traveller, sandbox, make_user):
    admin = make_user("support@example.com", role="admin")
    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller, "pasted-1")
    login(admin)
    page = client.get("/admin/support")
    assert page.status_code == 200 and "Awaiting support" in page.get_data(as_text=True)
    answer = client.post("/admin/support/settle", data={"provider": "parking247",
                                                        "listing": _partner_list(sandbox)})
    assert answer.status_code == 303
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED


def test_a_list_that_names_none_of_ours_is_refused_in_words(app, client, login, make_user):
    admin = make_user("support@example.com", role="admin")
    login(admin)
    answer = client.post("/admin/support/settle", data={"provider": "parking247", "listing": "a,b\nc,d\n"})
    assert answer.status_code == 422
    assert "No row of the list names one of our references" in answer.get_data(as_text=True)


def test_support_settles_from_the_command_line(app, traveller, sandbox, make_user, tmp_path):
    make_user("support@example.com", role="admin")
    sandbox.extensions["faults"].drop_after_commit = 1
    booking = _book(traveller, "cli-1")
    listing = tmp_path / "list.csv"
    listing.write_text(_partner_list(sandbox), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["bookings", "settle-list", str(listing), "--provider", "parking247",
                                                "--admin", "support@example.com"])
    assert result.exit_code == 0, result.output
    assert "reserved 1" in result.output
    db.session.refresh(booking)
    assert booking.status == Status.RESERVED


def test_every_unknown_booking_has_a_date(traveller, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1
    _book(traveller, "dated-1")
    undated = db.session.query(Booking).filter(Booking.status.in_((Status.UNKNOWN, Status.PENDING)),
                                               Booking.next_step_at.is_(None)).count()
    assert undated == 0


