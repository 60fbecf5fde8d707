"""Sealing of stored secrets: AES-256-GCM under an HKDF-derived key."""

import base64

import pytest

from webapp.core.sealing import MalformedTokenError, TamperedTokenError, seal, unseal

APP_KEY = "app-secret-key-for-tests"
PURPOSE = "seoul-lot-secret-key"


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[index] ^= 0x01
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_round_trip_returns_the_plaintext():
    token = seal(b"0123456789abcdef", APP_KEY, PURPOSE)
    assert unseal(token, APP_KEY, PURPOSE) == b"0123456789abcdef"


def test_text_is_sealed_as_utf8():
    assert unseal(seal("비밀키", APP_KEY, PURPOSE), APP_KEY, PURPOSE) == "비밀키".encode()


def test_token_is_versioned_text_without_the_plaintext():
    token = seal(b"0123456789abcdef", APP_KEY, PURPOSE)
    assert token.startswith("v1:")
    raw = base64.urlsafe_b64decode(token[3:])
    assert len(raw) == 12 + 16 + 16
    assert b"0123456789abcdef" not in raw


def test_each_seal_uses_a_fresh_nonce():
    assert seal(b"same", APP_KEY, PURPOSE) != seal(b"same", APP_KEY, PURPOSE)


@pytest.mark.parametrize("index", [0, 11, 12, 27, 28, 35])  # nonce, tag, ciphertext
def test_unseal_refuses_a_tampered_token(index):
    token = seal(b"0123456789", APP_KEY, PURPOSE)
    with pytest.raises(TamperedTokenError):
        unseal(_flip(token, index), APP_KEY, PURPOSE)


def test_unseal_refuses_a_truncated_ciphertext():
    token = seal(b"0123456789", APP_KEY, PURPOSE)
    raw = base64.urlsafe_b64decode(token[3:])[:-1]
    with pytest.raises(TamperedTokenError):
        unseal("v1:" + base64.urlsafe_b64encode(raw).decode(), APP_KEY, PURPOSE)


def test_unseal_refuses_the_wrong_key():
    with pytest.raises(TamperedTokenError):
        unseal(seal(b"secret", APP_KEY, PURPOSE), "another-app-key", PURPOSE)


def test_unseal_refuses_another_purpose():
    with pytest.raises(TamperedTokenError):
        unseal(seal(b"secret", APP_KEY, PURPOSE), APP_KEY, "helsinki-password")


def test_unseal_opens_tokens_of_a_rotated_key_through_fallbacks():
    token = seal(b"secret", "old-app-key", PURPOSE)
    assert unseal(token, APP_KEY, PURPOSE, fallback_keys=["older-key", "old-app-key"]) == b"secret"


@pytest.mark.parametrize(
    "token", ["", "secret", "v2:AAAA", "v1:***", "v1:" + base64.urlsafe_b64encode(b"x" * 27).decode()]
)
def test_unseal_refuses_text_that_is_not_a_token(token):
    with pytest.raises(MalformedTokenError):
        unseal(token, APP_KEY, PURPOSE)


@pytest.mark.parametrize(("key", "purpose"), [("", PURPOSE), (b"", PURPOSE), (APP_KEY, "")])
def test_seal_needs_a_key_and_a_purpose(key, purpose):
    with pytest.raises(ValueError):
        seal(b"secret", key, purpose)
