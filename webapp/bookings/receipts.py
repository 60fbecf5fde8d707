"""Receipts for paid or finished bookings: the facts once, as a page and as a PDF (fpdf2).

The PDF embeds a Unicode TrueType font found on the machine (Nanum for Korean
text, else DejaVu); where none is installed it falls back to the PDF core font
and writes characters outside Latin-1 as "?" — the printable HTML receipt is
right in every script either way. ``.ci/run`` installs the Debian fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF

from webapp.bookings.history import PAID, get_booking_for_user
from webapp.bookings.models import Booking, Status
from webapp.bookings.registry import booking_kinds
from webapp.core.errors import NotFoundError
from webapp.core.money import amount as to_amount

#: fonts tried in order (Debian packages fonts-nanum and fonts-dejavu-core)
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
#: our own name as the app that sold it on the seller's behalf
AGENT = "ParkGo"


@dataclass(frozen=True)
class Receipt:
    """What a receipt says."""

    booking: Booking
    seller: str
    buyer: str
    item: str
    starts_at: datetime | None
    ends_at: datetime | None
    amount: Decimal
    currency: str
    vat_rate: Decimal | None
    vat: Decimal | None
    reference: str
    provider_reference: str


def receipt_for(user_id: int, public_ref: str) -> Receipt:
    """The receipt of one of the driver's paid or finished bookings.

    Raises:
        NotFoundError: not the driver's booking, or nothing was paid (failed, cancelled, pending, unknown).
    """
    booking = get_booking_for_user(user_id, public_ref)
    if Status(booking.status) not in PAID or booking.amount is None:
        raise NotFoundError("no receipt for this booking")
    entry = booking_kinds().get(booking.kind)
    vat_rate = entry.vat_rate if entry else None
    total = to_amount(booking.amount, booking.currency)
    vat = None
    if vat_rate is not None:
        # prices include VAT: the VAT part of a gross amount
        vat = to_amount((total * vat_rate / (1 + vat_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP),
                        booking.currency)
    buyer = ", ".join(part for part in (booking.contact_email, booking.plate) if part)
    return Receipt(booking=booking, seller=entry.seller if entry else booking.provider, buyer=buyer,
                   item=booking.title or booking.kind, starts_at=booking.starts_at, ends_at=booking.ends_at,
                   amount=total, currency=booking.currency, vat_rate=vat_rate, vat=vat,
                   reference=booking.public_ref, provider_reference=booking.provider_ref or "")


def _font(pdf: FPDF) -> tuple[str, bool]:
    for path in FONT_CANDIDATES:
        if path.exists():
            pdf.add_font("receipt", fname=str(path))
            return "receipt", True
    return "helvetica", False


def receipt_pdf(receipt: Receipt, lines: list[tuple[str, str]], title: str) -> bytes:
    """The receipt as a one-page A4 PDF.

    Args:
        lines: (label, value) rows already in the page's language (the view formats them).
        title: the document title, in the page's language.
    """
    pdf = FPDF(format="A4")
    pdf.set_title(f"{title} {receipt.reference}")
    pdf.set_author(AGENT)
    pdf.add_page()
    family, unicode = _font(pdf)

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(family, size=18)
    pdf.cell(0, 12, text(f"{title} · {receipt.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=11)
    pdf.ln(4)
    for label, value in lines:
        pdf.set_text_color(90, 90, 90)
        pdf.cell(55, 8, text(label))
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 8, text(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
