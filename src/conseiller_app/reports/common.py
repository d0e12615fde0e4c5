"""What every printed document shares: embedded DejaVu fonts, the Département header, the
footer with page numbers, styles, and the atomic write under a neutral file name."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from conseiller_app import APP_NAME
from conseiller_app.resources import resources_dir
from conseiller_app.storage.fsutil import write_atomic

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#5b5b5b")
ACCENT = colors.HexColor("#1f3a5f")  # dark institutional blue
RULE = colors.HexColor("#9aa5b1")
BAND = colors.HexColor("#e9edf2")

ISSUER = "Département du Pas-de-Calais"
ISSUER_SERVICE = ("Pôle Solidarités — Direction des Politiques d'Inclusion Durable — Mission Insertion par l'Emploi "
                  "et partenariats stratégiques")
#: The convention has no number of its own: 2024-330 is the Commission Permanente's deliberation
#: of 8 July 2024 that authorised its signature.
CONVENTION = ("Convention de partenariat Département – branche du travail temporaire (délibération de la "
              "Commission Permanente n° 2024-330 du 8 juillet 2024)")
#: « mentionner l'ensemble des partenaires pour toute action de communication » (article 6):
#: every printed document names the four partners.
PARTNERS = "Partenaires de la convention : Département du Pas-de-Calais · FPETT · AKTO · FASTT"

_registered = False


def register_fonts() -> None:
    """Register the shipped DejaVu fonts once per process (parsing them costs ~30 ms)."""
    global _registered
    if _registered:
        return
    folder = resources_dir() / "fonts"
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    # Two faces are enough for an administrative form (and each costs ~40 ms to load, plus its
    # embedded subset): notes use the regular face in grey instead of an italic.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    _registered = True


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, textColor=INK, alignment=TA_LEFT)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "label": ParagraphStyle("label", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "value": ParagraphStyle("value", parent=base, fontName=FONT_BOLD, fontSize=9, leading=12),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21, textColor=ACCENT),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9.5, leading=12.5, textColor=MUTED),
        "section": ParagraphStyle("section", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12,
                                  textColor=ACCENT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10, textColor=colors.white),
        "italic": ParagraphStyle("italic", parent=base, fontSize=8, leading=10.5, textColor=MUTED),
    }


def esc(text: object) -> str:
    return escape("" if text is None else str(text))


def fr_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"]
_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def fr_long_date(day: date) -> str:
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


def section(title: str, width: float, st: dict[str, ParagraphStyle]) -> Table:
    """A section heading: a light band with a blue left mark."""
    t = Table([[Paragraph(esc(title).upper(), st["section"])]], colWidths=[width])
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def field_grid(rows: list[tuple[str, str]], width: float, st: dict[str, ParagraphStyle], columns: int = 2) -> Table:
    """Label / value pairs laid out in ``columns`` pairs per line."""
    label_w = 30 * mm
    value_w = width / columns - label_w
    cells, line = [], []
    for label, value in rows:
        line += [Paragraph(esc(label), st["label"]), Paragraph(value, st["value"])]
        if len(line) == 2 * columns:
            cells.append(line)
            line = []
    if line:
        line += [Paragraph("", st["value"])] * (2 * columns - len(line))
        cells.append(line)
    t = Table(cells, colWidths=[label_w, value_w] * columns)
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
    ]))
    return t


def data_table(head: list[str], rows: list[list[str]], widths: list[float], st: dict[str, ParagraphStyle]) -> Table:
    """A table with a blue heading row repeated on each page and banded rows; cells are
    already-escaped paragraph markup."""
    t = Table([[Paragraph(esc(h), st["head"]) for h in head]] +
              [[Paragraph(c, st["cell"]) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return t


def numbered_canvas(footer_left: str, header_right: str, document_title: str) -> type[rl_canvas.Canvas]:
    """A canvas that draws the header and « page n / N » footer once the page count is known."""

    class _Canvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("initialFontName", FONT)  # no stray (unembedded) Helvetica
            kwargs.setdefault("initialFontSize", 9)
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []
            self.setTitle(document_title)
            self.setAuthor(ISSUER)
            self.setCreator(APP_NAME)
            self.setSubject(document_title)

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._saved.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own, not in its stubs

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = self._pagesize  # type: ignore[attr-defined]
            left, right = 15 * mm, w - 15 * mm
            self.saveState()
            # Header: issuer on the left, the document's identifier on the right.
            self.setFillColor(ACCENT)
            self.rect(left, h - 13.5 * mm, 2.2 * mm, 8 * mm, stroke=0, fill=1)
            self.setFont(FONT_BOLD, 10)
            self.drawString(left + 4.5 * mm, h - 8.8 * mm, ISSUER.upper())
            self.setFillColor(MUTED)
            self.setFont(FONT, 6.5)
            self.drawString(left + 4.5 * mm, h - 12.6 * mm, ISSUER_SERVICE)
            self.setFillColor(INK)
            self.setFont(FONT_BOLD, 9)
            self.drawRightString(right, h - 8.8 * mm, header_right)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(left, h - 15.5 * mm, right, h - 15.5 * mm)
            # Footer.
            self.line(left, 13 * mm, right, 13 * mm)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7)
            self.drawString(left, 9 * mm, footer_left)
            self.drawRightString(right, 9 * mm, f"Page {self._pageNumber} / {total}")  # type: ignore[attr-defined]
            self.setFont(FONT, 6)
            self.drawString(left, 5.5 * mm, PARTNERS)
            self.restoreState()

    return _Canvas


class QrFlowable(Flowable):
    """A QR code drawn straight on the canvas (one rectangle per run of dark modules): about ten
    times faster than reportlab's widget, which goes through a drawing group."""

    def __init__(self, text: str, size: float, border: int = 2) -> None:
        super().__init__()
        self.text, self.size, self.border = text, size, border
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        qr.addData(self.text)
        qr.make()
        n: int = qr.getModuleCount()  # type: ignore[no-untyped-call]
        box = self.size / (n + 2 * self.border)
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for r, row in enumerate(qr.modules):
            col = 0
            while col < n:
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    path.rect((start + self.border) * box, self.size - (r + self.border + 1) * box,
                              (col - start) * box, box)
                else:
                    col += 1
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def write_pdf(target: Path, render: Callable[[], bytes]) -> Path:
    """Render then write atomically (temp file beside the target, fsync, rename)."""
    data = render()
    target = Path(target)
    def write(p: Path) -> None:
        p.write_bytes(data)

    write_atomic(target, write)
    return target


def to_bytes(build: Callable[[io.BytesIO], None]) -> bytes:
    buf = io.BytesIO()
    build(buf)
    return buf.getvalue()


def render_story(story: list[Flowable], *, title: str, footer: str, header_right: str,
                 pagesize: tuple[float, float] | None = None,
                 margin: float = 15 * mm, top: float = 20 * mm, bottom: float = 16 * mm) -> bytes:
    """Lay out a document's flowables on numbered pages (header, confidential footer, page n/N)
    and return the PDF's bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    canvas_cls = numbered_canvas(footer, header_right, title)

    def build(buf: io.BytesIO) -> None:
        doc = SimpleDocTemplate(buf, pagesize=pagesize or A4, leftMargin=margin, rightMargin=margin, topMargin=top,
                                bottomMargin=bottom, title=title, author=ISSUER)
        doc.build(story, canvasmaker=canvas_cls)

    return to_bytes(build)


def warm_up() -> None:
    """Load the fonts and reportlab's lazy parts ahead of the first print (~150 ms once per
    process): the application can call it from a background worker after unlocking."""
    from reportlab.platypus import SimpleDocTemplate

    st = styles()
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build([Paragraph("Préchauffage « œ € »", st["base"]), QrFlowable("OR", 10 * mm)])
