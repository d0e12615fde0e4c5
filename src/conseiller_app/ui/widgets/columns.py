"""Columns of the table models of rows, plain dicts or a service's frozen dataclasses
(``LazyTableModel``, ``RowsTableModel``): a column's header and how it shows a row, and the
roles every such model answers alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole row (None while not loaded)
ID_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


@dataclass(frozen=True)
class Column:
    """One column: its (translated) header, how to show a row, and optional decorations."""

    header: str
    text: Callable[[Any], str]
    tooltip: Callable[[Any], str | None] | None = None
    align_right: bool = False


def alignment(column: Column) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)


def cell_data(column: Column, record: Any, role: int,
              row_background: Callable[[Any], QColor | None] | None) -> Any:
    """What a loaded row shows in ``column`` for the display, tooltip and background roles."""
    if role == Qt.ItemDataRole.DisplayRole:
        return column.text(record)
    if role == Qt.ItemDataRole.ToolTipRole:
        return column.tooltip(record) if column.tooltip else None
    if role == Qt.ItemDataRole.BackgroundRole and row_background is not None:
        color = row_background(record)
        return QBrush(color) if color is not None else None
    return None


def header_data(columns: Sequence[Column], section: int, orientation: Qt.Orientation, role: int) -> str | None:
    if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
            and 0 <= section < len(columns):
        return columns[section].header
    return None
