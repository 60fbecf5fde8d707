"""A push service on this machine, and browser-like subscriptions to it: Web Push tested without the internet.

The app posts notifications to a subscription's endpoint (RFC 8030), encrypted for the browser (RFC 8291)
and signed with our VAPID key (RFC 8292). This service stands in for FCM or Mozilla's: it records every
POST and answers as a push service does; a ``Subscription`` holds the keys a browser would hold, so a
test reads what the browser would show::

    service = PushService().start()            # or the ``push_service`` fixture (tests/push/conftest.py)
    subscription = make_subscription(service)  # subscription.json: what PushSubscription.toJSON() gives
    ...                                        # the app sends
    (message,) = service.received_for(subscription)
    payload = subscription.payload(message.body)          # the decrypted JSON
    claims = message.vapid_claims(public_key_b64url)      # the verified JWT's claims
    service.stop()

Answers: 201 Created; 410 Gone for an endpoint marked ``service.mark_gone(subscription)``; every POST
answers ``service.status`` when set (e.g. 500); ``service.delay`` seconds of silence before answering
(a timeout, when the client's read timeout is shorter). The app accepts this service only because the
testing config allows a local push service (``PUSH_ALLOW_LOCAL_SERVICE``).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

#: where subscriptions live on the service (FCM's are ``/fcm/send/<token>``, Mozilla's ``/wpush/v2/<token>``)
PATH_PREFIX = "/push/"


def b64url(data: bytes) -> str:
    """base64url without padding, as browsers write subscription keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """The bytes of an unpadded base64url text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Received:
    """One POST the service received."""

    path: str
    headers: dict[str, str]
    body: bytes

    def vapid_claims(self, application_server_key: str) -> dict:
        """The claims of the ``Authorization: vapid t=…, k=…`` header, its ES256 signature verified with
        ``application_server_key`` (our public key, base64url, as browsers subscribe with it), which must
        also be the header's ``k``.

        Raises:
            AssertionError: no VAPID header, or a ``k`` that is not ``application_server_key``.
            jwt.InvalidTokenError: the signature does not verify, or the token expired.
        """
        scheme, _, parameters = self.headers.get("Authorization", "").partition(" ")
        assert scheme.lower() == "vapid", f"not a VAPID authorization: {self.headers.get('Authorization')!r}"
        values = dict(part.strip().split("=", 1) for part in parameters.split(","))
        assert values.get("k") == application_server_key, "the header's k is not our public key"
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
        return jwt.decode(values["t"], public_key, algorithms=["ES256"], options={"verify_aud": False})


@dataclass
class Subscription:
    """A browser's push subscription to the local service: its endpoint and the keys only the browser has."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        """The browser's public key, as ``subscription.toJSON().keys.p256dh`` gives it."""
        point = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                           serialization.PublicFormat.UncompressedPoint)
        return b64url(point)

    @property
    def auth(self) -> str:
        """The auth secret, as ``subscription.toJSON().keys.auth`` gives it."""
        return b64url(self.auth_secret)

    @property
    def json(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives (what the page posts to subscribe)."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    @property
    def path(self) -> str:
        """The endpoint's path on the service."""
        return "/" + self.endpoint.split("/", 3)[3]

    def decrypt(self, body: bytes) -> bytes:
        """A message's plaintext, decrypted as the browser does (RFC 8291, ``aes128gcm``)."""
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret,
                                version="aes128gcm")

    def payload(self, body: bytes) -> dict:
        """A message's plaintext read as JSON (what the service worker's ``event.data.json()`` gives)."""
        return json.loads(self.decrypt(body))


@dataclass
class PushService:
    """A push service on 127.0.0.1 and a free port, in a thread; records every POST."""

    received: list[Received] = field(default_factory=list)
    #: answer every POST with this status instead (None: 201, or 410 for a gone endpoint)
    status: int | None = None
    #: seconds to wait before answering (longer than the client's read timeout: a timeout)
    delay: float = 0.0
    gone: set[str] = field(default_factory=set)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    def start(self) -> PushService:
        """Start serving; returns the service (its ``url`` is set)."""
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def mark_gone(self, subscription: Subscription) -> None:
        """Answer 410 Gone to posts for ``subscription`` from now on (the browser unsubscribed)."""
        self.gone.add(subscription.path)

    def received_for(self, subscription: Subscription) -> list[Received]:
        """The POSTs received for ``subscription``, oldest first."""
        with self._lock:
            return [message for message in self.received if message.path == subscription.path]

    def clear(self) -> None:
        """Forget what was received."""
        with self._lock:
            self.received.clear()

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        if request.method != "POST" or not request.path.startswith(PATH_PREFIX):
            return Response("not a push endpoint", status=404)
        message = Received(path=request.path, headers=dict(request.headers), body=request.get_data())
        with self._lock:
            self.received.append(message)
        if self.delay:
            time.sleep(self.delay)
        if self.status is not None:
            return Response("", status=self.status)
        if request.path in self.gone:
            return Response("push subscription has unsubscribed or expired", status=410)
        return Response("", status=201, headers={"Location": request.path + "/message/" + os.urandom(4).hex()})


def make_subscription(service: PushService) -> Subscription:
    """A new subscription to ``service``, with keys made as a browser makes them: a P-256 key pair and a
    16-byte auth secret."""
    token = b64url(os.urandom(24))
    return Subscription(endpoint=f"{service.url}{PATH_PREFIX}{token}",
                        private_key=ec.generate_private_key(ec.SECP256R1()), auth_secret=os.urandom(16))
