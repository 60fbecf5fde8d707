"""Sealing of secrets the app must store and read back (e.g. Seoul lots' secret keys).

A sealed value is AES-256-GCM ciphertext under a key derived from the app's
``SECRET_KEY`` with HKDF-SHA256 and a purpose label, so a token sealed for one
purpose never opens for another and a database dump alone reveals nothing.
Tokens are plain text for a DB column::

    v1:<urlsafe base64 of nonce(12) | tag(16) | ciphertext>

The version prefix lets a later scheme coexist with old rows; it is also
authenticated (part of the GCM associated data) together with the purpose.
Rotating the key keeps old rows readable when the previous keys are passed
as ``fallback_keys``: a ``Keyring`` from the config (``SEALING_KEY`` or else
``SECRET_KEY``, and ``SEALING_KEY_FALLBACKS`` or else ``SECRET_KEY_FALLBACKS``,
all from the environment). ``flask --app app keys rotate`` then re-seals
every stored token under the current key, after which the old key can go.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from Crypto.Random import get_random_bytes

VERSION = "v1"
_PREFIX = VERSION + ":"
# A fixed, public salt: HKDF's extract step only needs it to be constant per scheme.
_SALT = b"webapp.crypto.sealing/" + VERSION.encode("ascii")
_KEY_SIZE = 32
_NONCE_SIZE = 12
_TAG_SIZE = 16


class SealingError(Exception):
    """Base class: a sealed token could not be opened."""


class MalformedTokenError(SealingError):
    """The text is not a sealed token of a known version."""


class TamperedTokenError(SealingError):
    """Authentication failed: the token was altered, or the key or purpose is wrong.

    GCM cannot tell these apart, and it must not: any of them means the
    plaintext cannot be trusted.
    """


def _derive_key(secret_key: str | bytes, purpose: str) -> bytes:
    master = secret_key.encode("utf-8") if isinstance(secret_key, str) else bytes(secret_key)
    if not master:
        raise ValueError("sealing needs a non-empty application secret key")
    if not purpose:
        raise ValueError("sealing needs a purpose label")
    return HKDF(master, _KEY_SIZE, _SALT, SHA256, context=purpose.encode("utf-8"))


def _associated_data(purpose: str) -> bytes:
    return _PREFIX.encode("ascii") + purpose.encode("utf-8")


def seal(plaintext: bytes | str, secret_key: str | bytes, purpose: str) -> str:
    """Encrypt and authenticate ``plaintext`` into a storable text token.

    Args:
        plaintext: the secret to store; text is encoded as UTF-8.
        secret_key: the application's ``SECRET_KEY``.
        purpose: a label naming what is sealed (e.g. "seoul-lot-secret-key");
            the same label must be given to ``unseal``.

    Returns:
        The token, ``"v1:"`` followed by URL-safe base64.

    Raises:
        ValueError: the secret key or the purpose is empty.
    """
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)
    nonce = get_random_bytes(_NONCE_SIZE)
    cipher = AES.new(_derive_key(secret_key, purpose), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_SIZE)
    cipher.update(_associated_data(purpose))
    ciphertext, tag = cipher.encrypt_and_digest(data)
    return _PREFIX + base64.urlsafe_b64encode(nonce + tag + ciphertext).decode("ascii")


def _split(token: str) -> tuple[bytes, bytes, bytes]:
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise MalformedTokenError(f"not a sealed token of version {VERSION}")
    try:
        raw = base64.b64decode(token[len(_PREFIX) :], altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedTokenError("the sealed token is not valid base64") from exc
    if len(raw) < _NONCE_SIZE + _TAG_SIZE:
        raise MalformedTokenError("the sealed token is too short")
    return raw[:_NONCE_SIZE], raw[_NONCE_SIZE : _NONCE_SIZE + _TAG_SIZE], raw[_NONCE_SIZE + _TAG_SIZE :]


def unseal(
    token: str,
    secret_key: str | bytes,
    purpose: str,
    fallback_keys: Iterable[str | bytes] = (),
) -> bytes:
    """Open a token made by ``seal``.

    Args:
        token: the stored token.
        secret_key: the application's current ``SECRET_KEY``.
        purpose: the label the token was sealed for.
        fallback_keys: previous secret keys to try after ``secret_key``.

    Returns:
        The original plaintext bytes.

    Raises:
        MalformedTokenError: the text is not a token of a known version.
        TamperedTokenError: no key opens it: altered, wrong key or wrong purpose.
        ValueError: a secret key or the purpose is empty.
    """
    nonce, tag, ciphertext = _split(token)
    for key in (secret_key, *fallback_keys):
        cipher = AES.new(_derive_key(key, purpose), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_SIZE)
        cipher.update(_associated_data(purpose))
        try:
            return cipher.decrypt_and_verify(ciphertext, tag)
        except ValueError:
            continue
    raise TamperedTokenError("the sealed token failed authentication")


@dataclass(frozen=True)
class Keyring:
    """The current sealing key and the previous ones that still open old tokens."""

    current: str | bytes
    fallbacks: tuple[str | bytes, ...] = ()

    def seal(self, plaintext: bytes | str, purpose: str) -> str:
        """Seal under the current key (see ``seal``)."""
        return seal(plaintext, self.current, purpose)

    def unseal(self, token: str, purpose: str) -> bytes:
        """Open with the current key or any fallback (see ``unseal``)."""
        return unseal(token, self.current, purpose, self.fallbacks)

    def reseal(self, token: str, purpose: str) -> str:
        """The same secret sealed anew under the current key.

        Raises:
            SealingError: no key of the ring opens ``token``.
        """
        return self.seal(self.unseal(token, purpose), purpose)


def keyring_from_config(config: Mapping) -> Keyring:
    """The app's keyring: ``SEALING_KEY`` (default ``SECRET_KEY``) and its fallbacks."""
    current = config.get("SEALING_KEY") or config["SECRET_KEY"]
    fallbacks = config.get("SEALING_KEY_FALLBACKS") or config.get("SECRET_KEY_FALLBACKS") or ()
    return Keyring(current, tuple(key for key in fallbacks if key and key != current))
