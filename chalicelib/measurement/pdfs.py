"""Printable PDFs (fpdf2) with QR codes (segno): an A4 poster and an A5 flyer with the generic
link of a measurement or team, and a batch of letters, each with its own single-use QR code and
short code, without names or addresses (the municipality's mail house adds those)."""
from __future__ import annotations

import io
from typing import Any


def _qr_png(link: str) -> io.BytesIO:
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


def _text(value: str) -> str:
    """The core PDF fonts know Latin-1 only: typographic quotes and dashes become plain."""
    table = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}
    return "".join(table.get(c, c) for c in value).encode("latin-1", "replace").decode("latin-1")


def _new(format_: str | tuple[float, float]) -> Any:
    from fpdf import FPDF

    pdf = FPDF(format=format_)
    pdf.set_auto_page_break(False)
    pdf.set_creator("Aanlevermodule CEO")
    pdf.set_margins(20, 20, 20)
    return pdf


def poster(title: str, team: str | None, link: str, short_address: str,
           small: bool = False) -> bytes:
    """An A4 poster (or an A5 flyer) inviting everyone to answer through `link`."""
    pdf = _new((148, 210) if small else "A4")
    pdf.add_page()
    width = pdf.w - 40
    scale = 0.7 if small else 1.0
    pdf.set_font("Helvetica", "B", int(30 * scale))
    pdf.multi_cell(width, 14 * scale, _text("Wat vindt u van de hulp van de gemeente?"))
    pdf.ln(4)
    pdf.set_font("Helvetica", "", int(16 * scale))
    pdf.multi_cell(width, 8 * scale, _text(
        "Vul een korte vragenlijst in. Het duurt ongeveer 5 minuten en het is anoniem: "
        "niemand kan zien wat u antwoordt." + (f" ({team})" if team else "")))
    pdf.ln(6)
    size = 110 * scale
    pdf.image(_qr_png(link), x=(pdf.w - size) / 2, y=pdf.get_y(), w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 6)
    pdf.set_font("Helvetica", "", int(14 * scale))
    pdf.multi_cell(width, 7 * scale, _text("Scan de QR-code met de camera van uw telefoon. "
                                           "Of typ dit adres in uw browser:"), align="C")
    pdf.set_font("Courier", "B", int(16 * scale))
    pdf.multi_cell(width, 9 * scale, _text(short_address), align="C")
    pdf.set_font("Helvetica", "", int(11 * scale))
    pdf.ln(4)
    pdf.multi_cell(width, 6 * scale, _text(title), align="C")
    return bytes(pdf.output())


def letters(title: str, closes: str, items: list[tuple[str, str]], code_address: str) -> bytes:
    """One A4 page per (link, short code): the letter's own QR code and code."""
    pdf = _new("A4")
    width = pdf.w - 40
    for link, code in items:
        pdf.add_page()
        pdf.set_y(95)  # room for the mail house's address window above
        pdf.set_font("Helvetica", "B", 18)
        pdf.multi_cell(width, 9, _text("Wat vindt u van de hulp van de gemeente?"))
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(width, 6, _text(
            "Beste inwoner,\n\nU kreeg hulp van de gemeente. Wij willen graag weten wat u daarvan "
            "vindt. Wilt u een korte vragenlijst invullen? Het duurt ongeveer 5 minuten. Uw "
            "antwoorden zijn anoniem: niemand kan zien wat u antwoordt. De code op deze brief "
            f"werkt één keer, tot en met {closes}."))
        pdf.ln(4)
        top = pdf.get_y()
        pdf.image(_qr_png(link), x=20, y=top, w=55, h=55)
        pdf.set_xy(82, top + 4)
        pdf.multi_cell(width - 62, 6, _text("Scan de QR-code met de camera van uw telefoon."
                                            "\n\nOf ga naar:"))
        pdf.set_x(82)
        pdf.set_font("Courier", "B", 13)
        pdf.multi_cell(width - 62, 7, _text(code_address))
        pdf.set_x(82)
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(width - 62, 6, _text("en typ deze code:"))
        pdf.set_x(82)
        pdf.set_font("Courier", "B", 18)
        pdf.multi_cell(width - 62, 9, _text(code))
        pdf.set_y(top + 62)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(width, 5, _text(title))
    return bytes(pdf.output())
