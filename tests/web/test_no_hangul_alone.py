"""No English, Finnish or Swedish page shows Korean that its reader cannot read (issue 17).

Every page of every journey (tests/web/journey_data.py), plus the rent-car pages that need a window (the
results, a car's covers side by side, a rental with both child seats) and a Seoul lot whose operator's
memo carries a note, is rendered for a guest, the driver and the admin with ``?lang=en|fi|sv``. A visible
text node made of Hangul with no Latin letters is a failure unless its element's whole text has Latin
letters ("Full cover (완전자차)") or a sibling element carries a translation of it (the romanised or
translated form beside the Hangul: ``<span lang="ko">한라렌트카</span> <span>Halla Rent-a-car</span>``).
The Korean original may stay visible, where it helps at the counter, but never alone.

The language switcher names Korean in Korean (``한국어``), as every language switcher names a language in
itself: it is not checked.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ADMIN_EMAIL, DRIVER_EMAIL, make_journey_data, page_urls

LANGUAGES = ("en", "fi", "sv")
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
#: a letter of any script but Hangul (Latin with å, ä, ö …)
OTHER_LETTER = re.compile("[^\\W\\d_\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
#: what a translation beside the Hangul may be made of: words, numbers, an amount in won
TRANSLATION = re.compile("[^\\W_\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]|₩")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
#: elements whose text is not shown
SKIPPED = {"script", "style", "template"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def text(self) -> str:
        return " ".join(c if isinstance(c, str) else c.text() for c in self.children
                        if isinstance(c, str) or c.tag not in SKIPPED)

    @property
    def unchecked(self) -> bool:
        """Hidden, or the language switcher (each language named in itself)."""
        return (self.tag in SKIPPED or "hidden" in self.attrs
                or "language-switcher" in (self.attrs.get("class") or "").split())


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        open_element = self.current
        while open_element is not None and open_element.tag != tag:
            open_element = open_element.parent
        if open_element is not None and open_element.parent is not None:
            self.current = open_element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def _alone(element: Element, text: str) -> bool:
    """Whether Hangul ``text`` directly inside ``element`` is shown with nothing the reader can read."""
    if OTHER_LETTER.search(HANGUL.sub("", element.text())):
        return False
    parent = element.parent
    siblings = [] if parent is None else [c for c in parent.children if isinstance(c, Element) and c is not element]
    return not any(TRANSLATION.search(s.text()) and not HANGUL.search(s.text()) for s in siblings)


def hangul_alone(html: str) -> list[str]:
    """The visible Hangul-only texts of a page that stand without a translation (see the module)."""
    parser = _Tree()
    parser.feed(html)
    found: list[str] = []

    def walk(element: Element) -> None:
        if element.unchecked:
            return
        for child in element.children:
            if isinstance(child, Element):
                walk(child)
            elif HANGUL.search(child) and not OTHER_LETTER.search(HANGUL.sub("", child)) and _alone(element, child):
                found.append(" ".join(child.split()))

    walk(parser.root)
    return found


def test_the_check_tells_hangul_alone_from_hangul_beside_its_meaning():
    assert hangul_alone("<p>Included: <span lang='ko'>블루투스, 후방카메라</span></p>") == ["블루투스, 후방카메라"]
    assert hangul_alone("<td><span lang='ko'>1,000만원</span></td>") == ["1,000만원"]
    assert hangul_alone("<th>+ <span lang='ko'>카시트</span></th>") == ["카시트"]
    assert hangul_alone("<title>모닝 · 한라렌트카</title>") == ["모닝 · 한라렌트카"]
    assert hangul_alone("<dd>Full cover (완전자차)</dd>") == []
    assert hangul_alone("<dd><span>₩10,000,000</span> <span lang='ko'>1,000만원</span></dd>") == []
    assert hangul_alone("<h1><span lang='ko'>모닝</span> <span>Kia Morning</span></h1>") == []
    assert hangul_alone("<p><span>Child seat</span> <small lang='ko'>카시트</small></p>") == []
    # a label before the Hangul is no translation of it
    assert hangul_alone("<p>Child seat: <small lang='ko'>카시트</small></p>") == ["카시트"]
    assert hangul_alone("<div hidden><p>카시트</p></div><script>'카시트'</script>") == []
    assert hangul_alone("<form class='language-switcher'><option lang='ko'>한국어</option></form>") == []


def _login(client, who: str) -> None:
    if who != "guest":
        answer = client.post("/login", data={"email": DRIVER_EMAIL if who == "driver" else ADMIN_EMAIL,
                                             "password": DEFAULT_PASSWORD})
        assert answer.status_code == 303


def _more_pages(app, journey) -> list[str]:
    """The pages behind a choice: search results, one car's covers, a rental with both child seats, a Seoul
    lot whose memo has the operator's note."""
    from webapp.accounts.users import find_user_by_email
    from webapp.core.clock import SEOUL, utcnow
    from webapp.rentcar import rentals
    from webapp.seoul import lots as seoul_lots

    day = (utcnow().astimezone(SEOUL) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    window = f"start={day:%Y-%m-%dT%H:%M}&end={day + timedelta(days=2):%Y-%m-%dT%H:%M}"
    driver = find_user_by_email(DRIVER_EMAIL)
    ref = journey.refs["rentals"]
    for extra in [e for e in rentals.rental_extras(driver.id, ref) if e.name == "카시트"]:
        version = rentals.get_rental(driver.id, ref).booking.version
        rentals.add_extra(driver.id, ref, version, extra.gid, extra.fee, extra.name, content=extra.content)
    shops = next(lot for lot in seoul_lots.list_lots() if "상가" in lot.memo)
    return [f"/rentals/?{window}", f"/rentals/?{window}&region=seoul", f"/rentals/cars/HALLA/10101?{window}",
            f"/rentals/cars/HALLA/10101?{window}&change={ref}&version=1", f"/seoul/lots/{shops.id}"]


@pytest.mark.parametrize("who", ["guest", "driver", "admin"])
def test_no_page_shows_hangul_alone_in_english_finnish_or_swedish(app, client, who):
    journey = make_journey_data(app)
    urls = page_urls(app, journey, admin=who == "admin", guest=who == "guest") + _more_pages(app, journey)
    _login(client, who)
    assert len(urls) > 5
    found: dict[str, dict[str, set[str]]] = {language: {} for language in LANGUAGES}
    for language in LANGUAGES:
        for url in urls:
            answer = client.get(f"{url}{'&' if '?' in url else '?'}lang={language}")
            if answer.mimetype != "text/html" or answer.status_code >= 300:
                continue
            for text in hangul_alone(answer.get_data(as_text=True)):
                found[language].setdefault(text, set()).add(url.split("?")[0])
    print(f"\nHangul alone ({who}): " + ", ".join(f"{language} {len(texts)}" for language, texts in found.items()))
    report = "\n".join(f"[{language}] {text!r} on {sorted(pages)[:3]}"
                       for language, texts in found.items() for text, pages in sorted(texts.items()))
    assert not report, report
