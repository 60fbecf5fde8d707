"""Our VAPID key pair (RFC 8292): the private key signs every push, the public key is what a browser
subscribes with (``applicationServerKey``)."""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@functools.lru_cache(maxsize=4)
def _load(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) EC private key")
    return key


def push_enabled() -> bool:
    """Whether this deployment has a VAPID key (production without one sends no push)."""
    return bool(current_app.config.get("VAPID_PRIVATE_KEY"))


def private_key() -> ec.EllipticCurvePrivateKey:
    """The VAPID private key of the current app (``VAPID_PRIVATE_KEY``)."""
    return _load(current_app.config["VAPID_PRIVATE_KEY"])


def application_server_key() -> str:
    """The public key as browsers take it: the uncompressed P-256 point, base64url without padding."""
    point = private_key().public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
    return _b64url(point)
