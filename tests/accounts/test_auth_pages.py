import pytest

from webapp.accounts import users as accounts


def test_register_creates_the_account_and_sends_to_login(client):
    response = client.post("/register", data={"email": "New@Example.com", "password": "long enough pw",
                                              "confirm": "long enough pw", "name": "Nea"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert accounts.find_user_by_email("new@example.com").name == "Nea"
    assert client.post("/login", data={"email": "new@example.com", "password": "long enough pw"}).status_code == 303
    assert client.get("/vehicles").status_code == 200


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"email": "a@example.com", "password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"email": "a@example.com", "password": "long enough pw", "confirm": "different pw"}, "do not match"),
        ({"email": "not-an-email", "password": "long enough pw", "confirm": "long enough pw"}, "valid email"),
    ],
)
def test_register_rerenders_with_typed_values_and_message(client, data, field_message):
    response = client.post("/register", data=data | {"name": "Typed Name"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_message in html
    assert 'value="Typed Name"' in html
    assert f'value="{data["email"]}"' in html


def _sign_up(client, email):
    response = client.post("/register", data={"email": email, "password": "long enough pw",
                                              "confirm": "long enough pw"})
    page = client.get(response.headers.get("Location", "/register")).get_data(as_text=True)
    return response.status_code, response.headers.get("Location"), page.replace(email, "EMAIL")


def test_register_does_not_tell_whether_an_email_has_an_account(app, make_user):
    make_user("taken@example.com", password="the owner's password")
    taken = _sign_up(app.test_client(), "TAKEN@example.com")
    new = _sign_up(app.test_client(), "fresh@example.com")
    assert taken[:2] == new[:2] == (303, "/login")
    assert _without_tokens(taken[2]) == _without_tokens(new[2])
    # and the taken account keeps its owner's password
    assert accounts.authenticate("taken@example.com", "the owner's password") is not None
    assert accounts.authenticate("taken@example.com", "long enough pw") is None


def _without_tokens(html: str) -> str:
    import re

    return re.sub(r'(nonce|value)="[^"]*"|"X-CSRFToken": "[^"]*"', "", html)


def test_registrations_from_one_address_are_limited(app, client):
    app.config["REGISTER_LIMIT_PER_IP"] = "3 per hour"
    statuses = [client.post("/register", data={"email": f"n{i}@example.com", "password": "long enough pw",
                                               "confirm": "long enough pw"}).status_code for i in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_password_is_hashed_with_argon2(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")


def test_login_wrong_password_rerenders_with_email(client, make_user):
    make_user("me@example.com")
    response = client.post("/login", data={"email": "me@example.com", "password": "wrong password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "not right" in html and 'value="me@example.com"' in html


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "/\\/evil.example",
                                    "https://evil.example/", "/\t/evil.example"])
def test_login_follows_only_local_next(client, make_user, login, target):
    make_user("me@example.com")
    response = client.post("/login", query_string={"next": target}, data={"email": "me@example.com",
                                                                          "password": "correct horse battery"})
    assert response.headers["Location"] == "/map"
    client.post("/logout")
    response = client.post("/login?next=/vehicles", data={"email": "me@example.com",
                                                         "password": "correct horse battery"})
    assert response.headers["Location"] == "/vehicles"


def test_remember_me_sets_a_remember_cookie(client, make_user):
    make_user("me@example.com")
    client.post("/login", data={"email": "me@example.com", "password": "correct horse battery", "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_logout_ends_the_session(client, make_user, login):
    login(make_user())
    assert client.post("/logout").status_code == 303
    response = client.get("/vehicles")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/vehicles", "/bookings", "/account", "/bookings/HP-AAAAAA", "/admin"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_expired_login_on_htmx_request_answers_401_with_redirect(client):
    response = client.get("/vehicles?q=x", headers={"HX-Request": "true", "HX-Target": "vehicle-list"})
    assert response.status_code == 401
    assert "/login" in response.headers["HX-Redirect"]


def test_login_rate_limited_per_account(client, make_user):
    make_user("victim@example.com")
    wrong = {"email": "victim@example.com", "password": "nope nope nope"}
    for _ in range(5):
        assert client.post("/login", data=wrong).status_code == 422
    response = client.post("/login", data={"email": "victim@example.com", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # another account from the same address is still allowed
    make_user("other@example.com")
    assert client.post("/login", data={"email": "other@example.com",
                                       "password": "correct horse battery"}).status_code == 303


def test_login_rate_limited_per_ip(app, make_user):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 10 minutes"
    client = app.test_client()
    for n in range(3):
        client.post("/login", data={"email": f"x{n}@example.com", "password": "nope nope nope"})
    response = client.post("/login", data={"email": "fresh@example.com", "password": "nope nope nope"})
    assert response.status_code == 429


def test_create_admin_command_asks_for_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "boss@example.com"],
                           input="admin password 1\nadmin password 1\n")
    assert result.exit_code == 0, result.output
    assert accounts.find_user_by_email("boss@example.com").is_admin


def test_create_admin_command_refuses_short_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "boss@example.com"], input="short\nshort\n")
    assert result.exit_code != 0
    assert accounts.find_user_by_email("boss@example.com") is None


def test_a_password_longer_than_we_take_is_said_so_not_called_a_mismatch(client):
    long_password = "p" * 250
    html = client.post("/register", data={"email": "long@example.com", "password": long_password,
                                          "confirm": long_password}).get_data(as_text=True)
    assert "Use at most 200 characters." in html
    assert "do not match" not in html
    # no maxlength on a password input: a browser would cut a pasted password without a word
    assert "maxlength" not in html.split('name="password"', 1)[1].split(">", 1)[0]
