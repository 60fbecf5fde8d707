"""The one status table and the one Retry-After rule every provider client uses."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from webapp.core.errors import (
    MAX_RETRY_AFTER_SECONDS,
    ProviderAuthError,
    ProviderBadResponseError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderRejectedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    error_for_status,
    kind_for_status,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


# -- error_for_status: every row of the table ------------------------------------------------

@pytest.mark.parametrize(("status", "kind"), [
    (401, ProviderAuthError),
    (403, ProviderAuthError),
    (404, ProviderNotFoundError),
    (408, ProviderTimeoutError),
    (504, ProviderTimeoutError),
    (429, ProviderRateLimitedError),
    (500, ProviderUnavailableError),
    (502, ProviderUnavailableError),
    (503, ProviderUnavailableError),
    (599, ProviderUnavailableError),
    (400, ProviderRejectedError),
    (409, ProviderRejectedError),
    (415, ProviderRejectedError),
    (422, ProviderRejectedError),
    (499, ProviderRejectedError),
])
def test_each_status_maps_to_its_kind(status, kind):
    error = error_for_status("demo", status, detail="d")

    assert type(error) is kind and kind_for_status(status) is kind
    assert (error.provider, error.code, error.status_code, error.detail) == ("demo", str(status), status, "d")


def test_gateway_timeout_is_a_timeout_because_the_call_may_have_happened():
    assert isinstance(error_for_status("demo", 504), ProviderTimeoutError)


@pytest.mark.parametrize("status", [200, 204, 302, 399, 600])
def test_a_status_outside_4xx_and_5xx_is_a_bad_response(status):
    error = error_for_status("demo", status)

    assert type(error) is ProviderBadResponseError and error.status_code == status


def test_vendor_code_message_and_field_are_kept():
    error = error_for_status("demo", 400, code="1203", detail="bad plate", user_message="Check the plate",
                             visible_to_user=True, field="register_number")

    assert error.code == "1203" and error.field == "register_number"
    assert error.user_message == "Check the plate" and error.visible_to_user


def test_a_vendor_kind_overrides_the_table():
    error = error_for_status("demo", 403, code="1000", kind=ProviderRejectedError)
    assert type(error) is ProviderRejectedError and error.status_code == 403

    error = error_for_status("demo", 200, kind=ProviderBadResponseError)
    assert type(error) is ProviderBadResponseError


def test_rate_limited_error_reads_retry_after():
    error = error_for_status("demo", 429, retry_after_header="30")
    assert error.retry_after == 30.0

    error = error_for_status("demo", 400, code="3000", retry_after_header="7", kind=ProviderRateLimitedError)
    assert error.retry_after == 7.0

    assert error_for_status("demo", 429).retry_after is None


# -- retry_after_seconds -----------------------------------------------------------------------

@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    ("0", 0.0),
    (" 5 ", 5.0),
    ("1.5", 1.5),
])
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_retry_after_as_http_date():
    header = format_datetime(NOW + timedelta(seconds=90), usegmt=True)  # "Tue, 10 Nov 2026 08:01:30 GMT"
    assert retry_after_seconds(header, now=NOW) == 90.0


def test_retry_after_as_http_date_with_a_naive_now_is_read_as_utc():
    header = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(header, now=NOW.replace(tzinfo=None)) == 90.0


def test_retry_after_date_in_the_past_means_now():
    header = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(header, now=NOW) == 0.0


@pytest.mark.parametrize("value", [
    None, "", "   ", "soon", "-5", "nan", "inf", "-inf", "12 s", "Tue, 32 Foo 2026 99:00:00 GMT", "1,5",
])
def test_retry_after_absent_or_invalid_is_none(value):
    assert retry_after_seconds(value, now=NOW) is None


def test_retry_after_is_capped():
    assert retry_after_seconds("86400", now=NOW) == MAX_RETRY_AFTER_SECONDS
    far = format_datetime(NOW + timedelta(days=3), usegmt=True)
    assert retry_after_seconds(far, now=NOW) == MAX_RETRY_AFTER_SECONDS
    assert retry_after_seconds("86400", cap=10) == 10.0
