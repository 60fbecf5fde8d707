"""Static files: fingerprinted URLs cached for a year, no session on them, compressed text responses."""

from __future__ import annotations

import gzip
import re

import brotli
from flask import url_for

from webapp.helsinki import areas as helsinki_areas

YEAR = "max-age=31536000"


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_every_asset_of_a_page_has_a_fingerprint(client):
    urls = _asset_urls(client.get("/login").get_data(as_text=True))
    assert any("css/app.css" in url for url in urls) and any("favicon.svg" in url for url in urls)
    assert all(re.search(r"\?v=[0-9a-f]{16}$", url.replace("&amp;", "&")) for url in urls), urls


def test_a_fingerprinted_asset_is_cached_for_a_year_without_cookie_or_vary_cookie(client, make_user, login):
    login(make_user())  # a signed-in visitor: the session is read on every request
    url = _asset_urls(client.get("/account").get_data(as_text=True))[0]
    response = client.get(url)
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert YEAR in cache_control and "immutable" in cache_control and "public" in cache_control
    assert "no-cache" not in cache_control
    assert "cookie" not in response.headers.get("Vary", "").lower()
    assert "Set-Cookie" not in response.headers


def test_an_old_or_unknown_fingerprint_still_serves_the_file_but_revalidates(client):
    response = client.get("/static/css/app.css?v=0000000000000000")
    assert response.status_code == 200 and b"--brand" in response.get_data()
    assert "immutable" not in response.headers["Cache-Control"]
    assert "no-cache" in response.headers["Cache-Control"]
    bare = client.get("/static/css/app.css")
    assert bare.status_code == 200 and "immutable" not in bare.headers["Cache-Control"]


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    folder = tmp_path / "assets"
    folder.mkdir()
    asset = folder / "site.css"
    asset.write_text("body { color: red; }")
    app.static_folder = str(folder)
    with app.test_request_context():
        first = url_for("static", filename="site.css")
        asset.write_text("body { color: blue; }")
        second = url_for("static", filename="site.css")
        missing = url_for("static", filename="nothing-here.css")
    assert first != second and "?v=" in first and "?v=" in second
    assert missing == "/static/nothing-here.css"  # no file, no fingerprint, and no error


def test_a_fingerprint_never_reads_outside_the_static_folder(app):
    with app.test_request_context():
        assert "?v=" not in url_for("static", filename="../webapp/config.py")


def test_pages_and_assets_are_compressed_with_brotli_or_gzip(client):
    page = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert b"<html" in brotli.decompress(page.get_data())
    url = _asset_urls(client.get("/login").get_data(as_text=True))
    script = next(u for u in url if u.startswith("/static/js/app.js"))
    asset = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert asset.headers["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(asset.get_data())) > len(asset.get_data())
    assert "Accept-Encoding" in asset.headers["Vary"]


def test_small_bodies_and_clients_without_compression_get_plain_responses(client):
    plain = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and b"<html" in plain.get_data()
    tiny = client.get("/favicon.ico", headers={"Accept-Encoding": "gzip"})  # a redirect: a few bytes
    assert "Content-Encoding" not in tiny.headers


def test_favicon_is_an_svg_and_favicon_ico_leads_to_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.get_data()


def test_htmx_blocks_csv_and_pdf_downloads_survive_compression(client, make_user, login, make_booking):
    user = make_user()
    login(user)
    bookings = [make_booking(user, title=f"Kamppi, Fredrikinkatu {n}") for n in range(12)]
    csv = client.get("/bookings/export.csv", headers={"Accept-Encoding": "gzip"})
    assert csv.status_code == 200 and csv.headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(csv.get_data()).decode("utf-8-sig")
    assert bookings[0].public_ref in text and text.count("\n") >= 12
    assert csv.headers["Content-Disposition"].startswith("attachment")
    pdf = client.get(f"/bookings/{bookings[0].public_ref}/receipt.pdf", headers={"Accept-Encoding": "br, gzip"})
    assert pdf.status_code == 200 and "Content-Encoding" not in pdf.headers  # a PDF is compressed already
    assert pdf.get_data().startswith(b"%PDF")


def test_an_htmx_block_arrives_compressed_and_whole(client):
    helsinki_areas.sync_areas()
    area = helsinki_areas.list_areas()[0]
    block = client.get(f"/parking/areas/{area.area_id}/quote", query_string={"duration": "60"},
                       headers={"HX-Request": "true", "Accept-Encoding": "br"})
    assert block.status_code == 200 and block.headers["Content-Encoding"] == "br"
    html = brotli.decompress(block.get_data()).decode()
    assert 'id="price-preview"' in html and "€" in html and "<html" not in html


def test_a_byte_range_of_an_asset_is_sent_as_it_is(client):
    whole = client.get("/static/css/app.css").get_data()
    part = client.get("/static/css/app.css", headers={"Range": "bytes=0-1999", "Accept-Encoding": "br, gzip"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert part.get_data() == whole[:2000]
