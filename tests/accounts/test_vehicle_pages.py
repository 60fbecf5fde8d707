from webapp.accounts.models import Vehicle
from webapp.extensions import db


def _vehicles(user):
    return db.session.query(Vehicle).filter_by(user_id=user.id).order_by(Vehicle.id).all()


def test_first_vehicle_becomes_default(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/vehicles", data={"country": "FI", "plate": "abc123", "nickname": "Family car"})
    assert response.status_code == 303
    [vehicle] = _vehicles(user)
    assert (vehicle.plate, vehicle.is_default, vehicle.nickname) == ("ABC-123", True, "Family car")
    assert "ABC-123" in client.get("/vehicles").get_data(as_text=True)


def test_bad_plate_rerenders_form_with_typed_value(client, make_user, login):
    login(make_user())
    response = client.post("/vehicles", data={"country": "KR", "plate": "12A3456", "nickname": "Rental"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="12A3456"' in html and 'value="Rental"' in html
    assert "not a valid" in html and 'aria-invalid="true"' in html


def test_bad_plate_over_htmx_returns_only_the_form_block(client, make_user, login):
    login(make_user())
    response = client.post("/vehicles", data={"country": "GB", "plate": "???"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section class="card" id="vehicle-form">')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_added_over_htmx_redirects_with_header(client, make_user, login):
    login(make_user())
    response = client.post("/vehicles", data={"country": "NL", "plate": "97kgt1"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/vehicles"


def test_duplicate_plate_refused(client, make_user, login):
    login(make_user())
    client.post("/vehicles", data={"country": "FI", "plate": "ABC-123"})
    response = client.post("/vehicles", data={"country": "FI", "plate": "abc 123"})
    assert response.status_code == 422 and "already added" in response.get_data(as_text=True)


def test_rename_and_switch_default(client, make_user, login):
    user = make_user()
    login(user)
    client.post("/vehicles", data={"country": "FI", "plate": "ABC-123"})
    client.post("/vehicles", data={"country": "GB", "plate": "AB12XYZ"})
    first, second = _vehicles(user)
    response = client.post(f"/vehicles/{second.id}/edit", data={"nickname": "London car", "make_default": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    first, second = _vehicles(user)
    assert second.nickname == "London car" and second.is_default and not first.is_default
    client.post(f"/vehicles/{first.id}/default")
    db.session.expire_all()
    assert _vehicles(user)[0].is_default


def test_removing_default_promotes_the_oldest_remaining(client, make_user, login):
    user = make_user()
    login(user)
    for plate in ("ABC-123", "XYZ-9", "KLM-45"):
        client.post("/vehicles", data={"country": "FI", "plate": plate})
    first = _vehicles(user)[0]
    assert client.post(f"/vehicles/{first.id}/delete").status_code == 303
    db.session.expire_all()
    remaining = _vehicles(user)
    assert [v.plate for v in remaining] == ["XYZ-9", "KLM-45"]
    assert remaining[0].is_default and not remaining[1].is_default


def test_someone_elses_vehicle_is_404(client, make_user, login):
    owner = make_user()
    from webapp.accounts.vehicles import add_vehicle

    vehicle = add_vehicle(owner.id, "FI", "ABC-123")
    login(make_user())
    assert client.get(f"/vehicles/{vehicle.id}/edit").status_code == 404
    assert client.post(f"/vehicles/{vehicle.id}/delete").status_code == 404
    assert db.session.get(Vehicle, vehicle.id) is not None
