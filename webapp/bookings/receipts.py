"""Receipts a business can file: the facts of one booking once, written as the page shows them, and the
same strings as a PDF (fpdf2).

What a receipt says, and where each part comes from:

* the **seller** — the provider's operator or company from the provider's own data, through the
  booking's feature (``registry.booking_seller``: the car park's rate-responsible party, the rent-car
  company, 247Parking, the City of Helsinki); we are named as the app it was sold through;
* the **buyer** — the driver's name and e-mail from the profile, and the vehicle;
* the **money** — from the ledger only (``ledger.summary``): what was charged and refunded, what went
  through us and what is paid at the counter, the total; a receipt exists as soon as the ledger holds
  money (a cancelled booking that kept a fee has one, with its refund);
* **VAT** — the part of the total the seller's data says is VAT, ``gross × rate / (1 + rate)`` rounded
  once to the currency; where the data says prices include VAT but gives no rate, the receipt says so
  without a figure; where it says nothing, there is no VAT line;
* **times** — in the place's own zone (``core.clock.PROVIDER_ZONES``), in the page's format, with the
  zone named.

The page and the PDF print the same ``Receipt`` rows, so they cannot disagree. The PDF writes Latin text
in DejaVu Sans with Nanum Gothic as the fallback for Hangul (fpdf2 ``set_fallback_fonts``), so every
character of fi, sv and ko prints; ``.ci/run`` installs both (Debian fonts-dejavu-core, fonts-nanum).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask_babel import gettext as _
from fpdf import FPDF

from webapp.accounts.models import User
from webapp.bookings import ledger
from webapp.bookings.adapter import Seller
from webapp.bookings.history import get_booking_for_user
from webapp.bookings.models import AT_COUNTER, Booking, Status
from webapp.bookings.registry import booking_seller, booking_title
from webapp.core.clock import PROVIDER_ZONES, format_moment, locale_for, zone_name
from webapp.core.errors import NotFoundError
from webapp.core.money import format_money, included_vat
from webapp.extensions import db

logger = logging.getLogger(__name__)
# fontTools warns of every hinting table of Nanum Gothic it cannot subset, for every PDF: noise, not news
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

#: our own name, as the app the booking was sold through on the seller's behalf
AGENT = "ParkGo"
#: regular and bold faces: DejaVu Sans for Latin (å, ä, ö, €, ₩ …), Nanum Gothic for Hangul
FONTS = {
    "dejavu": (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
               Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
    "nanum": (Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
              Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf")),
}
#: when the machine has neither, what a zone-less booking's times are written in
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class ReceiptRow:
    """One labelled fact or figure, already written in the page's language.

    Attributes:
        key: what it is, the same in every language (``seller``, ``period``, ``total``, ``vat`` …).
    """

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class PaymentRow:
    """One ledger entry as the receipt lists it."""

    when: str
    what: str
    how: str
    amount: str
    refund: bool


@dataclass(frozen=True)
class Receipt:
    """What a receipt says, written once for the page and the PDF.

    Attributes:
        title: "Receipt" in the page's language.
        item: the booking's title in the page's language.
        facts: seller, buyer, vehicle, item, period, status, references.
        payments: the ledger's entries, oldest first.
        when_label: the payments' time column, with the zone named.
        figures: charged and refunded (when something was), paid now and at the counter (when any was due
            there), the total, and VAT where the seller's data states it.
        money: the ledger summary the figures come from.
        seller: the seller as its feature names it.
        vat: the VAT amount in the total (None when no rate is given).
        zone: the zone every time is written in.
    """

    booking: Booking
    reference: str
    provider_reference: str
    language: str
    title: str
    item: str
    facts: tuple[ReceiptRow, ...]
    payments: tuple[PaymentRow, ...]
    when_label: str
    figures: tuple[ReceiptRow, ...]
    money: ledger.MoneySummary
    seller: Seller
    vat: Decimal | None
    zone: ZoneInfo

    def value(self, key: str) -> str | None:
        """The text of the fact or figure ``key`` (None when the receipt has no such line)."""
        return next((row.value for row in (*self.facts, *self.figures) if row.key == key), None)


def has_receipt(booking: Booking) -> bool:
    """Whether the booking has a receipt: its ledger holds money (a cancelled booking that kept a fee, or
    was refunded, included)."""
    return any(entry.amount for entry in booking.ledger)


def receipt_for(user_id: int, public_ref: str, language: str) -> Receipt:
    """The receipt of one of the driver's bookings, in ``language``.

    Raises:
        NotFoundError: not the driver's booking, or no money was ever charged for it (failed, pending,
            unknown).
    """
    booking = get_booking_for_user(user_id, public_ref)
    if not has_receipt(booking):
        raise NotFoundError("no receipt for this booking")
    return build_receipt(booking, db.session.get(User, user_id), language)


def build_receipt(booking: Booking, buyer: User | None, language: str) -> Receipt:
    """The receipt of ``booking`` for ``buyer`` (its owner), every line written in ``language``."""
    locale = locale_for(language)
    zone = PROVIDER_ZONES.get(booking.provider, _UTC)
    money = ledger.summary(booking)
    seller = booking_seller(booking, language)
    item = booking_title(booking, language)

    def cash(value: Decimal) -> str:
        return format_money(value, money.currency, locale)

    def moment(value: datetime, part: str = "datetime") -> str:
        return format_moment(value, locale, zone, part)

    facts = []
    if money.entries:
        facts.append(ReceiptRow("date", _("Date"), moment(money.entries[-1].created_at, "date")))
    facts += [ReceiptRow("seller", _("Seller"), seller.name), ReceiptRow("agent", _("Sold through"), AGENT),
              ReceiptRow("buyer", _("Buyer"), _buyer(booking, buyer))]
    if booking.plate:
        facts.append(ReceiptRow("vehicle", _("Vehicle"), booking.plate))
    facts.append(ReceiptRow("item", _("Item"), item))
    if booking.starts_at:
        period = moment(booking.starts_at)
        if booking.ends_at:
            period += " – " + moment(booking.ends_at)
        facts.append(ReceiptRow("period", _("Period"), f"{period} ({zone_name(zone, locale)})"))
    if booking.status == Status.CANCELLED:
        facts.append(ReceiptRow("status", _("Status"), Status.CANCELLED.label))
    facts += [ReceiptRow("reference", _("Our reference"), booking.public_ref),
              ReceiptRow("provider_reference", _("Provider's reference"), booking.provider_ref or "–")]

    payments = tuple(
        PaymentRow(when=moment(entry.created_at), what=ledger.entry_label(entry),
                   how=_("At the counter") if entry.settlement == AT_COUNTER
                   else _("Refund") if entry.is_refund else _("Paid now"),
                   amount=cash(entry.amount), refund=entry.is_refund)
        for entry in money.entries)

    figures = []
    if money.has_refund:
        figures += [ReceiptRow("charged", _("Charged"), cash(money.charged)),
                    ReceiptRow("refunded", _("Refunded"), cash(money.refunded))]
    if money.uses_counter:
        figures += [ReceiptRow("paid_now", _("Paid through %(agent)s", agent=AGENT), cash(money.paid_now)),
                    ReceiptRow("at_counter", _("Paid at the counter to the seller")
                               if booking.status == Status.COMPLETED else _("Due at the counter to the seller"),
                               cash(money.at_counter))]
    figures.append(ReceiptRow("total", _("Total"), cash(money.total)))
    vat = None
    if seller.vat_rate is not None:
        vat = included_vat(money.total, seller.vat_rate, money.currency)
        rate = format_decimal(seller.vat_rate * 100, locale=locale)
        figures.append(ReceiptRow("vat", _("Of which VAT %(rate)s %%", rate=rate), cash(vat)))
    elif seller.vat_included:
        figures.append(ReceiptRow("vat", _("VAT"), _("Included in the price; the seller's data states no rate")))

    return Receipt(booking=booking, reference=booking.public_ref, provider_reference=booking.provider_ref or "",
                   language=language, title=_("Receipt"), item=item, facts=tuple(facts), payments=payments,
                   when_label=_("When (%(zone)s)", zone=zone_name(zone, locale)), figures=tuple(figures),
                   money=money, seller=seller, vat=vat, zone=zone)


def _buyer(booking: Booking, buyer: User | None) -> str:
    """The driver's name and e-mail from the profile (the booking's contact e-mail when there is none)."""
    name = (buyer.name or "").strip() if buyer is not None else ""
    email = buyer.email if buyer is not None else booking.contact_email
    return ", ".join(part for part in (name, email) if part) or "–"


class _ReceiptPdf(FPDF):
    """FPDF that puts each font it switches to on the page at once.

    fpdf2 2.8.9 with fallback fonts (py-pdf/fpdf2#1772): when the first text after a font change starts
    with a character of the fallback font (a Korean label, "합계"), the main font never reaches the page
    and the text after it prints with the other font's glyphs ("No font in show" to pdftotext, Latin as
    garbage to pypdf). Setting the font on the page when it changes avoids the case.
    """

    def set_font(self, family=None, style="", size=0) -> None:
        super().set_font(family, style, size)
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))


def _fonts(pdf: FPDF) -> str | None:
    """Register DejaVu Sans with Nanum Gothic as its fallback; the family to write in, or None when the
    fonts are not installed (the core font then writes what Latin-1 has and "?" for the rest)."""
    if not all(path.exists() for faces in FONTS.values() for path in faces):
        logger.warning("receipt fonts missing (%s): the PDF cannot print every character; "
                       "install fonts-dejavu-core and fonts-nanum", ", ".join(FONTS))
        return None
    for family, (regular, bold) in FONTS.items():
        pdf.add_font(family, fname=str(regular))
        pdf.add_font(family, style="B", fname=str(bold))
    pdf.set_fallback_fonts(["nanum"], exact_match=False)
    return "dejavu"


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page A4 PDF: the same rows as the page, in the same words."""
    pdf = _ReceiptPdf(format="A4")
    pdf.set_title(f"{receipt.title} {receipt.reference}")
    pdf.set_author(AGENT)
    pdf.set_lang(receipt.language)
    pdf.add_page()
    family = _fonts(pdf)
    unicode = family is not None
    family = family or "helvetica"

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    def row(label: str, value: str, *, bold: bool = False) -> None:
        pdf.set_font(family, size=10)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(65, 7, text(label))
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(family, style="B" if bold else "", size=10)
        pdf.multi_cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, style="B", size=18)
    pdf.cell(0, 12, text(f"{receipt.title} · {receipt.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for fact in receipt.facts:
        row(fact.label, fact.value)

    if receipt.payments:
        pdf.ln(4)
        pdf.set_font(family, style="B", size=12)
        pdf.cell(0, 9, text(_("Payments")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        # a table wraps a long label inside its column instead of writing over the next one
        with pdf.table(col_widths=(55, 70, 30, 35), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
                       borders_layout="HORIZONTAL_LINES", line_height=6, first_row_as_headings=True) as table:
            heading = table.row()
            for cell in (receipt.when_label, _("What"), _("How"), _("Amount")):
                heading.cell(text(cell))
            for payment in receipt.payments:
                line = table.row()
                for cell in (payment.when, payment.what, payment.how, payment.amount):
                    line.cell(text(cell))

    pdf.ln(4)
    for figure in receipt.figures:
        row(figure.label, figure.value, bold=figure.key == "total")
    return bytes(pdf.output())
