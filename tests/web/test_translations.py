"""The fi/sv/ko catalogs are complete and keep every placeholder of the English text."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parents[2] / "webapp" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(language):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _template_ids():
    with (CATALOGS / "messages.pot").open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}  # plural ids are tuples


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    catalog = _catalog(language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        # a plural message (ngettext) has a tuple of ids and one string per plural form of the language
        english = message.id[-1] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms) or message.fuzzy:
            problems.append(f"untranslated: {message.id!r}")
            continue
        for form in forms:
            if sorted(PLACEHOLDER.findall(english)) != sorted(PLACEHOLDER.findall(form)):
                problems.append(f"placeholders differ: {message.id!r} -> {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["fi", "sv", "ko"])
def test_catalog_covers_the_extracted_template(language):
    translated = {message.id for message in _catalog(language) if message.id}
    assert _template_ids() <= translated
