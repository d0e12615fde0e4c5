"""A lazy table model for long lists (sessions, referrals): the paging core of ``paged_model``
(ids of a query in memory, rows by pages on the database worker, stale results dropped) shown
through ``columns.Column``. Rows not loaded yet show « … » until their page arrives.

The page supplies two worker functions: ``fetch_ids(ctx, query) -> list[str]`` and
``fetch_rows(ctx, ids) -> {id: row}``, and the columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from conseiller_app.ui.widgets.columns import ID_ROLE, ROW_FLAGS, ROW_ROLE, Column, alignment, cell_data, header_data
from conseiller_app.ui.widgets.paged_model import PagedTableModel

PLACEHOLDER = "…"
_Index = QModelIndex | QPersistentModelIndex
_PAGE_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
               Qt.ItemDataRole.BackgroundRole, ROW_ROLE)

__all__ = ["ID_ROLE", "PLACEHOLDER", "ROW_ROLE", "Column", "LazyTableModel"]


def _first_page(ctx, query, page_size: int, *, fetch_ids: Callable, fetch_rows: Callable
                ) -> tuple[list[str], dict[str, Any]]:
    ids = fetch_ids(ctx, query)
    return ids, fetch_rows(ctx, ids[:page_size])


class LazyTableModel(PagedTableModel):
    """Ids in memory, rows by pages of ``page_size``; at most ``max_pages`` pages cached.

    ``row_background(row) -> QColor | None`` may colour whole rows (e.g. referrals without news).
    """

    def __init__(self, worker, columns: Sequence[Column], fetch_ids: Callable, fetch_rows: Callable, *,
                 page_size: int = 100, max_pages: int = 20,
                 row_background: Callable[[Any], QColor | None] | None = None, parent=None) -> None:
        super().__init__(worker, partial(_first_page, fetch_ids=fetch_ids, fetch_rows=fetch_rows), fetch_rows,
                         page_size=page_size, max_pages=max_pages, parent=parent)
        self._columns = list(columns)
        self._row_background = row_background

    # --- QAbstractTableModel --------------------------------------------------------------------

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = index.row()
        if role == ID_ROLE:
            return self._ids[row]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return alignment(column)
        if role not in _PAGE_ROLES:
            return None
        page = self._page_for(row)
        if page is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return PLACEHOLDER
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor("#888888"))
            return None
        record = page[row % self._page_size]
        if role == ROW_ROLE:
            return record
        if record is None:  # deleted between the id query and the page fetch
            return "—" if role == Qt.ItemDataRole.DisplayRole else None
        return cell_data(column, record, role, self._row_background)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return header_data(self._columns, section, orientation, role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags
