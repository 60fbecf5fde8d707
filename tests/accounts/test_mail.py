"""Account mail read from the outbox: sign-up, a taken address, password reset by e-mail (issue 11)."""

from __future__ import annotations

import logging
import re
import socket

import pytest

from tests.conftest import DEFAULT_PASSWORD
from webapp.accounts import users as accounts


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"].outbox = []
    return box


def _sign_up(client, email):
    return client.post("/register", data={"email": email, "password": "long enough pw", "confirm": "long enough pw"})


BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL's default: links in mail are built on it alone


def _link(message) -> str:
    return re.search(re.escape(BASE) + r"(/\S+)", message.body).group(1)


def test_a_new_account_gets_a_welcome_mail(client, outbox):
    _sign_up(client, "New@Example.com")
    (mail,) = outbox
    assert mail.to == ["new@example.com"] and "ready" in mail.subject
    assert f"{BASE}/login" in mail.body


def test_a_taken_address_is_told_by_mail_not_on_the_page(client, make_user, outbox):
    make_user("taken@example.com")
    outbox.clear()
    assert _sign_up(client, "taken@example.com").headers["Location"] == "/login"
    (mail,) = outbox
    assert "already has an account" in mail.body and "/password/forgot" in mail.body


def test_password_reset_by_mail_sets_a_new_password_once(client, make_user, outbox):
    make_user("me@example.com")
    outbox.clear()
    response = client.post("/password/forgot", data={"email": "ME@example.com"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    (mail,) = outbox
    link = _link(mail)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new_password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 303
    assert accounts.authenticate("me@example.com", "a brand new password") is not None
    assert accounts.authenticate("me@example.com", DEFAULT_PASSWORD) is None
    # the link works once
    again = client.post(link, data={"new_password": "another new password", "confirm": "another new password"})
    assert again.status_code == 422 and "expired" in again.get_data(as_text=True)


def test_a_forged_host_header_does_not_choose_where_the_reset_link_points(client, make_user, outbox):
    make_user("me@example.com")
    outbox.clear()
    client.post("/password/forgot", data={"email": "me@example.com"}, headers={"Host": "evil.example"})
    (mail,) = outbox
    assert "evil.example" not in mail.body and f"{BASE}/password/reset/" in mail.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, outbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert outbox == []


def test_a_reset_ends_every_session(app, client, make_user, login, outbox):
    user = make_user("me@example.com")
    login(user)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    client.post("/password/forgot", data={"email": "me@example.com"})
    client.post(_link(outbox[-1]), data={"new_password": "a brand new password", "confirm": "a brand new password"})
    assert thief.get("/account").status_code == 302


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "WzEsImFiYyJd.aaaa.bbbb"])
def test_a_bad_reset_link_says_so(client, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)


def test_reset_requests_for_one_account_are_limited(client, make_user, outbox):
    make_user("me@example.com")
    statuses = [client.post("/password/forgot", data={"email": "me@example.com"}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_a_mail_server_that_is_down_does_not_break_sign_up(app, client, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.extensions["mailman"].backend = "smtp"
    app.extensions["mailman"].server, app.extensions["mailman"].port = "127.0.0.1", port
    with caplog.at_level(logging.WARNING):
        assert _sign_up(client, "someone@example.com").status_code == 303
    assert "could not be sent" in caplog.text and "s***@example.com" in caplog.text
    assert "someone@example.com" not in caplog.text


def test_the_reset_forms_carry_a_csrf_token_and_refuse_a_post_without_it(csrf_app, make_user):
    from tests.conftest import csrf_token_from

    make_user("me@example.com")
    client = csrf_app.test_client()
    page = client.get("/password/forgot").get_data(as_text=True)
    assert client.post("/password/forgot", data={"email": "me@example.com"}).status_code == 400
    response = client.post("/password/forgot", data={"email": "me@example.com", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 303
