"""The live countdown writes a time left as the server does (issue 17: "Time left 60 min" ticked beside a
server-written "2 hr 29 min"): the script's text equals core.clock.format_duration's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webapp.core.clock import format_duration

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).parents[2] / "static" / "js" / "parking.js"
#: seconds left: just under a minute, just under an hour, an hour, an hour and a half, a day and an hour
LEFT = (45, 3570, 3600, 5400, 8940, 90000)


@pytest.mark.parametrize("language", ["en", "fi", "ko"])
def test_the_ticking_text_matches_the_servers(browser_page, language):
    page = browser_page
    page.clock.install(time=datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    cells = "".join(f'<strong data-countdown="{(now + timedelta(seconds=s)).isoformat()}"></strong>' for s in LEFT)
    page.set_content(f'<html lang="{language}"><body>{cells}</body></html>')
    page.add_script_tag(path=str(SCRIPT))
    shown = page.locator("[data-countdown]").all_inner_texts()
    locale = "en_GB" if language == "en" else language
    expected = [format_duration(timedelta(seconds=s), locale) for s in LEFT]
    def normalise(text: str) -> str:
        # Chromium's ICU writes English short units unpluralised ("30 min", "45 sec") where babel's CLDR
        # writes "30 mins", "45 secs": the same reading; the numbers and the parts must agree
        text = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
        return text.replace("mins", "min").replace("secs", "sec").replace("hrs", "hr") if language == "en" else text
    assert [normalise(t) for t in shown] == [normalise(t) for t in expected]
