"""The lazy model of the sessions list (ids first, rows by pages on the worker)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.formatting import fr_period
from conseiller_app.ui.widgets.lazy_table import Column, LazyTableModel


def _tr(text: str) -> str:
    return QCoreApplication.translate("SessionListModel", text)


def seats_text(row: dict) -> str:
    text = f"{row['registered']} / {row['capacity']}"
    if row["seats_left"] == 0:
        text += " " + _tr("(complet)")
    return text


def place_text(row: dict) -> str:
    return ", ".join(x for x in (row.get("place"), row.get("commune_name")) if x)


def remarks_text(row: dict) -> str:
    return "⚠ " + _tr("jour férié ou week-end") if row.get("warnings") else ""


def columns() -> list[Column]:
    return [
        Column(_tr("Dates"), lambda r: fr_period(r["start_date"], r["end_date"])),
        Column(_tr("Type"), lambda r: r["kind_label"]),
        Column(_tr("Intitulé"), lambda r: r["title"], tooltip=lambda r: r["title"]),
        Column(_tr("Territoire"), lambda r: r["territory_name"]),
        Column(_tr("Lieu"), place_text, tooltip=place_text),
        Column(_tr("Inscrits / places"), seats_text, align_right=True),
        Column(_tr("En attente"), lambda r: str(r["waiting"]) if r["waiting"] else "", align_right=True),
        Column(_tr("Remarques"), remarks_text, tooltip=lambda r: "\n".join(r.get("warnings") or []) or None),
    ]


def _background(row: dict) -> QColor | None:
    return QColor("#fff4e0") if row.get("warnings") else None


def session_list_model(worker, parent=None, page_size: int = 100) -> LazyTableModel:
    return LazyTableModel(worker, columns(), ops.session_ids, ops.session_rows, page_size=page_size,
                          row_background=_background, parent=parent)
