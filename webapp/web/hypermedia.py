"""The one module that talks to htmx-flask: full page or one named block.

A URL answers an htmx request with just the block the page names (from a
whitelist given by the view, never from a header value) and a normal request
with the whole page; both carry ``Vary: HX-Request`` so caches keep them apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, make_response, redirect, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request

htmx = Htmx()


def is_htmx() -> bool:
    """True for a request sent by htmx (``HX-Request: true``), but not a history restore."""
    return bool(htmx_request.htmx) and not htmx_request.htmx.history_restore_request


def render_block(template_name: str, block: str, **context) -> str:
    """Render one ``{% block %}`` of a template with the normal template context."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    ctx = template.new_context(context)
    return "".join(template.blocks[block](ctx))


def page_or_block(template_name: str, block: str | None, allowed_blocks: Iterable[str] = (), status: int = 200,
                  **context) -> Response:
    """Render the whole page, or ``block`` for htmx when it is whitelisted.

    Args:
        template_name: the page template.
        block: the block htmx asked for (chosen by the view).
        allowed_blocks: block names this view may return on its own.
        status: HTTP status (422 for a form with errors).
    """
    if is_htmx() and block and block in set(allowed_blocks):
        body = render_block(template_name, block, **context)
    else:
        body = render_template(template_name, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def see_other(location: str, trigger: str | None = None) -> Response:
    """After a mutation: a 303 for a browser, an ``HX-Redirect`` header (204) for htmx.

    htmx would swap a followed redirect into the form's target; ``HX-Redirect``
    makes it load the new page instead (with its flash messages).
    ``HX-Trigger`` tells other widgets to refresh.
    """
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
    else:
        response = redirect(location, code=303)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    response.vary.add("HX-Request")
    return response


def login_expired(login_url: str) -> Response:
    """Answer an htmx request whose login expired: 401 and a full-page redirect."""
    response = make_response("", 401)
    response.headers["HX-Redirect"] = login_url
    return response
