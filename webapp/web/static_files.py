"""Static files: compressed, fingerprinted, cached for a year, and never carrying the session.

Every template (and ``webapp/maps/shell.py``, for folium's asset list) builds asset URLs with ``url_for('static', …)``;
a ``url_defaults`` hook adds ``?v=<hash of the file's bytes>`` to each of them, so a changed file gets
a new URL. A request whose ``v`` is the file's current hash is answered with
``Cache-Control: public, max-age=31536000, immutable``: a repeat visit asks for nothing. Any other ``v``
(an old page in a cache, a hand-typed URL) still gets today's file, with ``no-cache`` so it is revalidated.

Why a hook and not whitenoise: whitenoise's content-hashed names come from Django's
``ManifestStaticFilesStorage`` (a collect step writing renamed copies); Flask has no such step, and the
hook needs none — the hash is read from the file itself (cached by size and modification time).

Responses are compressed by Flask-Compress (brotli, else gzip; not below ``COMPRESS_MIN_SIZE``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

#: a year: the longest lifetime caches honour; the URL changes when the file does
IMMUTABLE_MAX_AGE = 31536000
#: the query argument carrying a file's fingerprint
VERSION_ARG = "v"
#: what Flask-Compress may compress: text formats only (PDF, PNG and fonts are compressed already)
COMPRESSED_MIMETYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/geo+json", "application/manifest+json", "image/svg+xml",
]

_fingerprints: dict[str, tuple[int, int, str]] = {}


def fingerprint(filename: str) -> str | None:
    """The first 16 hex digits of the SHA-256 of a static file's bytes; None when there is no such file.

    Recomputed only when the file's size or modification time changes.
    """
    folder = current_app.static_folder
    if not folder or not filename:
        return None
    joined = safe_join(folder, filename)  # the same check the static route makes: nothing outside the folder
    if joined is None:
        return None
    path = Path(joined)
    try:
        stat = path.stat()
        if not path.is_file():
            return None
        known = _fingerprints.get(joined)
        if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except (OSError, ValueError):
        return None
    _fingerprints[joined] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


#: endpoints whose responses are the same for every visitor: the session is never saved on them
_SESSIONLESS = {"static", "favicon"}


def sessionless(view):
    """Mark a view whose response is the same for every visitor (a map layer): it sets no cookie and does not
    vary on one, so browsers and shared caches keep one copy for everybody. The view must not use the session."""
    _SESSIONLESS.add(f"{view.__module__}.{view.__qualname__}")
    return view


def _is_sessionless(app) -> bool:
    if request.endpoint in _SESSIONLESS:
        return True
    view = app.view_functions.get(request.endpoint or "")
    return view is not None and f"{view.__module__}.{view.__qualname__}" in _SESSIONLESS


class NoSessionOnStaticFiles(SecureCookieSessionInterface):
    """The signed-cookie session, except that static responses (and ``sessionless`` views) neither set a
    cookie nor vary on it.

    Flask-Login reads the session in its after-request hook, which would add ``Vary: Cookie`` (and
    shared caches would then keep one copy of every asset per visitor).
    """

    def save_session(self, app, session, response) -> None:
        if _is_sessionless(app):
            response.headers.remove("Set-Cookie")
            return None
        return super().save_session(app, session, response)


def install_static_files(app: Flask) -> None:
    """Fingerprinted static URLs, their caching headers, ``/favicon.ico`` and response compression."""
    from webapp.extensions import compress

    app.session_interface = NoSessionOnStaticFiles()

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values:
            digest = fingerprint(values.get("filename", ""))
            if digest:
                values[VERSION_ARG] = digest

    @app.after_request
    def cache_static_files(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        wanted = request.args.get(VERSION_ARG)
        if wanted and wanted == fingerprint((request.view_args or {}).get("filename", "")):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_MAX_AGE
            response.cache_control.immutable = True
        return response

    def favicon():
        """Browsers that ask for ``/favicon.ico`` (no ``<link rel=icon>`` read yet) get the SVG icon."""
        response = redirect(url_for("static", filename="favicon.svg"))
        response.cache_control.max_age = 86400  # a day: the icon's URL changes when the icon does
        return response

    app.add_url_rule("/favicon.ico", "favicon", favicon)

    for key, value in (("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES),
                       # brotli first; gzip for browsers that send no "br" (Chromium over plain http);
                       # both also for streamed bodies (static files are sent as streams)
                       ("COMPRESS_ALGORITHM", ["br", "gzip"]),
                       ("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"]),
                       # below this a compressed body plus its header saves nothing worth the CPU
                       ("COMPRESS_MIN_SIZE", 500)):
        app.config.setdefault(key, value)
    app.config["COMPRESS_REGISTER"] = False  # registered below, so that a byte range stays as it was sent
    compress.init_app(app)

    @app.after_request
    def compress_response(response):
        # Flask-Compress would compress a 206 too, and its Content-Range would then count bytes that
        # are not the ones sent; a range of a static file goes out as it is
        if response.status_code == 206:
            return response
        return compress.after_request(response)
