"""The attendance sheet (feuille d'émargement) of a session: one line per registered participant
with a signature column per day (up to five days), and a blank variant for walk-ins or when the
list is not known yet. Names only: nothing else about the participants is printed.

Input: ``storage.services.sessions.sheet_data`` (or ``get`` for a blank sheet)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from conseiller_app.domain.sessions import NOON, days_of, holiday_name
from conseiller_app.reports.common import (
    ACCENT,
    BAND,
    RULE,
    esc,
    field_grid,
    fr_date,
    render_story,
    section,
    styles,
    write_pdf,
)

if TYPE_CHECKING:
    from conseiller_app.storage.services.sessions import SessionDetail, SessionRow


class _Dates(Protocol):
    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date: ...


MARGIN = 15 * mm
MAX_DAY_COLUMNS = 5
MAX_SPLIT_DAYS = 3  # days signed morning and afternoon on one landscape page
ROW_HEIGHT = 9 * mm


def filename(session: SessionRow, blank: bool = False) -> str:
    """A neutral file name: date and short id of the session."""
    kind = "emargement-vierge" if blank else "emargement"
    return f"{kind}-{session.start_date:%Y-%m-%d}-{session.id[:8]}.pdf"


def sheet_days(session: _Dates, day: date | None = None) -> list[date | None]:
    """The signature columns: the given day, else the session's working days when they are five
    or fewer; else one column dated by hand (one sheet per day)."""
    if day is not None:
        return [day]
    days: list[date | None]
    days = [d for d in days_of(session.start_date, session.end_date) if d.weekday() < 5 and not holiday_name(d)]
    if not days:
        return [session.start_date]
    return days if len(days) <= MAX_DAY_COLUMNS else [None]


def hours(session: SessionRow) -> str:
    """« 09:00 – 16:30 », « à partir de 09:00 », or '' when the session has no hours."""
    start, end = session.start_time, session.end_time
    if start and end:
        return f"{start}\u202f–\u202f{end}"
    if start:
        return f"à partir de {start}"
    return ""


def day_parts(session: SessionRow) -> list[str]:
    """A day that runs from the morning into the afternoon is signed twice: « Matin » and
    « Après-midi » (people leave at noon). Otherwise one column a day ('')."""
    start, end = session.start_time, session.end_time
    if start and end and start < NOON < end:
        return [f"Matin ({start}\u202f–\u202f{NOON})", f"Après-midi ({NOON}\u202f–\u202f{end})"]
    return [""]


def render(
    session: SessionDetail, *, blank: bool = False, day: date | None = None, blank_rows: int | None = None
) -> bytes:
    st = styles()
    days = sheet_days(session, day)
    parts = day_parts(session)
    if len(parts) > 1 and len(days) > MAX_SPLIT_DAYS:
        days = [None]  # morning and afternoon of more days do not fit: one sheet per day, dated by hand
    slots = [(d, part) for d in days for part in parts]  # one signature column each
    pagesize = landscape(A4) if len(slots) > 1 else A4
    width = pagesize[0] - 2 * MARGIN
    story: list[Flowable] = []

    title = "Feuille d'émargement" + (" — feuille vierge" if blank else "")
    story += [Paragraph(esc(title), st["title"]), Spacer(0, 1.5 * mm),
              Paragraph(esc(session.title), st["section"]), Spacer(0, 3 * mm)]
    when = (fr_date(session.start_date) if session.start_date == session.end_date
            else f"du {fr_date(session.start_date)} au {fr_date(session.end_date)}")
    place = ", ".join(x for x in (session.place, session.commune_name) if x) or "—"
    organiser = session.organiser_label
    if session.organiser_name:
        organiser = f"{organiser} — {session.organiser_name}"
    story.append(field_grid([
        ("Type de session", esc(session.kind_label)),
        ("Dates", esc(when)),
        ("Horaires", esc(hours(session) or "—")),
        ("Lieu", esc(place)),
        ("Territoire", esc(session.territory_name)),
        ("Organisateur", esc(organiser or "—")),
        ("Chantier", esc(session.chantier_name or "—")),
        ("Métiers visés", esc(", ".join(session.trade_names or []) or "—")),
        ("Places", esc(f"{session.capacity}")),
    ], width, st))
    story.append(Spacer(0, 4 * mm))

    heading = "Participants inscrits" if not blank else "Participants (à remplir sur place)"
    story.append(section(heading, width, st))
    story.append(Spacer(0, 2 * mm))

    day_heads = [Paragraph(f"Signature<br/>{esc(fr_date(d)) if d else 'Date : ___/___/______'}"
                           + (f"<br/>{esc(part)}" if part else ""), st["head"]) for d, part in slots]
    head = [Paragraph("N°", st["head"]), Paragraph("NOM", st["head"]), Paragraph("Prénom", st["head"]), *day_heads]
    sig_w = max(22 * mm if len(parts) > 1 else 30 * mm, (width - 10 * mm - 95 * mm) / len(slots))
    name_w = (width - 10 * mm - sig_w * len(slots)) * 0.55
    first_w = width - 10 * mm - sig_w * len(slots) - name_w
    rows: list[list[Any]] = [head]
    if blank:
        n = blank_rows or max(12, min(int(session.capacity or 12), 40))
        rows += [[Paragraph(str(i + 1), st["cell"]), "", ""] + [""] * len(slots) for i in range(n)]
    else:
        for i, p in enumerate(session.participants):
            mark = " <font size=6.5 color='#5b5b5b'>(sur place)</font>" if p.walk_in else ""
            rows.append([Paragraph(str(i + 1), st["cell"]), Paragraph(esc(p.last_name.upper()), st["cell_bold"]),
                         Paragraph(esc(p.first_name) + mark, st["cell"])] + [""] * len(slots))
        # A few empty lines for walk-ins.
        start = len(session.participants)
        rows += [[Paragraph(str(start + i + 1), st["cell"]), "", ""] + [""] * len(slots) for i in range(3)]
    table = Table(rows, colWidths=[10 * mm, name_w, first_w] + [sig_w] * len(slots),
                  rowHeights=[None] + [ROW_HEIGHT] * (len(rows) - 1), repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, 0), 3), ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
    ]))
    story.append(table)
    story.append(Spacer(0, 5 * mm))

    closing = Table([
        [Paragraph("<b>Nombre de présents</b> : ________", st["cell"]),
         Paragraph("<b>Animateur / animatrice</b> — nom et signature", st["cell"])],
        ["", ""],
    ], colWidths=[width * 0.4, width * 0.6], rowHeights=[None, 18 * mm])
    closing.setStyle(TableStyle([("BOX", (1, 0), (1, -1), 0.6, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BACKGROUND", (1, 0), (1, 0), BAND)]))
    story.append(KeepTogether([closing, Spacer(0, 2 * mm), Paragraph(
        "Les informations de cette feuille servent uniquement au suivi de la présence à la session ; elle est "
        "conservée par le Département et n'est pas transmise à des tiers.", st["small"])]))

    return render_story(story, title=f"Feuille d'émargement {session.id[:8]}", pagesize=pagesize, margin=MARGIN,
                        header_right=f"Session du {fr_date(session.start_date)}", top=21 * mm, bottom=18 * mm,
                        footer=f"Feuille d'émargement — {session.kind_label} — session {session.id[:8]}")


def write(target: Path, session: SessionDetail, *, blank: bool = False, day: date | None = None) -> Path:
    """Render and write atomically to ``target``."""
    return write_pdf(target, lambda: render(session, blank=blank, day=day))
