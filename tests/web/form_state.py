"""What a browser would send from a form on a page: read from the HTML as the browser reads it."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """Collects the controls of the form whose ``action`` ends with ``action`` (the first one)."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = self.done = False
        self.values: dict[str, list[str]] = defaultdict(list)
        self.kinds: dict[str, str] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        action = (attrs.get("action") or "").split("#")[0].split("?")[0]
        if tag == "form" and not self.done and action.endswith(self.action):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            self.kinds.setdefault(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name].append(attrs.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset"):
                self.values[name].append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self.kinds.setdefault(name, "select")
        elif tag == "option" and self._select:
            self._option = attrs
            self._text = []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
            self.kinds.setdefault(name, "textarea")

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "option" and self._option is not None:
            value = self._option.get("value", "".join(self._text).strip())
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self.values[self._select].append(value)
                self._select_chosen = True
            self._option = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.values[self._select].append(self._select_first)  # a browser sends the first option
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # a browser drops one newline right after <textarea> (CR LF arrives as LF)
            for newline in ("\r\n", "\n"):
                if text.startswith(newline):
                    text = text[len(newline):]
                    break
            self.values[self._textarea].append(text)
            self._textarea = None


def form_state(html: str, action: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """``(values by name, control kind by name)`` of the first form posting to a URL ending in ``action``."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.done, f"no form posting to {action}"
    return dict(reader.values), reader.kinds


def differences(html: str, action: str, sent: dict) -> list[str]:
    """Where the form on the page differs from what was ``sent`` (every field sent; boxes not sent unticked)."""
    values, kinds = form_state(html, action)
    found = []
    for name, value in sent.items():
        if name == "csrf_token":
            continue
        wanted = sorted(value) if isinstance(value, list | tuple) else [value]
        if sorted(values.get(name, [])) != sorted(wanted):
            found.append(f"{name}: sent {wanted}, the page has {values.get(name, [])}")
    for name, kind in kinds.items():
        if kind == "checkbox" and name not in sent and values.get(name):
            found.append(f"{name}: not ticked, the page ticks {values[name]}")
    return found
