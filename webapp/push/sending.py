"""Send one notification to one device: encrypt it for the browser, sign it with our VAPID key, post it.

- **Encryption** (RFC 8291, ``aes128gcm`` of RFC 8188): the JSON payload is encrypted with a fresh
  P-256 sender key per message against the browser's key (``p256dh``) and auth secret, in one record
  of at most 4096 bytes — http-ece does the key derivation and the record.
- **Signature** (RFC 8292): ``Authorization: vapid t=<ES256 JWT>, k=<our public key>``, the JWT's
  ``aud`` the push service's origin, ``exp`` twelve hours ahead (the RFC allows at most 24), ``sub``
  ``VAPID_SUBJECT`` — py-vapid signs it.
- **Posting** (RFC 8030): ``TTL``, ``Urgency`` and an optional ``Topic`` (a newer message with the same
  topic replaces one the device has not fetched yet), with short timeouts and no retry: the next
  event, or the next run for the next one, is worth more than a late copy of this one.

The endpoint's path is the browser's secret address (whoever knows it can send to the push service on
our behalf only with our signature, but it still identifies the browser): it is never logged, only
its host. ``core.http``'s provider clients log every request's path, so this module builds its own
plain httpx client, and httpx's own "HTTP Request: POST <url>" line is held back while it posts.

What a send does to the device (in the session; the caller commits): delivered — its failure count is
reset; gone (404/410) — it is deleted; failed (any other status, a timeout, a network error) — its
failure count grows, and a device that failed ``FORGET_AFTER_FAILURES`` times in a row is deleted.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import enum
import hashlib
import json
import logging
import os
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid02, VapidException

from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.push import keys
from webapp.push.endpoints import allowed_endpoint
from webapp.push.models import PushDevice

log = logging.getLogger(__name__)

#: one aes128gcm record (RFC 8291 §4: a push message is a single record of at most 4096 bytes)
RECORD_SIZE = 4096
#: the JSON we encrypt stays under this many bytes: 4096 less the header (86), the tag (16) and the
#: padding delimiter (1) leaves 3993; a margin below that for push services that count differently
MAX_PAYLOAD_BYTES = 3800
#: the JWT's lifetime: RFC 8292 §2 allows at most 24 hours; half leaves room for a skewed clock
TOKEN_LIFETIME = timedelta(hours=12)
#: seconds to connect and to wait for the push service's answer
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
#: sends in a row that failed (not "gone") after which the device is forgotten: a browser that has
#: been unreachable for that many notifications is not coming back
FORGET_AFTER_FAILURES = 20
#: RFC 8030 §5.3
URGENCIES = ("very-low", "low", "normal", "high")
#: RFC 8030 §5.4: a topic is at most 32 characters of the base64url alphabet
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
#: what shortens a body that had to be cut
ELLIPSIS = "…"


#: set while this module posts, in the posting thread: httpx's log line of that request is dropped
_posting = contextvars.ContextVar("posting_push", default=False)


class _EndpointNotLogged(logging.Filter):
    """Drops httpx's request line (it holds the whole URL) for the posts of this module."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _posting.get()


logging.getLogger("httpx").addFilter(_EndpointNotLogged())


