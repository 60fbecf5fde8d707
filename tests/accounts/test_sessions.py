"""Sessions end on the server: a copied cookie is dead after logout, password change or deletion (issue 11)."""

from __future__ import annotations

from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts
from webapp.accounts.models import User
from webapp.extensions import db


def _copy_of(client, app, *names):
    """Another browser holding copies of ``client``'s cookies (as a thief or a shared computer would)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_copied_session_cookie_is_dead_after_logout(app, client, make_user, login):
    login(make_user())
    copy = _copy_of(client, app, "session")
    assert _logged_in(copy)
    client.post("/logout")
    assert not _logged_in(copy)
    assert not _logged_in(client)


def test_a_copied_remember_me_cookie_is_dead_after_logout(app, client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    # no session cookie: the remember-me cookie alone logs the copy in
    assert _logged_in(_copy_of(client, app, "remember_token"))
    copy = _copy_of(client, app, "remember_token")
    client.post("/logout")
    assert not _logged_in(copy)


def test_password_change_ends_other_copies_and_keeps_this_session(app, client, make_user, login):
    user = make_user()
    login(user)
    copy = _copy_of(client, app, "session")
    response = client.post("/account/password", data={"current_password": DEFAULT_PASSWORD,
                                                      "new_password": "a new long password",
                                                      "confirm": "a new long password"})
    assert response.status_code == 303
    assert _logged_in(client)
    assert not _logged_in(copy)


def test_a_deleted_accounts_cookie_does_not_open_the_next_account_with_its_id(app, client, make_user, login):
    user = make_user("gone@example.com")
    login(user)
    copy = _copy_of(client, app, "session")
    client.post("/account/delete", data={"password": DEFAULT_PASSWORD})
    db.session.expunge_all()
    # SQLite hands the highest deleted id to the next row, so the next sign-up gets the same id
    # (written out here, so PostgreSQL's sequence plays the same scene)
    db.session.add(User(id=user.id, email="next@example.com", password_hash="x"))
    db.session.commit()
    assert not _logged_in(copy)


def test_logging_out_twice_or_logged_out_is_harmless(client, make_user, login):
    login(make_user())
    assert client.post("/logout").status_code == 303
    assert client.post("/logout").status_code == 303


def test_a_session_signed_with_the_previous_secret_key_survives_a_rotation(app, tmp_path):
    from tests.conftest import make_app

    old = make_app(tmp_path, SECRET_KEY="the-previous-key")
    with old.app_context():
        db.create_all()
        accounts.register_user("me@example.com", DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    browser = old.test_client()
    assert browser.post("/login", data={"email": "me@example.com", "password": DEFAULT_PASSWORD}).status_code == 303
    cookie = browser.get_cookie("session").value

    def logged_in_after_restart(**keys) -> bool:
        restarted = make_app(tmp_path, SECRET_KEY="the-next-key", **keys).test_client()
        restarted.set_cookie("session", cookie)
        return _logged_in(restarted)

    assert logged_in_after_restart(SECRET_KEY_FALLBACKS=["the-previous-key"])
    assert not logged_in_after_restart()
