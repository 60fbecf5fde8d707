"""The devices a driver lets us notify, and which kinds of notification the driver wants.

Use cases for the views: they take plain values (a user id, the browser's subscription as it came
in the request's JSON, the User-Agent) and commit once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webapp.core.clock import utcnow
from webapp.core.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.push import sending
from webapp.push.endpoints import MAX_ENDPOINT_LENGTH, allowed_endpoint
from webapp.push.kinds import KINDS
from webapp.push.models import PushDevice, PushSetting

#: what the driver is told when the browser sent something that is not a push subscription we can use
UNREADABLE = _l("This browser's notification subscription could not be read. Reload the page and try again.")
NOT_A_PUSH_SERVICE = _l("This browser uses a notification service we do not send to, so notifications cannot be "
                        "turned on here.")


def _unbase64url(text: str) -> bytes:
    """Base64url as browsers write it (no padding); standard base64's ``+/`` are refused, like padding inside."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


class _Keys(BaseModel):
    """``PushSubscription.toJSON().keys``: the browser's ECDH public key and its auth secret (RFC 8291 §3)."""

    model_config = ConfigDict(extra="ignore")

    p256dh: str
    auth: str

    @field_validator("p256dh")
    @classmethod
    def _a_p256_point(cls, value: str) -> str:
        raw = _unbase64url(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("not an uncompressed P-256 point")
        # a point off the curve would make every encryption to it fail (or leak): the library checks it
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        return value.rstrip("=")

    @field_validator("auth")
    @classmethod
    def _sixteen_bytes(cls, value: str) -> str:
        if len(_unbase64url(value)) != 16:
            raise ValueError("the auth secret is 16 bytes")
        return value.rstrip("=")


class _Subscription(BaseModel):
    """``PushSubscription.toJSON()`` (Push API): the endpoint and the keys; ``expirationTime`` is not kept."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str
    keys: _Keys

    @field_validator("endpoint")
    @classmethod
    def _not_too_long(cls, value: str) -> str:
        if len(value) > MAX_ENDPOINT_LENGTH:
            raise ValueError("too long")
        return value


# -- the device label ---------------------------------------------------------------------------------

#: (browser name, pattern) in the order they are tried: Edge, Opera and Samsung Internet also say "Chrome",
#: and Chrome on an iPhone says "Safari" (every iOS browser is Safari inside, and says what it is first)
_BROWSERS = (
    ("Edge", r"\bEdg(?:e|A|iOS)?/"),
    ("Opera", r"\bOPR/|\bOPT/|\bOpera\b"),
    ("Samsung Internet", r"\bSamsungBrowser/"),
    ("Firefox", r"\bFirefox/|\bFxiOS/"),
    ("Chrome", r"\b(?:Headless)?Chrome/|\bCriOS/|\bChromium/"),
    ("Safari", r"\bSafari/|\bAppleWebKit/"),
)
#: (system, pattern): an iPad that asks for the desktop site says "Macintosh" and is one, as far as we can tell
_SYSTEMS = (
    ("Android", r"\bAndroid\b"),
    ("iPhone", r"\biPhone\b"),
    ("iPad", r"\biPad\b"),
    ("Windows", r"\bWindows\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("Mac", r"\bMacintosh\b|\bMac OS X\b"),
    ("Linux", r"\bLinux\b|\bX11\b"),
)


def device_label(user_agent: str | None) -> str:
    """The name kept for the browser of ``user_agent``: "Chrome on Android", "Safari on iPhone".

    A small parser of the common browsers only; what it cannot tell it leaves out ("Firefox",
    "A browser on Windows"), never guesses. It is kept in English and shown in the reader's language
    by ``readable_label`` (a driver may change language after turning notifications on).
    """
    agent = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"A browser on {system}"
    return browser or "A browser"


_KEPT_LABEL = re.compile(r"(?P<browser>.+) on (?P<system>.+)")
_BROWSER_NAMES = {name for name, _pattern in _BROWSERS}
_SYSTEM_NAMES = {name for name, _pattern in _SYSTEMS}


def readable_label(label: str | None) -> str:
    """A device's kept label (``device_label``) in the page's language: "Chrome (Android)" in Finnish."""
    kept = _KEPT_LABEL.fullmatch(label or "")
    if kept and kept["system"] in _SYSTEM_NAMES:
        if kept["browser"] == "A browser":
            return str(_l("A browser on %(system)s", system=kept["system"]))
        if kept["browser"] in _BROWSER_NAMES:
            return str(_l("%(browser)s on %(system)s", browser=kept["browser"], system=kept["system"]))
    if not label or label == "A browser":
        return str(_l("A browser"))
    return label


def endpoint_digest(endpoint: str) -> str:
    """SHA-256 of an endpoint, hex: a page tells push.js which devices are on without printing the addresses."""
    return hashlib.sha256(endpoint.encode("utf-8", "surrogatepass")).hexdigest()


# -- use cases ----------------------------------------------------------------------------------------


def parse_subscription(subscription: Any) -> _Subscription:
    """The subscription a browser sent, checked: an endpoint we may post to, a P-256 key, a 16-byte secret.

    Raises:
        ValidationError: anything else (not an object, a missing or odd key, another address).
    """
    try:
        parsed = _Subscription.model_validate(subscription)
    except PydanticValidationError:
        raise ValidationError({"subscription": str(UNREADABLE)}) from None
    except (TypeError, ValueError, RecursionError):  # pragma: no cover - pydantic wraps these; belt and braces
        raise ValidationError({"subscription": str(UNREADABLE)}) from None
    if not allowed_endpoint(parsed.endpoint):
        raise ValidationError({"endpoint": str(NOT_A_PUSH_SERVICE)})
    return parsed


def subscribe(user_id: int, subscription: Any, user_agent: str | None) -> PushDevice:
    """Let ``user_id`` be notified on the browser whose subscription (``PushSubscription.toJSON()``) this is.

    An endpoint already known is this same browser: it moves to ``user_id`` (a browser shared by two
    drivers notifies the one who turned notifications on last) with its new keys.

    Args:
        subscription: the request's JSON as it came (any JSON value).
        user_agent: the request's User-Agent, for the device's label.

    Returns:
        The device, committed.

    Raises:
        ValidationError: not a subscription we can send to (see ``parse_subscription``).
    """
    parsed = parse_subscription(subscription)
    label = device_label(user_agent)[:120]
    for attempt in range(2):
        device = db.session.scalar(select(PushDevice).where(PushDevice.endpoint == parsed.endpoint))
        if device is None:
            device = PushDevice(endpoint=parsed.endpoint, user_id=user_id, created_at=utcnow(), failures=0)
            db.session.add(device)
        elif device.user_id != user_id:
            # another driver's browser until now: from now on it is this driver's, seen as new
            device.user_id, device.created_at, device.last_sent_at = user_id, utcnow(), None
        device.p256dh, device.auth, device.label, device.failures = (parsed.keys.p256dh, parsed.keys.auth, label,
                                                                     0)
        try:
            db.session.commit()
        except IntegrityError:
            # the same browser subscribed twice at once (a double tap): the other request inserted it first
            db.session.rollback()
            if attempt:
                raise
            continue
        return device
    raise AssertionError("unreachable")  # pragma: no cover


def forget(user_id: int, device_id: int) -> None:
    """Stop notifying the device ``device_id`` of ``user_id`` (removed from the profile).

    Raises:
        NotFoundError: no such device, or another driver's (never said which).
    """
    removed = db.session.execute(delete(PushDevice).where(PushDevice.id == device_id,
                                                          PushDevice.user_id == user_id)).rowcount
    db.session.commit()
    if not removed:
        raise NotFoundError("no such push device")


def forget_endpoint(user_id: int, endpoint: Any) -> bool:
    """Stop notifying the browser at ``endpoint`` if it is ``user_id``'s (that driver logs out on it).

    Anything that is not one of the driver's endpoints (empty, garbage, another driver's) changes nothing.

    Returns:
        Whether a device was forgotten.
    """
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH or "\x00" in endpoint:
        return False
    removed = db.session.execute(delete(PushDevice).where(PushDevice.endpoint == endpoint,
                                                          PushDevice.user_id == user_id)).rowcount
    db.session.commit()
    return bool(removed)


def devices(user_id: int) -> list[PushDevice]:
    """The devices that notify ``user_id``, the newest first."""
    return list(db.session.scalars(select(PushDevice).where(PushDevice.user_id == user_id)
                                   .order_by(PushDevice.created_at.desc(), PushDevice.id.desc())))


def send_test(user_id: int, payload: dict) -> tuple[int, int]:
    """Send ``payload`` (a test notification) to every device of ``user_id``, through one client.

    What each push service answered is recorded on its device (a gone one is forgotten) and committed.

    Returns:
        ``(devices that accepted it, devices tried)``.
    """
    targets = devices(user_id)
    reached = 0
    if targets:
        with sending.http_client() as client:
            for device in targets:
                outcome = sending.send(device, payload, urgency="normal", topic="test", client=client)
                reached += outcome == sending.Outcome.DELIVERED
        db.session.commit()
    return reached, len(targets)


def settings(user_id: int) -> dict[str, bool]:
    """``{kind: enabled}`` for every kind of ``kinds.KINDS``, in its order (a kind never chosen is on)."""
    chosen = {row.kind: row.enabled for row in db.session.scalars(select(PushSetting)
                                                                  .where(PushSetting.user_id == user_id))}
    return {kind: chosen.get(kind, True) for kind in KINDS}


def save_settings(user_id: int, choices: Mapping[str, bool]) -> dict[str, bool]:
    """Turn kinds of notification on or off for ``user_id``; a kind not in ``choices`` (or unknown) is left.

    Returns:
        The settings afterwards, as ``settings`` gives them.
    """
    wanted = {kind: bool(on) for kind, on in choices.items() if kind in KINDS}
    for attempt in range(2):
        rows = {row.kind: row for row in db.session.scalars(select(PushSetting)
                                                            .where(PushSetting.user_id == user_id))}
        for kind, on in wanted.items():
            if kind in rows:
                rows[kind].enabled = on
            else:
                db.session.add(PushSetting(user_id=user_id, kind=kind, enabled=on))
        try:
            db.session.commit()
        except IntegrityError:  # the same form sent twice at once: the other request added the rows first
            db.session.rollback()
            if attempt:
                raise
            continue
        break
    return settings(user_id)
