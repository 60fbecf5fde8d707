"""The printable voucher 247Parking serves at ``voucher_url`` (seed 004 reply ``voucher_url``).

The QR code holds the reservation number, drawn by segno (a maintained, pure-Python
QR library) as inline SVG: the page needs no image file and prints sharply.
"""

from __future__ import annotations

import segno


def qr_svg(text: str) -> str:
    """An inline SVG QR code of ``text`` (error correction M, 4 px modules)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=4, title=text)


VOUCHER_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Voucher {{ r.number }} · 247Parking</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}
dt{font-weight:bold}dd{margin:0 0 .5rem}@media print{.noprint{display:none}}</style></head>
<body><h1>247Parking voucher</h1>
<p>Reserveringsnummer: <strong>{{ r.number }}</strong> ({{ r.status }})</p>
{{ qr|safe }}
<dl><dt>Parkeerlocatie</dt><dd>{{ f.parkeerlocatie }}</dd><dt>Parkeerservice</dt><dd>{{ f.parkeerservice }}</dd>
<dt>Vertrek (auto afgeven)</dt><dd>{{ f.vertrek_timestamp }}</dd>
<dt>Aankomst (vlucht)</dt><dd>{{ f.aankomst_timestamp }}</dd>
<dt>Dagen</dt><dd>{{ days }}</dd><dt>Auto</dt><dd>{{ f.auto_merk_type or "-" }} {{ f.auto_kenteken or "" }}</dd>
<dt>Totaalprijs</dt><dd>EUR {{ r.total }}</dd></dl>
<p class="noprint"><button onclick="window.print()">Print</button></p></body></html>
"""
