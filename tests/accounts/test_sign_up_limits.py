"""Sign-up limits count the attempts that could create an account, and a refused one keeps what was typed
(issue 21: ten submits locked an address out, failed validations included, for over 18 minutes, and the
429 page threw the form away)."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from webapp.extensions import db

GOOD = "long enough pw"


@pytest.fixture
def limited(app, tmp_path):
    """The app with a sign-up limit of 3 an hour per address (its database is the test's)."""
    limited = make_app(tmp_path / "limited", REGISTER_LIMIT_PER_IP="3 per hour",
                       SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with limited.app_context():
        db.create_all()
    return limited


def _sign_up(client, email, password=GOOD, confirm=GOOD, name="Anna"):
    return client.post("/register", data={"email": email, "name": name, "password": password, "confirm": confirm})


def test_validation_failures_do_not_use_up_the_limit(limited):
    client = limited.test_client()
    for n in range(12):  # typos, mismatches, a short password: none could create an account
        assert _sign_up(client, f"typo{n}@example", password="short", confirm="other").status_code == 422
    assert [_sign_up(client, f"anna{n}@example.com").status_code for n in range(4)] == [303, 303, 303, 429]


def test_a_refused_sign_up_keeps_what_was_typed_and_says_when_to_try_again(limited):
    client = limited.test_client()
    for n in range(3):
        assert _sign_up(client, f"anna{n}@example.com").status_code == 303
    refused = _sign_up(client, "kept@example.com", name="Anna de Vries")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert 'value="kept@example.com"' in html and 'value="Anna de Vries"' in html
    assert "Too many new accounts from this address" in html and "<form" in html
    assert refused.headers.get("Retry-After")
