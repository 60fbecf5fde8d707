"""Every page, in Finnish, Swedish and Korean, says nothing in English (issue 17). Two checks over every
visible text and label (title, aria-label, placeholder, alt) of every page of every journey:

* a text that is an English message of the catalog, whose translation differs, is a string the page
  failed to put through the catalog;
* a text that reads the same on the English page and on the other language's page and is made of
  English words (two or more of the common words below) was never translated at all — a hard-coded
  string, or provider wording shown as it came. Proper names (a car park's, a street's) use none of
  these words, so they are not taken for sentences.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import DEFAULT_PASSWORD
from tests.web.journey_data import ADMIN_EMAIL, DRIVER_EMAIL, make_journey_data, page_urls

CATALOGS = Path(__file__).parents[2] / "webapp" / "translations"
LANGUAGES = ("fi", "sv", "ko")
LABEL_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
#: elements whose text is not the page's words
SKIPPED = {"script", "style", "noscript", "code"}


class _Texts(HTMLParser):
    """The visible texts and the label attributes of a page, each stripped and with spaces folded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping.append(tag)
        for name, value in attrs:
            if name in LABEL_ATTRIBUTES and value:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skipping:
            self.texts.append(text)


def _english_messages(language: str) -> list[re.Pattern]:
    """Patterns of the English messages whose translation in ``language`` differs from the English."""
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    patterns = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        translated = message.string if isinstance(message.string, str) else (message.string or ("",))[0]
        if translated == english or len(english) < 4:
            continue  # the language writes it the same, or too short to tell from a code
        literal = [re.escape(" ".join(part.split())) for part in re.split(r"%\(\w+\)[sd]|%[sd]", english)]
        if sum(len(part) for part in literal) < 8:
            continue  # mostly placeholders ("%(a)s: %(b)s"): the words come from elsewhere
        patterns.append(re.compile("^" + r".+?".join(literal) + "$"))
    return patterns


#: words that only English sentences use (none is a word of Finnish or Swedish: "on", "in", "no" are)
ENGLISH_WORDS = frozenset("""
the and of to your you with for is are by per up after before until from this that here all long hour hours
minute minutes day days week evening evenings night enter leave booking bookings price free only when what
not yes more less than any each every or be will can cannot must please our we it its
""".split())  # noqa: SIM905 (a word list reads better as text)


def _english_sentence(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return sum(word in ENGLISH_WORDS for word in words) >= 2


def _login(client, who: str) -> None:
    if who != "guest":
        answer = client.post("/login", data={"email": DRIVER_EMAIL if who == "driver" else ADMIN_EMAIL,
                                             "password": DEFAULT_PASSWORD})
        assert answer.status_code == 303


def _texts(client, url: str, language: str) -> list[str]:
    answer = client.get(url, query_string={"lang": language})
    if answer.mimetype != "text/html" or answer.status_code >= 300:  # (a redirect's body is werkzeug's)
        return []
    parser = _Texts()
    parser.feed(answer.get_data(as_text=True))
    return parser.texts


@pytest.mark.parametrize("who", ["guest", "driver", "admin"])
def test_no_page_shows_an_english_message_in_another_language(app, client, who):
    journey = make_journey_data(app)
    _login(client, who)
    urls = page_urls(app, journey, admin=who == "admin", guest=who == "guest")
    assert len(urls) > 5
    found: dict[str, set[str]] = {}
    english_texts = {url: set(_texts(client, url, "en")) for url in urls}
    for language in LANGUAGES:
        messages = _english_messages(language)
        for url in urls:
            for text in _texts(client, url, language):
                if any(pattern.match(text) for pattern in messages) or \
                        (text in english_texts[url] and _english_sentence(text)):
                    found.setdefault(f"{text!r} [{language}]", set()).add(url.split("?")[0])
    report = "\n".join(f"{text} on {sorted(urls)[:3]}" for text, urls in sorted(found.items()))
    print(f"\nuntranslated texts ({who}): {len(found)}")
    assert not found, report
