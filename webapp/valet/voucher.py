"""The QR code of a reservation number on our printable voucher.

segno (maintained, pure Python) draws it as inline SVG: no image file, no
external request, sharp on paper, and allowed by the page's CSP.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """An inline SVG QR code of ``text`` (error correction M), safe to put in a template."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=5, title=text, svgclass="voucher-qr")
    return Markup(svg)  # noqa: S704 — segno's own SVG of our reference, no user markup
