"""Which language a page speaks: a link's ?lang= wins for that page, over the profile and the switcher."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("language", ["fi", "sv", "ko", "en"])
def test_a_links_lang_parameter_is_honoured_for_a_guest(client, language):
    html = client.get(f"/login?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in html


def test_lang_wins_over_the_profile_for_that_page_only(client, login, make_user):
    login(make_user("fi@example.com", language="fi", name="Noora", phone=""))
    assert '<html lang="fi">' in client.get("/account").get_data(as_text=True)
    assert '<html lang="sv">' in client.get("/account?lang=sv").get_data(as_text=True)
    assert '<html lang="fi">' in client.get("/account").get_data(as_text=True)  # no setting was changed


def test_an_unknown_lang_is_ignored(client):
    html = client.get("/login?lang=xx", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert '<html lang="ko">' in html
