"""A small in-memory table model of rows, plain dicts or a service's frozen dataclasses
(participants, waiting list, the dashboard's lists): for lists bounded by a session's capacity
or a page of 50. Long lists use ``lazy_table.LazyTableModel``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from conseiller_app.ui.widgets.columns import ID_ROLE, ROW_FLAGS, ROW_ROLE, Column, alignment, cell_data, header_data

_Index = QModelIndex | QPersistentModelIndex


def row_key(record: Any, key: str) -> Any:
    """A row's value under ``key``: rows are plain dicts or a service's frozen dataclasses."""
    return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)


class RowsTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], id_key: str = "id",
                 row_background: Callable[[Any], QColor | None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._id_key = id_key
        self._row_background = row_background
        self._rows: list[Any] = []  # plain dicts or a service's frozen dataclasses

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_data(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, value: str) -> int:
        return next((i for i, r in enumerate(self._rows) if row_key(r, self._id_key) == value), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return alignment(column)
        if role == ROW_ROLE:
            return record
        if role == ID_ROLE:
            return row_key(record, self._id_key)
        return cell_data(column, record, role, self._row_background)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return header_data(self._columns, section, orientation, role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags
