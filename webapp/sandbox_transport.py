"""In-process transport onto a sandbox app (used by the app factory and tests).

This is the only module besides the composition root that imports the sandbox
package: it turns the sandbox's "dropped reply" fault into the timeout a real
network would give, so reconciliation code is exercised in-process too.
"""

from __future__ import annotations

import httpx
from flask import Flask

from .sandbox.faults import DroppedReplyError


class SandboxTransport(httpx.WSGITransport):
    """``httpx.WSGITransport`` onto a sandbox, with dropped replies as timeouts."""

    def __init__(self, sandbox_app: Flask) -> None:
        super().__init__(app=sandbox_app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except DroppedReplyError as exc:
            raise httpx.ReadTimeout("sandbox dropped the reply", request=request) from exc
