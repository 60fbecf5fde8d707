"""Which push-service addresses we post to: a subscription's endpoint comes from the browser, hence
from whoever calls our subscribe view, and the job posts to it — so only known push services are
accepted (``PUSH_SERVICE_HOSTS``), over HTTPS; development and tests also accept this machine."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

#: the hosts that are this machine (a test push service, a developer's own)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: no push service's address is longer (FCM's are ~200 characters, WNS's ~400)
MAX_ENDPOINT_LENGTH = 1000


def allowed_endpoint(endpoint: str) -> bool:
    """Whether the job may post notifications to ``endpoint``."""
    if not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH:
        return False
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    if host in LOCAL_HOSTS:
        return parts.scheme in ("http", "https") and bool(current_app.config.get("PUSH_ALLOW_LOCAL_SERVICE"))
    if parts.scheme != "https":
        return False
    return any(host == known or host.endswith("." + known) for known in current_app.config["PUSH_SERVICE_HOSTS"])
