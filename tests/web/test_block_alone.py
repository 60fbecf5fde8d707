"""A ``{% block %}`` rendered alone for htmx sees every name the whole page gives it.

Jinja runs a template's top-level ``{% from … import %}``, ``{% import %}``, ``{% macro %}`` and
``{% set %}`` only when it renders the whole page (and its layouts'), never when one block function
runs by itself; ``webapp.web.hypermedia.render_block`` must give the block those names itself
(issue 22: the Helsinki status box turned into "Something went wrong" on its first refresh).
"""

from __future__ import annotations

from datetime import timedelta

from jinja2 import ChoiceLoader, DictLoader

from webapp.accounts.vehicles import add_vehicle
from webapp.core.clock import utcnow
from webapp.helsinki import areas as helsinki_areas
from webapp.helsinki import parkings as parking
from webapp.web.hypermedia import render_block

TEMPLATES = {
    "t/helpers.html": '{% macro badge(text) %}<b class="badge">{{ text }}</b>{% endmacro %}',
    "t/more.html": '{% macro shout(text) %}{{ text|upper }}!{% endmacro %}',
    "t/base.html": ('{% import "t/more.html" as more %}{% set base_word = "from the layout" %}'
                    '<html>{% block content %}{% endblock %}</html>'),
    "t/page.html": (
        '{% extends "t/base.html" %}\n'
        '{% from "t/helpers.html" import badge %}\n'
        '{% set title = "Page " ~ number %}\n'
        '{% macro local(x) %}<i>{{ x }}</i>{% endmacro %}\n'
        '{% block content %}<main>{% block inner %}'
        '<div id="inner">{{ badge(title) }}{{ local(number) }}{{ more.shout("hi") }}{{ base_word }}</div>'
        '{% endblock %}</main>{% endblock %}'
    ),
}


def _with_templates(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    app.jinja_env.cache.clear()


def test_a_block_alone_sees_the_pages_imports_macros_and_sets(app):
    _with_templates(app)
    with app.test_request_context("/"):
        html = render_block("t/page.html", "inner", number=7)
    assert html == ('<div id="inner"><b class="badge">Page 7</b><i>7</i>HI!from the layout</div>')


def test_a_block_alone_is_the_same_text_as_inside_the_whole_page(app):
    from flask import render_template

    _with_templates(app)
    with app.test_request_context("/"):
        whole = render_template("t/page.html", number=3)
        alone = render_block("t/page.html", "inner", number=3)
    assert alone in whole and "<html>" not in alone


def test_the_helsinki_status_box_renders_alone(client, login, make_user):
    """The refresh the session page sends every minute (``HX-Target: session-status``), inside the regret
    time and after it."""
    driver = make_user()
    vehicle = add_vehicle(driver.id, "FI", "ABC-123")
    helsinki_areas.sync_areas()
    area = next(a for a in helsinki_areas.list_areas() if (a.max_time_in_minutes or 0) >= 120)
    now = utcnow()
    booking = parking.start_parking(driver.id, area.area_id, vehicle.id, now + timedelta(minutes=60), "key-1",
                                    contact_email=driver.email, now=now)
    login(driver)
    response = client.get(f"/parking/{booking.public_ref}",
                          headers={"HX-Request": "true", "HX-Target": "session-status"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    assert html.lstrip().startswith('<section class="card session" id="session-status"') and "<html" not in html
    assert 'class="badge badge-active"' in html and "Cancel parking" in html
