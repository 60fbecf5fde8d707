from webapp.accounts import vehicles
from webapp.accounts.models import User, Vehicle
from webapp.bookings.models import Booking
from webapp.extensions import db


def test_profile_saves_name_phone_language(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/account/profile", data={"name": "Aino", "phone": "+358 40 111 2222", "language": "fi"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.name, user.phone, user.language) == ("Aino", "+358 40 111 2222", "fi")
    # the page now speaks Finnish
    assert 'lang="fi"' in client.get("/account").get_data(as_text=True)


def test_profile_rejects_letters_in_phone_and_keeps_input(client, make_user, login):
    login(make_user())
    response = client.post("/account/profile", data={"name": "Aino", "phone": "call me", "language": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="call me"' in html and 'value="Aino"' in html


def test_change_password_requires_current_and_logs_out_other_sessions(app, client, make_user, login):
    user = make_user()
    login(user)
    other_device = app.test_client()
    login(user, test_client=other_device)
    bad = client.post("/account/password", data={"current_password": "wrong one!", "new_password": "new password 1",
                                                  "confirm": "new password 1"})
    assert bad.status_code == 422
    ok = client.post("/account/password", data={"current_password": "correct horse battery",
                                                "new_password": "new password 1", "confirm": "new password 1"})
    assert ok.status_code == 303
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # old session epoch
    assert client.post("/logout").status_code == 303
    login(user, "new password 1")


def test_delete_account_erases_person_and_keeps_bookings(client, make_user, login, make_booking):
    user = make_user(phone="+358 40 555 0000", name="To Delete")
    user_id = user.id
    vehicles.add_vehicle(user.id, "FI", "ABC-123")
    booking = make_booking(user)
    login(user)
    assert client.post("/account/delete", data={"password": "wrong password"}).status_code == 422
    response = client.post("/account/delete", data={"password": "correct horse battery"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.query(Vehicle).count() == 0
    kept = db.session.get(Booking, booking.id)
    assert kept is not None and kept.user_id is None
    assert kept.contact_email is None and kept.contact_phone is None
    assert client.get("/account").status_code == 302
