"""The lazy model of the sessions list (ids first, rows by pages on the worker)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from conseiller_app.storage.services.sessions import SessionRow
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.formatting import fr_period
from conseiller_app.ui.widgets.lazy_table import Column, LazyTableModel


def _tr(text: str) -> str:
    return QCoreApplication.translate("SessionListModel", text)


SHORT_KINDS = {"sensibilisation": "Sensibilisation", "decouverte": "Découverte", "sas": "SAS préparatoire",
               "spott": "SPOTT", "information_collective": "Info. collective"}


def seats_text(row: SessionRow) -> str:
    """« 8 / 8 complet · 3 en attente », « 2 / 12 »."""
    text = f"{row.registered} / {row.capacity}"
    if row.seats_left == 0:
        text += " " + _tr("complet")
    if row.waiting:
        text += " · " + _tr("{n} en attente").format(n=row.waiting)
    return text


def kind_text(row: SessionRow) -> str:
    return _tr(SHORT_KINDS.get(row.kind, row.kind_label))


def place_text(row: SessionRow) -> str:
    return ", ".join(x for x in (row.place, row.commune_name) if x)


def dates_text(row: SessionRow) -> str:
    """The dates, with ⚠ when they hold a public holiday or a weekend (said in the tooltip)."""
    text = fr_period(row.start_date, row.end_date)
    return f"⚠ {text}" if row.warnings else text


def columns() -> list[Column]:
    return [
        Column(_tr("Dates"), dates_text, tooltip=lambda r: "\n".join(r.warnings or []) or None),
        Column(_tr("Intitulé"), lambda r: r.title, tooltip=lambda r: r.title),
        Column(_tr("Type"), kind_text, tooltip=lambda r: r.kind_label),
        Column(_tr("Territoire"), lambda r: r.territory_name),
        Column(_tr("Inscrits / places"), seats_text),
        Column(_tr("Lieu"), place_text, tooltip=place_text),
    ]


def _background(row: SessionRow) -> QColor | None:
    return QColor("#fff4e0") if row.warnings else None


def session_list_model(worker, parent=None, page_size: int = 100) -> LazyTableModel:
    return LazyTableModel(worker, columns(), ops.session_ids, ops.session_rows, page_size=page_size,
                          row_background=_background, parent=parent)
