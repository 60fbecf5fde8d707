"""Form markup for screen readers, on every page a driver or an admin can open.

No attribute renders as the text "None" (WTForms writes a ``None`` keyword that way, and
``aria-invalid="None"`` reads as invalid); a valueless attribute is only a boolean one.
After a submit with bad values each message appears once, beside its field, the field (and
only it) is ``aria-invalid="true"`` and described by it, and the form keeps what was typed.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ADMIN_EMAIL, DRIVER_EMAIL, make_journey_data, page_urls

BOOLEAN_ATTRIBUTES = {"hidden", "disabled", "checked", "selected", "required", "readonly", "multiple", "autofocus",
                      "novalidate", "defer", "async", "open", "default", "inert", "formnovalidate", "nomodule",
                      "itemscope", "reversed", "playsinline", "controls", "loop", "muted", "ismap", "allowfullscreen"}
TEXT_INPUTS = {"text", "email", "tel", "number", "date", "datetime-local", "password", "search", "url", "time"}
#: search filters that put a bad value back in range and say which they used, instead of refusing it
LENIENT_FILTERS = {"/carparks/"}  # the car-park list prices a stay of 1 min to 24 h ("price for 1 min")
#: forms that act without a value to check (a bad submit would really stop, cancel or sign out)
ACTIONS_WITHOUT_INPUT = ("/cancel", "/stop", "/check", "/recheck", "/settle", "/default", "/logout", "/language",
                         "/suspend", "/reactivate", "/remove", "/delete")


class Page(HTMLParser):
    """Elements with their attributes and the forms of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes, attrs))
        if tag == "form":
            self._form = {"method": (attributes.get("method") or "get").lower(),
                          "action": attributes.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None:
            self._form["fields"].append((tag, attributes))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None

    def by_id(self) -> dict[str, tuple[str, dict]]:
        return {a["id"]: (tag, a) for tag, a, _ in self.elements if a.get("id")}


def _bad_attributes(page: Page) -> list[str]:
    bad = []
    for tag, _, pairs in page.elements:
        for name, value in pairs:
            if value == "None" or (value is None and name not in BOOLEAN_ATTRIBUTES and not name.startswith(
                    ("data-", "hx-"))):
                bad.append(f"<{tag} {name}={value!r}>")
    return bad


def _check_invalid_markers(page: Page, text: str) -> list[str]:
    """Every message beside a field is linked from that field only, and said once on the page."""
    problems = []
    ids = page.by_id()
    messages = {a.get("id"): a for tag, a, _ in page.elements if "error-message" in (a.get("class") or "").split()}
    if None in messages:
        problems.append(f"an error message with no id, so no field can be described by it: {messages[None]}")
    for tag, attributes, _ in page.elements:
        invalid = attributes.get("aria-invalid")
        if invalid is None:
            continue
        described = (attributes.get("aria-describedby") or "").split()
        if invalid != "true" or not any(d in messages for d in described):
            problems.append(f"{tag}#{attributes.get('id')} aria-invalid={invalid!r} without its message")
    linked = {d for _, a, _ in page.elements if a.get("aria-invalid") == "true"
              for d in (a.get("aria-describedby") or "").split()}
    for message_id in messages.keys() - {None}:
        field_id = message_id.removesuffix("-error")
        field = ids.get(field_id)
        if field is not None and field[0] in ("input", "select", "textarea") and message_id not in linked:
            problems.append(f"#{message_id} is not linked from its field")
    linked, unlinked = _messages(text)
    for message_id, sentences in linked.items():
        problems += [f"{s!r} said {n} times beside #{message_id}" for s, n in Counter(sentences).items() if n > 1]
    beside_fields = {s for sentences in linked.values() for s in sentences}
    problems += [f"{s!r} said again away from its field" for s in unlinked if s in beside_fields]
    problems += [f"{s!r} said {n} times" for s, n in Counter(unlinked).items() if n > 1]
    return problems


def _check_error_summary(page: Page) -> list[str]:
    """A refused form starts with a summary that takes the focus and links to every field in error."""
    invalid = [a.get("id") for _, a, _ in page.elements
               if a.get("aria-invalid") == "true" and a.get("type") != "hidden"]
    if not invalid:
        return []
    summaries = [a for _, a, _ in page.elements if "data-error-summary" in a]
    if not summaries or summaries[0].get("tabindex") != "-1":
        return ["no focusable error summary above the fields in error"]
    links = {a.get("href") for tag, a, _ in page.elements if tag == "a"}
    return [f"the summary does not link to #{field_id}" for field_id in invalid if f"#{field_id}" not in links]


def _messages(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """The sentences of each field's message (by its id), and of the messages tied to no field
    (form alerts, messages without an id), each as often as the page says it."""
    linked: dict[str, list[str]] = {}
    unlinked: list[str] = []
    for attributes, chunk in re.findall(r'<p class="error-message"([^>]*)>(.*?)</p>', text, re.S):
        found = re.search(r'id="([^"]+)"', attributes)
        (linked.setdefault(found.group(1), []) if found else unlinked).extend(_sentences(chunk))
    for chunk in re.findall(r'<div class="flash flash-error"[^>]*>(.*?)</div>', text, re.S):
        unlinked.extend(_sentences(chunk))
    return linked, unlinked


def _sentences(chunk: str) -> list[str]:
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", chunk)).strip()
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


@pytest.fixture
def journey(app):
    return make_journey_data(app)


def _login(client, who):
    """Sign in as the journey's driver or admin; a guest stays signed out."""
    if who == "guest":
        return
    response = client.post("/login", data={"email": DRIVER_EMAIL if who == "driver" else ADMIN_EMAIL,
                                           "password": DEFAULT_PASSWORD})
    assert response.status_code == 303


@pytest.mark.parametrize("who", ["driver", "admin", "guest"])
def test_no_page_renders_a_none_attribute(app, client, journey, who):
    _login(client, who)
    urls = page_urls(app, journey, admin=who == "admin", guest=who == "guest")
    assert len(urls) > (25 if who == "driver" else 5)
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        page = Page(response.get_data(as_text=True))
        if bad := _bad_attributes(page) + [p for p in _check_invalid_markers(page, response.get_data(as_text=True))
                                           if "aria-invalid" in p]:
            problems[url] = bad
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def _bad_value(tag: str, attributes: dict) -> str | None:
    """A value the form must refuse, for a field the driver types in; None leaves the field as rendered."""
    kind = attributes.get("type", "text") if tag == "input" else tag
    if kind == "datetime-local":
        return (datetime.now(ZoneInfo("UTC")) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    if kind == "date":
        return "2000-01-01"
    if kind == "number":
        return "-5"
    if kind == "email":
        return "not-an-email"
    if kind in TEXT_INPUTS or kind == "textarea":
        return ""
    return None


def _submission(form: dict) -> tuple[dict, dict]:
    """The form's own values with every typed field made bad; and what was typed, to find again."""
    data, typed = {}, {}
    for tag, attributes in form["fields"]:
        name = attributes.get("name")
        if not name:
            continue
        kind = attributes.get("type", "text")
        if tag == "input" and kind in ("checkbox", "radio") and "checked" not in attributes:
            continue
        bad = _bad_value(tag, attributes)
        if bad is None:
            data.setdefault(name, attributes.get("value", ""))
        else:
            data[name] = bad
            if bad:
                typed[name] = bad
    return data, typed


def _forms_to_refuse(page: Page) -> list[dict]:
    """The forms with a field to type in (posted forms, and GET forms such as price calculators)."""
    return [f for f in page.forms if not f["action"].endswith(ACTIONS_WITHOUT_INPUT)
            and any(_bad_value(tag, a) is not None and a.get("type") != "hidden" for tag, a in f["fields"])]


@pytest.mark.parametrize("who", ["driver", "admin", "guest"])
def test_every_form_refuses_bad_values_once_beside_each_field(app, client, journey, who):
    _login(client, who)
    problems, submitted = {}, set()
    for url in page_urls(app, journey, admin=who == "admin", guest=who == "guest"):
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        for form in _forms_to_refuse(Page(response.get_data(as_text=True))):
            action = form["action"] or url.split("?")[0]
            if (form["method"], action) in submitted:
                continue
            submitted.add((form["method"], action))
            data, typed = _submission(form)
            if form["method"] == "post":
                answer = client.post(action, data=data)
            else:
                answer = client.get(action, query_string=data)
            assert answer.status_code < 500, action
            redirected = answer.status_code in (302, 303)  # e.g. a guest asked to sign in before booking
            if redirected:
                answer = client.get(answer.headers["Location"])
            text = answer.get_data(as_text=True)
            page = Page(text)
            found = _bad_attributes(page) + _check_invalid_markers(page, text)
            if form["method"] == "post":  # a GET form is a live calculator or a filter: its message shows live
                found += _check_error_summary(page)
            values: dict[str, set] = {}  # by name: several forms of a page may have a field of that name
            for tag, a, _ in page.elements:
                if tag == "input" and a.get("name"):
                    values.setdefault(a["name"], set()).add(a.get("value"))
            found += [f"{name} lost what was typed" for name, value in typed.items()
                      if not redirected and action not in LENIENT_FILTERS
                      and name in values and value not in values[name]]
            if found:
                problems[f"{action} ({answer.status_code})"] = found
    assert len(submitted) > (8 if who == "driver" else 1), submitted
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
