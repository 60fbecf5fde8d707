"""The VAPID key's life (generated once for development, from the environment elsewhere) and the push
services the job may post to."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from webapp.config import DevelopmentConfig, ProductionConfig
from webapp.push import keys
from webapp.push.endpoints import allowed_endpoint


def _pem() -> str:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def test_development_vapid_key_is_generated_once_and_kept(tmp_path, caplog):
    first = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"}).VAPID_PRIVATE_KEY
    assert "VAPID_PRIVATE_KEY is not set: generated" in caplog.text
    second = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"}).VAPID_PRIVATE_KEY
    assert first == second and first.startswith("-----BEGIN PRIVATE KEY-----")
    assert (Path(tmp_path) / "vapid_private.pem").stat().st_mode & 0o077 == 0


def test_production_without_vapid_key_runs_with_push_off(tmp_path, caplog):
    config = ProductionConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40})
    assert config.VAPID_PRIVATE_KEY is None
    assert "push notifications are off" in caplog.text
    assert not (Path(tmp_path) / "vapid_private.pem").exists()
    assert config.PUSH_ALLOW_LOCAL_SERVICE is False


def test_vapid_key_from_the_environment_may_write_newlines_as_backslash_n(tmp_path):
    pem = _pem()
    config = ProductionConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                               "VAPID_PRIVATE_KEY": pem.replace("\n", "\\n"),
                               "VAPID_SUBJECT": "mailto:ops@example.org"})
    assert pem.strip() == config.VAPID_PRIVATE_KEY
    assert config.VAPID_SUBJECT == "mailto:ops@example.org"


def test_subject_defaults_to_the_mail_sender(tmp_path):
    config = DevelopmentConfig({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                                "MAIL_DEFAULT_SENDER": "ParkGo <help@parkgo.example>"})
    assert config.VAPID_SUBJECT == "mailto:help@parkgo.example"


def test_application_server_key_is_the_uncompressed_public_point(app):
    pem = _pem()
    app.config["VAPID_PRIVATE_KEY"] = pem
    raw = base64.urlsafe_b64decode(keys.application_server_key() + "==")
    expected = serialization.load_pem_private_key(pem.encode(), None).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert raw == expected and len(raw) == 65 and raw[0] == 4
    assert keys.push_enabled()
    app.config["VAPID_PRIVATE_KEY"] = None
    assert not keys.push_enabled()


def test_a_key_on_another_curve_is_refused(app):
    app.config["VAPID_PRIVATE_KEY"] = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(ValueError, match="P-256"):
        keys.application_server_key()


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://wns2-db5p.notify.windows.com/w/?token=BQYAAA",
    "https://web.push.apple.com/QGuQyavXutnMH",
    "http://127.0.0.1:8123/push/abc",
])
def test_known_push_services_are_allowed(app, endpoint):
    assert allowed_endpoint(endpoint)


@pytest.mark.parametrize("endpoint", [
    "", "not a url", "http://fcm.googleapis.com/fcm/send/x",  # a push service only over HTTPS
    "https://evil.example/fcm.googleapis.com", "https://fcm.googleapis.com.evil.example/x",
    "https://user:pw@fcm.googleapis.com/x", "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.1/x", "ftp://127.0.0.1/x", "https://fcm.googleapis.com:notaport/x",
    "https://fcm.googleapis.com/" + "a" * 1000,
])
def test_any_other_address_is_refused(app, endpoint):
    assert not allowed_endpoint(endpoint)


def test_this_machine_is_refused_where_local_services_are_off(app):
    app.config["PUSH_ALLOW_LOCAL_SERVICE"] = False
    assert not allowed_endpoint("http://127.0.0.1:8123/push/abc")
    assert not allowed_endpoint("http://localhost:8123/push/abc")
    assert allowed_endpoint("https://fcm.googleapis.com/fcm/send/x")
