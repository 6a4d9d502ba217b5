"""Printable PDFs with QR codes (segno): an A4 poster and an A5 flyer with the generic link of a
measurement or team, and a batch of letters, each with its own single-use QR code and short
code, without names or addresses (the municipality's mail house adds those).

Written by a small PDF writer of our own (standard library only): the PDF's standard fonts
Helvetica and Courier in Windows-1252, text and filled rectangles. A PDF library (fpdf2) would
have brought Pillow and fontTools, 60 MB and 0.8 s of import into the Lambda package, for what
fits in a page of code."""
from __future__ import annotations

import json
import zlib
from functools import cache
from pathlib import Path

MM = 72 / 25.4  # points per millimetre
A4 = (210.0, 297.0)
A5 = (148.0, 210.0)
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier-Bold"}


@cache
def _widths() -> dict[str, list[int]]:
    data = json.loads((Path(__file__).parent / "data" / "helvetica-widths.json")
                      .read_text(encoding="utf-8"))
    return {"F1": data["Helvetica"], "F2": data["Helvetica-Bold"]}


def _encode(text: str) -> bytes:
    table = {"‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
    return "".join(table.get(c, c) for c in text).encode("cp1252", "replace")


def text_width(text: str, font: str, size: float) -> float:
    """Millimetres `text` takes in `font` at `size` points."""
    encoded = _encode(text)
    if font == "F3":
        units = 600 * len(encoded)  # Courier: every glyph 600/1000 em
    else:
        widths = _widths()[font]
        units = sum(widths[b - 32] if b >= 32 else 0 for b in encoded)
    return units * size / 1000 / MM


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines at most `width` millimetres wide (at spaces; newlines kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, font, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


class Document:
    """Pages of text and filled rectangles; coordinates in millimetres from the top left."""

    def __init__(self, size: tuple[float, float] = A4) -> None:
        self.width, self.height = size
        self.pages: list[list[bytes]] = []

    def add_page(self) -> None:
        self.pages.append([])

    def text(self, x: float, y: float, text: str, font: str = "F1", size: float = 12) -> None:
        """`text` with its baseline at `y`."""
        escaped = _encode(text).replace(b"\\", b"\\\\").replace(b"(", b"\\(") \
            .replace(b")", b"\\)")
        self.pages[-1].append(b"BT /%s %.2f Tf %.2f %.2f Td (%s) Tj ET" % (
            font.encode(), size, x * MM, (self.height - y) * MM, escaped))

    def centred(self, y: float, text: str, font: str = "F1", size: float = 12) -> None:
        self.text((self.width - text_width(text, font, size)) / 2, y, text, font, size)

    def rect(self, x: float, y: float, width: float, height: float) -> None:
        self.pages[-1].append(b"%.3f %.3f %.3f %.3f re f" % (
            x * MM, (self.height - y - height) * MM, width * MM, height * MM))

    def output(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in below, once the pages' number is known
        pages = add(b"")
        fonts = {name: add(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s "
                           b"/Encoding /WinAnsiEncoding >>" % base.encode())
                 for name, base in FONTS.items()}
        resources = b"<< /Font << %s >> >>" % b" ".join(
            b"/%s %d 0 R" % (name.encode(), number) for name, number in fonts.items())
        kids = []
        for operations in self.pages:
            content = zlib.compress(b"0 g\n" + b"\n".join(operations))
            stream = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
                len(content), content))
            kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                            b"/Resources %s /Contents %d 0 R >>" % (
                                pages, self.width * MM, self.height * MM, resources, stream)))
        objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
        objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids), len(kids))
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1, catalog, xref)
        return bytes(out)


def _qr(document: Document, link: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules in a row) with its quiet
    zone of four modules: sharp at any print size."""
    import segno

    # a fixed mask: segno would otherwise try all eight (most of the time a letter costs)
    matrix = segno.make(link, error="m", mask=0, boost_error=False).matrix
    border = 4
    module = size / (len(matrix) + 2 * border)
    for row_index, row in enumerate(matrix):
        top = y + (row_index + border) * module
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                document.rect(x + (start + border) * module, top, (column - start) * module,
                              module)
                start = None


def poster(title: str, team: str | None, link: str, short_address: str,
           small: bool = False) -> bytes:
    """An A4 poster (or an A5 flyer) inviting everyone to answer through `link`."""
    document = Document(A5 if small else A4)
    document.add_page()
    scale = 0.7 if small else 1.0
    margin = 20 * scale
    width = document.width - 2 * margin
    y = margin + 12 * scale
    for line in wrap("Wat vindt u van de hulp van de gemeente?", "F2", 30 * scale, width):
        document.text(margin, y, line, "F2", 30 * scale)
        y += 13 * scale
    y += 4 * scale
    invitation = ("Vul een korte vragenlijst in. Het duurt ongeveer 5 minuten en het is "
                  "anoniem: niemand kan zien wat u antwoordt." + (f" ({team})" if team else ""))
    for line in wrap(invitation, "F1", 16 * scale, width):
        document.text(margin, y, line, "F1", 16 * scale)
        y += 8 * scale
    size = 110 * scale
    _qr(document, link, (document.width - size) / 2, y, size)
    y += size + 8 * scale
    for line in wrap("Scan de QR-code met de camera van uw telefoon. Of typ dit adres in uw "
                     "browser:", "F1", 14 * scale, width):
        document.centred(y, line, "F1", 14 * scale)
        y += 7 * scale
    y += 2 * scale
    document.centred(y, short_address, "F3", 14 * scale)
    y += 12 * scale
    for line in wrap(title, "F1", 11 * scale, width):
        document.centred(y, line, "F1", 11 * scale)
        y += 6 * scale
    return document.output()


LETTER = ("Beste inwoner,\n\nU kreeg hulp van de gemeente. Wij willen graag weten wat u "
          "daarvan vindt. Wilt u een korte vragenlijst invullen? Het duurt ongeveer 5 minuten. "
          "Uw antwoorden zijn anoniem: niemand kan zien wat u antwoordt. De code op deze brief "
          "werkt één keer, tot en met {closes}.")


def letters(title: str, closes: str, items: list[tuple[str, str]], code_address: str) -> bytes:
    """One A4 page per (link, short code): the letter's own QR code and code; room at the top
    for the address window the mail house prints into."""
    document = Document(A4)
    width = document.width - 40
    heading = wrap("Wat vindt u van de hulp van de gemeente?", "F2", 18, width)
    body = wrap(LETTER.format(closes=closes), "F1", 12, width)
    footer = wrap(title, "F1", 10, width)
    for link, code in items:
        document.add_page()
        y = 100.0
        for line in heading:
            document.text(20, y, line, "F2", 18)
            y += 9
        y += 3
        for line in body:
            document.text(20, y, line, "F1", 12)
            y += 6
        top = y + 2
        _qr(document, link, 20, top, 55)
        document.text(82, top + 12, "Scan de QR-code met de camera van uw telefoon.")
        document.text(82, top + 22, "Of ga naar:")
        document.text(82, top + 30, code_address, "F3", 13)
        document.text(82, top + 38, "en typ deze code:")
        document.text(82, top + 48, code, "F3", 18)
        y = top + 64
        for line in footer:
            document.text(20, y, line, "F1", 10)
            y += 5
    return document.output()