class Outcome(enum.StrEnum):
    """How one send ended."""

    DELIVERED = "delivered"  # the push service accepted it (200, 201, 202)
    GONE = "gone"  # the push service says the subscription is gone (404, 410): the device was deleted
    FAILED = "failed"  # another status, a timeout or a network error: counted on the device
    REFUSED = "refused"  # not posted: an endpoint we do not post to, or no VAPID key to sign with


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def origin(endpoint: str) -> str:
    """The push service's origin (``scheme://host[:port]``): the JWT's audience, and what a log line says."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:max(chars - 1, 0)].rstrip() + ELLIPSIS


def _encoded(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def fit_payload(payload: dict, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """``payload`` as compact UTF-8 JSON of at most ``limit`` bytes.

    A payload that is too long has its ``body`` shortened (ending with an ellipsis), then, if that is
    not enough, its ``title``; the other fields (kind, tag, URLs, actions) are ours and short, and are
    kept whole, since the service worker needs them to open the right page.

    Raises:
        ValueError: even with an empty body and title it is longer than ``limit``.
    """
    encoded = _encoded(payload)
    if len(encoded) <= limit:
        return encoded
    fitted = dict(payload)
    for field in ("body", "title"):
        text = str(fitted.get(field) or "")
        # characters are 1-4 bytes (and JSON may escape some): shorten by the excess, then until it fits
        while text and len(encoded) > limit:
            excess = len(encoded) - limit
            text = _cut(text, len(text) - max(excess // 4, 1))
            if text == ELLIPSIS:
                text = ""
            fitted[field] = text
            encoded = _encoded(fitted)
        if len(encoded) <= limit:
            return encoded
    raise ValueError(f"a push payload of {len(encoded)} bytes cannot be cut to {limit}")


def encrypt(body: bytes, p256dh: str, auth: str) -> bytes:
    """``body`` encrypted for one browser (RFC 8291 ``aes128gcm``), with a sender key made for it alone.

    Raises:
        ValueError: the browser's key or auth secret is not a P-256 point and a 16-byte secret.
    """
    try:
        receiver_key = _b64url_decode(p256dh)
        auth_secret = _b64url_decode(auth)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the subscription's keys are not base64url") from error
    if len(receiver_key) != 65 or receiver_key[0] != 4 or len(auth_secret) != 16:
        raise ValueError("the subscription's keys are not an uncompressed P-256 point and a 16-byte secret")
    sender_key = ec.generate_private_key(ec.SECP256R1())
    try:
        return http_ece.encrypt(body, salt=os.urandom(16), private_key=sender_key, dh=receiver_key,
                                auth_secret=auth_secret, rs=RECORD_SIZE, version="aes128gcm")
    except (http_ece.ECEException, ValueError) as error:  # a point not on the curve
        raise ValueError(f"the subscription's key cannot be used: {error}") from error


def vapid_authorization(endpoint: str, now: datetime | None = None) -> str:
    """The ``Authorization`` header for a post to ``endpoint``: ``vapid t=<JWT>,k=<our public key>``.

    Raises:
        VapidException: the audience or ``VAPID_SUBJECT`` is not what RFC 8292 allows.
    """
    claims = {"aud": origin(endpoint), "sub": current_app.config["VAPID_SUBJECT"],
              "exp": int(((now or utcnow()) + TOKEN_LIFETIME).timestamp())}
    return Vapid02(private_key=keys.private_key()).sign(claims)["Authorization"]


def topic_for(name: str) -> str:
    """A ``Topic`` header value for ``name``: itself when RFC 8030 allows it, else a digest of it that does."""
    if _TOPIC.match(name):
        return name
    return base64.urlsafe_b64encode(hashlib.sha256(name.encode()).digest()[:24]).decode()


def http_client() -> httpx.Client:
    """A client for posting to push services: short timeouts, no redirects, nothing logged by path.

    The caller closes it (``with http_client() as client``); one client serves a whole run.
    """
    timeout = httpx.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=READ_TIMEOUT, pool=CONNECT_TIMEOUT)
    return httpx.Client(timeout=timeout, follow_redirects=False)


def _failed(device: PushDevice, reason: str) -> Outcome:
    device.failures = (device.failures or 0) + 1
    log.warning("push to device %s at %s failed (%s); %d in a row", device.id, origin(device.endpoint), reason,
                device.failures)
    if device.failures >= FORGET_AFTER_FAILURES:
        log.warning("push device %s forgotten after %d failures in a row", device.id, device.failures)
        db.session.delete(device)
    return Outcome.FAILED


def send(device: PushDevice, payload: dict, *, urgency: str = "normal", topic: str | None = None,
         client: httpx.Client | None = None, now: datetime | None = None) -> Outcome:
    """Send ``payload`` (a JSON object) to ``device`` and record on the device what came of it.

    Args:
        device: the browser's subscription.
        payload: what the service worker receives (see ``reminders`` for the contract); a body too long
            for one push message is shortened.
        urgency: RFC 8030's ``Urgency`` (``very-low``, ``low``, ``normal``, ``high``).
        topic: messages with the same topic replace one another at the push service (see ``topic_for``).
        client: an httpx client to post with (``http_client()``); None makes one for this send.
        now: the time the JWT's expiry counts from.

    Returns:
        The outcome. The device is changed in the session (failures, last sent, or deleted); the
        caller commits.
    """
    if urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}")
    now = now or utcnow()
    if not allowed_endpoint(device.endpoint):
        # an address we never post to (a forged subscription, or one from before PUSH_SERVICE_HOSTS changed):
        # left as it is, since the setting may change back; the profile still lists the device
        log.warning("push to device %s refused: its push service is not one we post to", device.id)
        return Outcome.REFUSED
    if not keys.push_enabled():
        log.warning("push to device %s not sent: no VAPID key", device.id)
        return Outcome.REFUSED
    try:
        authorization = vapid_authorization(device.endpoint, now)
    except VapidException as error:
        log.error("push to device %s not sent: the VAPID claim is refused (%s)", device.id, error)
        return Outcome.REFUSED
    try:
        body = encrypt(fit_payload(payload), device.p256dh, device.auth)
    except ValueError as error:
        # keys that cannot encrypt anything will never reach this browser: like a gone subscription
        log.warning("push device %s forgotten: %s", device.id, error)
        db.session.delete(device)
        return Outcome.GONE
    headers = {"Authorization": authorization, "TTL": str(current_app.config["PUSH_TTL_SECONDS"]),
               "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream", "Urgency": urgency}
    if topic:
        headers["Topic"] = topic_for(topic)
    own_client = client is None
    client = client or http_client()
    posting = _posting.set(True)
    try:
        response = client.post(device.endpoint, content=body, headers=headers)
    except httpx.TimeoutException:
        return _failed(device, "timeout")
    except httpx.HTTPError as error:
        return _failed(device, f"network error {type(error).__name__}")
    finally:
        _posting.reset(posting)
        if own_client:
            client.close()
    if response.status_code in (200, 201, 202):
        device.failures = 0
        device.last_sent_at = now
        return Outcome.DELIVERED
    if response.status_code in (404, 410):
        log.info("push device %s forgotten: its push service at %s says it is gone (%d)", device.id,
                 origin(device.endpoint), response.status_code)
        db.session.delete(device)
        return Outcome.GONE
    return _failed(device, f"status {response.status_code}")
