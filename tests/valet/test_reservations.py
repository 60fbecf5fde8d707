"""The reservation calls of Parking247Client against the sandbox: every call, every rule of seed 004."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from webapp.core.clock import AMSTERDAM
from webapp.core.errors import ProviderNotFoundError, ProviderRejectedError, ProviderTimeoutError
from webapp.core.http import HttpSettings, build_http_client
from webapp.core.sandbox_kit import SandboxTransport
from webapp.valet.client import Parking247Client
from webapp.valet.sandbox import create_sandbox
from webapp.valet.wire import Reservation

KEY = "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM"
SECRET = "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK"
SIGNED = "https://api.247parking.nl/"
DISCOUNT_MESSAGE = "De ingevoerde kortingscode bestaat niet of is verlopen."
# a fixed Monday morning in Amsterdam: drop-off in 2 days, flight back 7 days later (8 calendar days)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
DROP_OFF = datetime(2026, 3, 4, 6, 30, tzinfo=AMSTERDAM)
ARRIVAL = datetime(2026, 3, 11, 22, 45, tzinfo=AMSTERDAM)


@pytest.fixture
def sandbox(tmp_path):
    app = create_sandbox(tmp_path, {"key": KEY, "secret": SECRET})
    app.extensions["parking247"].now = lambda: NOW
    return app


@pytest.fixture
def client(sandbox):
    http = build_http_client(HttpSettings("parking247", "https://api.247parking.nl/v1/", retries=0),
                             transport=SandboxTransport(sandbox))
    with http:
        yield Parking247Client(http, KEY, SECRET, SIGNED)


def reservation(**fields) -> Reservation:
    base = {"vertrek_timestamp": DROP_OFF, "aankomst_timestamp": ARRIVAL, "parkeerservice": "valet",
            "parkeerlocatie": "schiphol", "aantal_personen": 2, "betalingswijze": "ideal"}
    return Reservation(**{**base, **fields})


def raw(client: Parking247Client, method: str, path: str, body):
    """A signed request with any body (for values the wire models would never send)."""
    http = client._http
    return http.request(method, path, json=body, headers=client.signed_headers(method))


# -- POST /reservering/ ----------------------------------------------------------------


def test_create_answers_like_the_seed_example(client, sandbox):
    confirmation = client.create_reservation(reservation())

    assert confirmation.reserveringsnummer.startswith("S") and len(confirmation.reserveringsnummer) == 7
    assert confirmation.voucher_url.startswith("https://247parking.nl/voucher.php?id=")
    # valet at Schiphol: 29.00 first day + 7 × 9.50, 21 % VAT included
    assert confirmation.totaalprijs == Decimal("95.50")
    assert sandbox.extensions["parking247"].reservation(confirmation.reserveringsnummer).status == "active"


def test_create_reply_envelope_and_message(client):
    response = raw(client, "POST", "reservering/", reservation().to_wire())

    body = response.json()
    assert response.status_code == 200
    assert body["meta"] == {"status": "success", "code": 200, "message": "Reservering toegevoegd"}
    assert set(body["data"]) == {"voucher_url", "reserveringsnummer", "totaalprijs"}


def test_the_seeds_example_body_with_klant_land_is_accepted(client, sandbox):
    body = {"klant_land": "Nederland", "parkeerlocatie": "schiphol", "vertrek_timestamp": "20-03-2026 13:30",
            "vertrek_vluchtnummer": "HV 123", "aankomst_timestamp": "29-03-2026 21:30",
            "aankomst_vluchtnummer": "HV 456", "parkeerservice": "shuttle", "auto_merk_type": "Audi A3 zwart",
            "auto_kenteken": "97-KGT-1", "klant_voornaam": "John", "klant_achternaam": "de Smit",
            "klant_email": "john.de.smit@gmail.com", "klant_mobiel": "0612345678", "aantal_personen": "3",
            "betalingswijze": "contant", "kortingscode": "WELKOM10"}
    response = raw(client, "POST", "reservering/", body)

    assert response.status_code == 200, response.json()
    stored = sandbox.extensions["parking247"].reservation(response.json()["data"]["reserveringsnummer"])
    assert stored.fields["klant_land"] == "Nederland"


def test_what_we_send_is_the_seeds_wire_format(client, sandbox):
    sent = reservation(overdektparkeren=False, wasservice=3, leerverzorging=True, referentienummer="VP-7K3M9Q",
                       annuleringsverzekering=True).to_wire()

    assert sent["vertrek_timestamp"] == "04-03-2026 06:30" and sent["aankomst_timestamp"] == "11-03-2026 22:45"
    assert sent["aantal_personen"] == "2" and sent["wasservice"] == "3" and sent["leerverzorging"] == "1"
    assert "kortingscode" not in sent  # a field not given is never sent
    number = client.create_reservation(reservation(wasservice=3, leerverzorging=True)).reserveringsnummer
    assert sandbox.extensions["parking247"].reservation(number).fields["wasservice"] == "3"


def test_times_are_written_in_amsterdam_time_whatever_zone_we_hold():
    sent = reservation(vertrek_timestamp=DROP_OFF.astimezone(UTC)).to_wire()

    assert sent["vertrek_timestamp"] == "04-03-2026 06:30"


@pytest.mark.parametrize(("fields", "total"), [
    ({}, "95.50"),
    ({"parkeerservice": "shuttle"}, "64.50"),
    ({"parkeerservice": "combi_vs"}, "81.00"),
    ({"parkeerservice": "shuttle", "overdektparkeren": True}, "96.50"),  # + 8 days × 4.00
    ({"wasservice": 2, "leerverzorging": True}, "150.40"),  # + 29.95 + 24.95
    ({"annuleringsverzekering": True}, "103.45"),
    ({"betalingswijze": "mc"}, "98.00"),  # card surcharge
    ({"betalingswijze": "maestro"}, "97.00"),
    ({"kortingscode": "WELKOM10"}, "85.95"),  # 10 % off the parking
    ({"kortingscode": "ZOMER5", "wasservice": 1}, "105.45"),
    ({"parkeerlocatie": "pta"}, "109.00"),
    ({"parkeerlocatie": "amsterdam_centrum"}, "207.00"),
])
def test_total_follows_the_published_price_list(client, fields, total):
    assert client.create_reservation(reservation(**fields)).totaalprijs == Decimal(total)


@pytest.mark.parametrize(("fields", "message"), [
    ({"kortingscode": "NOPE"}, DISCOUNT_MESSAGE),
    ({"kortingscode": "welkom10"}, DISCOUNT_MESSAGE),  # case-sensitive
    ({"kortingscode": "NYE2015"}, DISCOUNT_MESSAGE),  # expired
    ({"vertrek_timestamp": NOW - timedelta(hours=1)}, "De vertrektijd ligt in het verleden"),
    ({"aankomst_timestamp": DROP_OFF - timedelta(minutes=1)}, "De aankomsttijd moet na de vertrektijd liggen"),
    ({"aankomst_timestamp": DROP_OFF}, "De aankomsttijd moet na de vertrektijd liggen"),
    ({"overdektparkeren": True}, "Overdekt parkeren is alleen mogelijk met parkeerservice shuttle"),
    ({"parkeerservice": "shuttle", "overdektparkeren": True, "wasservice": 1},
     "Wasservice is niet mogelijk in combinatie met overdekt parkeren"),
    ({"parkeerservice": "shuttle", "overdektparkeren": True, "betalingswijze": "contant"},
     "Overdekt parkeren kan niet contant worden betaald"),
    ({"leerverzorging": True}, "Leerverzorging is alleen mogelijk bij wasservice 2, 3 of 4"),
    ({"wasservice": 1, "leerverzorging": True}, "Leerverzorging is alleen mogelijk bij wasservice 2, 3 of 4"),
    ({"parkeerlocatie": "pta", "vertrek_vluchtnummer": "HV 123"},
     "Vluchtnummers zijn alleen mogelijk bij parkeerlocatie schiphol"),
    ({"parkeerlocatie": "amsterdam_centrum", "aankomst_vluchtnummer": "HV 456"},
     "Vluchtnummers zijn alleen mogelijk bij parkeerlocatie schiphol"),
    ({"parkeerlocatie": "amsterdam_centrum", "parkeerservice": "shuttle"},
     "Deze parkeerservice is niet beschikbaar op deze parkeerlocatie"),
    ({"aantal_personen": 9}, "Het aantal personen moet tussen 1 en 8 liggen"),
    ({"label_id": 7}, "Onbekend label_id"),
])
def test_every_rule_is_a_400_with_its_message(client, sandbox, fields, message):
    with pytest.raises(ProviderRejectedError) as caught:
        client.create_reservation(reservation(**fields))

    assert caught.value.status_code == 400
    assert caught.value.user_message == message and caught.value.visible_to_user
    assert sandbox.extensions["parking247"].reservation_numbers() == set()


def test_a_refusal_names_the_rule_and_the_field(client):
    with pytest.raises(ProviderRejectedError) as caught:
        client.create_reservation(reservation(kortingscode="NYE2015"))

    assert (caught.value.code, caught.value.field) == ("discount_code", "kortingscode")


def test_discount_error_body_is_the_seeds(client):
    response = raw(client, "POST", "reservering/", {**reservation().to_wire(), "kortingscode": "NYE2015"})

    assert response.status_code == 400
    assert response.json() == {"data": "", "meta": {"status": "error", "code": 400, "message": DISCOUNT_MESSAGE}}


@pytest.mark.parametrize(("change", "message"), [
    ({"parkeerservice": None}, "Verplicht veld ontbreekt: parkeerservice"),
    ({"aantal_personen": None, "betalingswijze": ""}, "Verplicht veld ontbreekt: aantal_personen, betalingswijze"),
    ({"vertrek_timestamp": "2026-03-04 06:30"},
     "Ongeldige datum/tijd voor vertrek_timestamp: gebruik dd-mm-jjjj uu:mm"),
    ({"parkeerservice": "helikopter"}, "Ongeldige parkeerservice: kies valet, shuttle, combi_vs of combi_sv"),
    ({"parkeerlocatie": "rotterdam"}, "Ongeldige parkeerlocatie: kies schiphol, pta of amsterdam_centrum"),
    ({"betalingswijze": "bitcoin"}, "Ongeldige betalingswijze"),
    ({"wasservice": "5"}, "Ongeldige wasservice: kies 0 tot en met 4"),
    ({"handbagage": "ja"}, "Ongeldige waarde voor handbagage: gebruik 0 of 1"),
    ({"aantal_personen": "twee"}, "Ongeldige waarde voor aantal_personen"),
    ({"aantal_personen": "0"}, "Het aantal personen moet tussen 1 en 8 liggen"),
])
def test_malformed_parameters_are_400s_with_their_message(client, change, message):
    body = {**reservation().to_wire(), **change}
    response = raw(client, "POST", "reservering/", {k: v for k, v in body.items() if v is not None})

    assert response.status_code == 400
    assert response.json()["meta"] == {"status": "error", "code": 400, "message": message}


def test_a_body_that_is_not_a_json_object_is_a_400(client):
    response = raw(client, "POST", "reservering/", ["not", "an", "object"])

    assert response.status_code == 400 and "JSON" in response.json()["meta"]["message"]


def test_create_without_persons_is_refused_before_sending(client, sandbox):
    with pytest.raises(ValueError):
        client.create_reservation(reservation(aantal_personen=None))


def test_a_lost_reply_after_commit_is_a_timeout_and_the_reservation_exists(client, sandbox):
    sandbox.extensions["faults"].drop_after_commit = 1

    with pytest.raises(ProviderTimeoutError):
        client.create_reservation(reservation(referentienummer="VP-LOST01"))

    [number] = sandbox.extensions["parking247"].reservation_numbers()
    assert sandbox.extensions["parking247"].reservation(number).fields["referentienummer"] == "VP-LOST01"


# -- PUT /reservering/:resnr/ ----------------------------------------------------------


def test_update_keeps_omitted_fields_and_answers_booking_updated(client, sandbox):
    created = client.create_reservation(reservation(auto_kenteken="97-KGT-1", opmerkingen="Baby aan boord"))
    later = ARRIVAL + timedelta(days=1)

    updated = client.update_reservation(created.reserveringsnummer, reservation(
        aankomst_timestamp=later, aantal_personen=None), Decimal("105.00"))

    assert updated.totaalprijs == Decimal("105.00") and updated.reserveringsnummer == created.reserveringsnummer
    fields = sandbox.extensions["parking247"].reservation(created.reserveringsnummer).fields
    assert fields["aankomst_timestamp"] == "12-03-2026 22:45"
    assert fields["auto_kenteken"] == "97-KGT-1" and fields["opmerkingen"] == "Baby aan boord"
    assert fields["aantal_personen"] == "2"


def test_update_message_is_the_seeds(client):
    number = client.create_reservation(reservation()).reserveringsnummer
    body = {**reservation(aantal_personen=None).to_wire(), "totaalprijs": "95.50"}

    response = raw(client, "PUT", f"reservering/{number}/", body)

    assert response.json()["meta"] == {"status": "success", "code": 200, "message": "Booking updated"}


def test_update_matches_the_number_case_insensitively(client):
    number = client.create_reservation(reservation()).reserveringsnummer

    updated = client.update_reservation(number.lower(), reservation(), Decimal("95.50"))

    assert updated.reserveringsnummer == number


def test_update_with_a_wrong_total_is_refused_and_changes_nothing(client, sandbox):
    number = client.create_reservation(reservation()).reserveringsnummer

    with pytest.raises(ProviderRejectedError) as caught:
        client.update_reservation(number, reservation(wasservice=1), Decimal("95.50"))

    assert caught.value.code == "total_mismatch" and "110.45" in caught.value.user_message
    assert "wasservice" not in sandbox.extensions["parking247"].reservation(number).fields


def test_update_without_totaalprijs_is_refused(client):
    number = client.create_reservation(reservation()).reserveringsnummer

    response = raw(client, "PUT", f"reservering/{number}/", reservation().to_wire())

    assert response.status_code == 400
    assert response.json()["meta"]["message"] == "Verplicht veld ontbreekt: totaalprijs"


def test_update_checks_the_rules_on_the_merged_reservation(client):
    number = client.create_reservation(reservation(parkeerservice="shuttle", overdektparkeren=True)).reserveringsnummer

    with pytest.raises(ProviderRejectedError) as caught:  # the stored indoor option forbids a wash
        client.update_reservation(number, reservation(parkeerservice="shuttle", wasservice=1), Decimal("200.00"))

    assert caught.value.user_message == "Wasservice is niet mogelijk in combinatie met overdekt parkeren"


def test_update_may_keep_a_drop_off_that_has_passed(client, sandbox):
    number = client.create_reservation(reservation()).reserveringsnummer
    sandbox.extensions["parking247"].now = lambda: DROP_OFF + timedelta(hours=1)

    later = ARRIVAL + timedelta(days=1)
    assert client.update_reservation(number, reservation(aankomst_timestamp=later), Decimal("105.00"))
    with pytest.raises(ProviderRejectedError):
        client.update_reservation(number, reservation(vertrek_timestamp=DROP_OFF + timedelta(minutes=30)),
                                  Decimal("105.00"))


def test_update_of_an_unknown_number_is_a_404(client):
    with pytest.raises(ProviderNotFoundError) as caught:
        client.update_reservation("S000000", reservation(), Decimal("95.50"))

    assert caught.value.status_code == 404 and "niet gevonden" in caught.value.detail


def test_another_partners_reservation_is_not_found(client, sandbox):
    number = client.create_reservation(reservation()).reserveringsnummer
    key, secret = sandbox.extensions["parking247"].reset_credentials("other-partner", "other-secret")
    # the old partner's reservations are not the new key's
    other = Parking247Client(client._http, key, secret, SIGNED)

    with pytest.raises(ProviderNotFoundError):
        other.update_status(number, "canceled")


def test_a_cancelled_reservation_cannot_be_changed(client):
    number = client.create_reservation(reservation()).reserveringsnummer
    client.update_status(number, "canceled")

    with pytest.raises(ProviderRejectedError) as caught:
        client.update_reservation(number, reservation(), Decimal("95.50"))

    assert "canceled" in caught.value.user_message


# -- PUT /reservering/:resnr/status/ ---------------------------------------------------


def test_status_change_answers_like_the_seed(client):
    number = client.create_reservation(reservation()).reserveringsnummer

    response = raw(client, "PUT", f"reservering/{number.lower()}/status/", {"status": "canceled"})

    assert response.json() == {"data": {"reserveringsnummer": number},
                               "meta": {"status": "success", "code": 200,
                                        "message": "Booking status is updated to canceled"}}


def test_noshow_is_possible_after_the_drop_off_and_answers_the_seeds_message(client, sandbox):
    number = client.create_reservation(reservation()).reserveringsnummer
    sandbox.extensions["parking247"].now = lambda: DROP_OFF + timedelta(hours=2)

    response = raw(client, "PUT", f"reservering/{number}/status/", {"status": "noshow"})

    assert response.json()["meta"]["message"] == "Booking status is updated to noshow"


@pytest.mark.parametrize(("moves", "refused", "message"), [
    (["canceled"], "active", "Een reservering met status canceled kan niet opnieuw actief worden"),
    ([], "noshow", "Noshow kan pas na de vertrektijd worden gemeld"),
    (["deleted"], "canceled", "Een verwijderde reservering kan niet meer worden gewijzigd"),
    (["canceled"], "noshow", "Noshow kan pas na de vertrektijd worden gemeld"),
    ([], "paused", "Ongeldige status: kies active, canceled, deleted of noshow"),
])
def test_status_moves_that_make_no_sense_are_refused(client, moves, refused, message):
    number = client.create_reservation(reservation()).reserveringsnummer
    for move in moves:
        client.update_status(number, move)

    response = raw(client, "PUT", f"reservering/{number}/status/", {"status": refused})

    assert response.status_code == 400 and response.json()["meta"]["message"] == message


def test_cancelling_after_the_drop_off_is_refused(client, sandbox):
    number = client.create_reservation(reservation()).reserveringsnummer
    sandbox.extensions["parking247"].now = lambda: DROP_OFF + timedelta(minutes=1)

    with pytest.raises(ProviderRejectedError) as caught:
        client.update_status(number, "canceled")

    assert caught.value.code == "cancel_too_late"


def test_repeating_a_status_change_is_harmless(client):
    number = client.create_reservation(reservation()).reserveringsnummer

    assert client.update_status(number, "canceled") == number
    assert client.update_status(number, "canceled") == number


def test_status_of_an_unknown_number_is_a_404(client):
    with pytest.raises(ProviderNotFoundError):
        client.update_status("S999999", "canceled")


# -- other HTTP codes of the seed ------------------------------------------------------


def test_a_method_the_endpoint_does_not_take_is_a_405_that_says_why(client):
    response = raw(client, "GET", "reservering/", None)

    assert response.status_code == 405
    assert response.json()["meta"] == {"status": "error", "code": 405,
                                       "message": "GET is not allowed on this endpoint; it accepts POST"}


def test_an_unknown_uri_is_a_404_envelope(client):
    response = raw(client, "GET", "parkeerplaatsen/", None)

    assert response.status_code == 404 and response.json()["meta"]["status"] == "error"


def test_the_voucher_page_shows_the_reservation_and_a_qr_code(client, sandbox):
    confirmation = client.create_reservation(reservation(auto_merk_type="Opel Astra, zwart"))
    voucher_id = confirmation.voucher_url.rsplit("=", 1)[1]

    page = sandbox.test_client().get(f"/voucher.php?id={voucher_id}")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and confirmation.reserveringsnummer in html
    assert "<svg" in html and "Opel Astra, zwart" in html and "04-03-2026 06:30" in html
    assert sandbox.test_client().get("/voucher.php?id=nope").status_code == 404


@pytest.mark.parametrize("fields", [
    {}, {"parkeerservice": "combi_sv", "wasservice": 4, "leerverzorging": True, "betalingswijze": "visa"},
    {"parkeerservice": "shuttle", "overdektparkeren": True, "kortingscode": "WELKOM10", "annuleringsverzekering": True},
    {"parkeerlocatie": "pta", "kortingscode": "ZOMER5", "betalingswijze": "maestro"},
    {"parkeerlocatie": "amsterdam_centrum", "aankomst_timestamp": DROP_OFF + timedelta(hours=3)},
])
def test_our_published_prices_agree_with_247parkings(client, fields):
    from webapp.valet.pricing import ValetChoice, quote

    sent = reservation(**fields)
    choice = ValetChoice(location=sent.parkeerlocatie, service=sent.parkeerservice, drop_off=sent.vertrek_timestamp,
                         arrival=sent.aankomst_timestamp, persons=2, payment=sent.betalingswijze,
                         indoor=bool(sent.overdektparkeren), wash=sent.wasservice or 0,
                         leather=bool(sent.leerverzorging), insurance=bool(sent.annuleringsverzekering),
                         discount_code=sent.kortingscode or "")

    assert client.create_reservation(sent).totaalprijs == quote(choice, NOW).total
