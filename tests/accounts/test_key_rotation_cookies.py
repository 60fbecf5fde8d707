"""After a key rotation (SECRET_KEY new, the old key in SECRET_KEY_FALLBACKS) remember-me cookies and CSRF tokens
made under the old key still work; made under a key in neither, they are refused (issue 11)."""

from __future__ import annotations

import pytest
from flask_login.utils import decode_cookie, encode_cookie
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, make_app
from webapp.accounts import users as accounts
from webapp.extensions import db

OLD, NEW, STRANGER = "the-previous-key", "the-next-key", "a-key-we-never-had"
EMAIL = "me@example.com"


@pytest.fixture
def old_app(app, tmp_path):
    """The app before the rotation, on the test's database, with one account."""
    old = make_app(tmp_path / "old", SECRET_KEY=OLD, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                   WTF_CSRF_ENABLED=True)
    accounts.register_user(EMAIL, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    db.session.commit()
    yield old
    with old.app_context():
        db.engine.dispose()


def _restarted(app, tmp_path, **keys):
    """The same app restarted with SECRET_KEY=NEW and ``keys`` (e.g. its fallbacks)."""
    return make_app(tmp_path / f"new-{len(keys)}-{id(keys)}", SECRET_KEY=NEW, WTF_CSRF_ENABLED=True,
                    SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **keys)


def _remember_cookie(old_app) -> str:
    browser = old_app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    answer = browser.post("/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD, "remember": "y",
                                          "csrf_token": csrf_token_from(page)})
    assert answer.status_code == 303
    return browser.get_cookie("remember_token").value


def _logged_in_with(app_instance, remember: str):
    """A browser holding only the remember-me cookie (its session has ended): is it logged in?"""
    browser = app_instance.test_client()
    browser.set_cookie("remember_token", remember)
    return browser.get("/account").status_code == 200, browser


# --- remember-me ------------------------------------------------------------------------------------


def test_a_remember_me_cookie_of_the_previous_key_survives_the_rotation_and_is_reissued(app, tmp_path, old_app):
    cookie = _remember_cookie(old_app)
    rotated = _restarted(app, tmp_path, SECRET_KEY_FALLBACKS=[OLD])
    logged_in, browser = _logged_in_with(rotated, cookie)
    assert logged_in
    reissued = browser.get_cookie("remember_token").value
    assert reissued != cookie
    with rotated.app_context():
        assert decode_cookie(reissued) is not None  # under the current key now: the old one can go


def test_without_the_fallback_the_old_remember_me_cookie_is_refused(app, tmp_path, old_app):
    cookie = _remember_cookie(old_app)
    assert not _logged_in_with(_restarted(app, tmp_path), cookie)[0]


def test_a_remember_me_cookie_under_a_key_we_never_had_is_refused(app, tmp_path, old_app):
    real = _remember_cookie(old_app)
    payload = real.rsplit("|", 1)[0]  # the right user id and epoch, signed with another key
    with old_app.app_context():
        forged = encode_cookie(payload, key=STRANGER)
    rotated = _restarted(app, tmp_path, SECRET_KEY_FALLBACKS=[OLD])
    assert not _logged_in_with(rotated, forged)[0]
    assert _logged_in_with(rotated, real)[0]


# --- CSRF tokens --------------------------------------------------------------------------------------


def _login_form_under_old_key(old_app):
    """A login page rendered before the rotation: the session cookie and the form's token, both under OLD."""
    browser = old_app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    with browser.session_transaction() as session:
        raw = session["csrf_token"]
    return browser.get_cookie("session").value, token, raw


def _post_login(app_instance, session_cookie: str, token: str) -> int:
    browser = app_instance.test_client()
    browser.set_cookie("session", session_cookie)
    return browser.post("/login", data={"email": EMAIL, "password": DEFAULT_PASSWORD, "csrf_token": token}).status_code


def test_a_form_rendered_before_the_rotation_still_posts(app, tmp_path, old_app):
    session_cookie, token, _ = _login_form_under_old_key(old_app)
    assert _post_login(_restarted(app, tmp_path, SECRET_KEY_FALLBACKS=[OLD]), session_cookie, token) == 303


def test_without_the_fallback_the_old_token_is_refused(app, tmp_path, old_app):
    session_cookie, token, _ = _login_form_under_old_key(old_app)
    assert _post_login(_restarted(app, tmp_path), session_cookie, token) == 400


def test_a_csrf_token_under_a_key_we_never_had_is_refused(app, tmp_path, old_app):
    session_cookie, _, raw = _login_form_under_old_key(old_app)
    forged = URLSafeTimedSerializer(STRANGER, salt="wtf-csrf-token").dumps(raw)
    assert _post_login(_restarted(app, tmp_path, SECRET_KEY_FALLBACKS=[OLD]), session_cookie, forged) == 400


def test_new_tokens_are_signed_with_the_current_key(app, tmp_path):
    rotated = _restarted(app, tmp_path, SECRET_KEY_FALLBACKS=[OLD])
    browser = rotated.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    with browser.session_transaction() as session:
        raw = session["csrf_token"]
    assert URLSafeTimedSerializer(NEW, salt="wtf-csrf-token").loads(token) == raw
