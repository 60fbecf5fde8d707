"""Reading what a page says, for the journeys that let time pass: the facts of a ``<dl>``, an amount,
and one htmx block fetched the way htmx fetches it."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

HTMX = {"HX-Request": "true"}


def text_of(fragment: str) -> str:
    """The words of an HTML fragment, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def facts(html: str) -> dict[str, str]:
    """Each ``<dt>`` of the page (or fragment) with the text of its ``<dd>``; a later equal label wins."""
    return {text_of(term): text_of(value)
            for term, value in re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)}


def amount(text: str) -> Decimal:
    """An amount as an English page writes it (``€4.20``, ``£3.70``, ``₩322,600``) as a Decimal."""
    number = re.sub(r"[^\d.\-]", "", text_of(text).replace("\u2212", "-"))
    assert number, f"no amount in {text!r}"
    return Decimal(number)


def page(client, url: str, status: int = 200) -> str:
    """A whole page, which must answer ``status``."""
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == status, f"{url}: {response.status_code}\n{body[:800]}"
    return body


def block(client, url: str, target: str, query: dict | None = None, status: int = 200) -> str:
    """One htmx block as htmx asks for it (``HX-Request``, ``HX-Target``): it must answer ``status`` with
    the element ``target`` alone, never a whole page."""
    response = client.get(url, query_string=query or {}, headers=HTMX | {"HX-Target": target})
    body = response.get_data(as_text=True)
    assert response.status_code == status, f"{url} #{target}: {response.status_code}\n{body[:800]}"
    assert f'id="{target}"' in body and "<html" not in body, f"{url} #{target} is not the block alone:\n{body[:500]}"
    return body
