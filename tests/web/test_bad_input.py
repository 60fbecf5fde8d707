import pytest


def test_oversized_body_is_413_not_500(client, make_user, login):
    login(make_user())
    response = client.post("/vehicles", data={"country": "FI", "plate": "A" * (2 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "data",
    [{}, {"country": "XX", "plate": "ABC-123"}, {"country": "FI"}, {"country": ["FI", "GB"], "plate": ["a", "b"]},
     {"country": "FI", "plate": "ABC-123", "nickname": "n" * 500}],
)
def test_vehicle_form_never_500s(client, make_user, login, data):
    login(make_user())
    response = client.post("/vehicles", data=data)
    assert response.status_code in (303, 422)


@pytest.mark.parametrize("path", ["/vehicles/999999/edit", "/bookings/" + "x" * 500, "/vehicles/abc/edit",
                                  "/admin/bookings/x"])
def test_unknown_ids_are_404_or_403(client, make_user, login, path):
    login(make_user())
    assert client.get(path).status_code in (403, 404)


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/bookings/%00%00", None),
    ("get", "/map?q=%00", None),
    ("post", "/account/profile", {"name": "nul\x00name", "phone": "", "language": ""}),
])
def test_nul_characters_are_refused_with_400(client, make_user, login, method, path, data):
    login(make_user())
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 400


def test_history_page_with_garbage_page_number(client, make_user, login):
    login(make_user())
    assert client.get("/bookings?page=abc").status_code == 200
    assert client.get("/bookings?page=-5").status_code == 200


def test_language_switcher_sets_language_for_anonymous(client):
    response = client.post("/language", data={"language": "ko", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="ko">' in html


def test_accept_language_picks_finnish(client):
    html = client.get("/login", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fi">' in html


def test_language_switcher_ignores_unknown_language_and_foreign_next(client):
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/map"
