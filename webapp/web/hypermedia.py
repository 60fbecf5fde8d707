"""The one module that talks to htmx-flask: full page or one named block.

A URL answers an htmx request with just the block the page names (from a
whitelist given by the view, never from a header value) and a normal request
with the whole page; both carry ``Vary: HX-Request`` so caches keep them apart.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from weakref import WeakKeyDictionary

from flask import Response, current_app, make_response, redirect, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request
from jinja2 import Environment, Template, nodes

htmx = Htmx()


def is_htmx() -> bool:
    """True for a request sent by htmx (``HX-Request: true``), but not a history restore."""
    return bool(htmx_request.htmx) and not htmx_request.htmx.history_restore_request


def render_block(template_name: str, block: str, **context) -> str:
    """Render one ``{% block %}`` of a template with the normal template context.

    A block sees what the whole page would give it: the names the template (and the layouts it
    extends) import, define as macros or ``{% set %}`` at its top level. Jinja runs those statements
    only in the page's own render function, never in a block's, so a block rendered alone would
    find ``status_badge`` undefined; ``_preamble`` runs just those statements into the block's
    context first.
    """
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    ctx = template.new_context(context)
    # run the preamble for the names it assigns; its text (between the statements) is not the block's
    deque(_preamble(app.jinja_env, template).root_render_func(ctx), maxlen=0)
    return "".join(template.blocks[block](ctx))


#: the statements at a template's top level that give blocks their names
_DEFINITIONS = (nodes.Import, nodes.FromImport, nodes.Macro, nodes.Assign, nodes.AssignBlock)

#: template -> (its preamble, the templates it was built from); rebuilt when one of them changes
_preambles: WeakKeyDictionary[Template, tuple[Template, tuple[Template, ...]]] = WeakKeyDictionary()


def _preamble(env: Environment, template: Template) -> Template:
    """A template made of the top-level definitions of ``template`` and of every layout it extends.

    They are taken in the order a whole-page render runs them (the page's own first, then its
    layout's), so a block rendered alone resolves each name as it does inside the page.
    """
    cached = _preambles.get(template)
    if cached and all(part.is_up_to_date for part in cached[1]):
        return cached[0]
    chain, body, current = [], [], template
    while current is not None and current not in chain:
        chain.append(current)
        source, filename, _uptodate = env.loader.get_source(env, current.name)
        parsed = env.parse(source, current.name, filename)
        body.extend(node for node in parsed.body if isinstance(node, _DEFINITIONS))
        parent = next((node.template for node in parsed.body if isinstance(node, nodes.Extends)), None)
        # a layout named by a variable cannot be followed before rendering; none of ours is
        current = env.get_template(parent.value) if isinstance(parent, nodes.Const) else None
    code = env.compile(nodes.Template(body, lineno=1).set_environment(env), template.name, template.filename)
    preamble = env.template_class.from_code(env, code, env.make_globals(None))
    _preambles[template] = (preamble, tuple(chain))
    return preamble


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
