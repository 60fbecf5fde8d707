"""Security headers and the per-request CSP nonce.

Scripts may come only from our own origin or carry this request's nonce
(folium's map script and the htmx config are inline and get it); there is no
'unsafe-inline' and no 'unsafe-eval' for scripts.
"""

from __future__ import annotations

import secrets

from flask import Flask, abort, current_app, g, request


def csp_nonce() -> str:
    """This request's nonce for inline ``<script>``/``<style>`` tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _content_security_policy() -> str:
    nonce = csp_nonce()
    img = "'self' data:"
    tile_origin = current_app.config.get("MAP_TILE_ORIGIN")
    if tile_origin:
        img += f" {tile_origin}"
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src-elem 'self' 'nonce-{nonce}'",
        # Leaflet and folium's popups position elements with style attributes
        "style-src-attr 'unsafe-inline'",
        f"img-src {img}",
        "connect-src 'self'",
        "font-src 'self'",
        # the service worker (/sw.js) and the manifest come from our origin only; named, not left to
        # default-src, so that a later change of default-src cannot widen them
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def install_security_headers(app: Flask) -> None:
    """Add CSP and the usual hardening headers to every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text; no legitimate form or URL carries one
        if "\x00" in request.path or any(
            "\x00" in value for source in (request.args, request.form) for value in source.values()
        ):
            abort(400)

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", _content_security_policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
