"""Small shared widgets of the file editor: read-only tables, and (from ``ui.widgets.feedback``)
banners and error lines."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from conseiller_app.ui.widgets.feedback import Banner, ErrorLine  # the same as the other pages'

__all__ = ["Banner", "ErrorLine", "alive", "fill_table", "left_aligned", "read_only_table"]


def read_only_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def fill_table(table: QTableWidget, rows: list[list[str]], data: list[object] | None = None) -> None:
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c == 0 and data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data[r])
            table.setItem(r, c, item)
    table.resizeRowsToContents()


def alive(obj) -> bool:
    """False once Qt has deleted the C++ side of ``obj`` (a tab closed while work was running)."""
    import shiboken6

    return shiboken6.isValid(obj)


def left_aligned(widget: QWidget) -> QWidget:
    """A button at its natural width, not stretched across a form's field column."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return holder
