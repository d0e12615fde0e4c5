"""The lazy table model of the beneficiary list (Anki's browser habit), on the paging core of
``widgets.paged_model``: it holds only the ordered ids of the matching files and fetches their
rows by pages, on the database worker, keeping a bounded LRU of pages; results of an older query
are dropped. Rows not loaded yet show « … » until their page arrives.

What is its own: cells formatted once per page and painted through ``multiData``, and sorting
re-run in the database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from conseiller_app.storage.services.search import FileRow, Query
from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.widgets.columns import ROW_FLAGS
from conseiller_app.ui.widgets.paged_model import PagedTableModel

PLACEHOLDER = "…"

# (row field, header, sort key or None when the services cannot sort on it)
_CTX = "BeneficiaryListModel"
COLUMNS: tuple[tuple[str, object, str | None], ...] = (  # headers: QT_TRANSLATE_NOOP gives str
    ("last_name", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Nom"), "name"),
    ("first_name", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Prénom"), None),
    ("age", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Âge"), "age"),
    ("commune_name", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Commune"), "commune"),
    ("public_label", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Public"), None),
    ("stage_label", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Étape"), "stage"),
    ("last_contact", QT_TRANSLATE_NOOP("BeneficiaryListModel", "Dernier contact"), "last_contact"),
)
_MISSING: dict[str, Any] = {}  # a file deleted between the search and the page fetch

# Plain ints, computed once: data() runs thousands of times per second while scrolling.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ROLES = frozenset((_DISPLAY, _TOOLTIP, _ALIGN, _FOREGROUND))
_ALIGNMENTS = tuple(
    int((Qt.AlignmentFlag.AlignRight if key == "age" else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter)
    for key, _, _ in COLUMNS
)
_PENDING_COLOR = QColor("#888888")
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


def _display(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return fr_date(value)
    if key == "last_name":
        return value.upper()
    return str(value)


def _row_entry(record: FileRow | None) -> tuple[tuple[str, ...], FileRow | dict[str, Any]]:
    """A row as stored in a page: its texts, formatted once, and its data."""
    if record is None:
        return ("—",) * len(COLUMNS), _MISSING
    return tuple(_display(key, getattr(record, key)) for key, _, _ in COLUMNS), record


_Index = QModelIndex | QPersistentModelIndex


def column_of_sort(sort_key: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c[2] == sort_key), 0)


class BeneficiaryListModel(PagedTableModel):
    """Ids in memory, rows by pages of ``page_size``; at most ``max_pages`` pages cached. A page
    keeps each row's texts, formatted once, with its data (a deleted file: « — », data ``{}``)."""

    def __init__(self, worker, page_size: int = 100, max_pages: int = 20, parent=None) -> None:
        # The first page comes with the ids (ops.search_first_page): one round trip per query.
        super().__init__(worker, ops.search_first_page, ops.page_rows, query=Query(),
                         page_size=page_size, max_pages=max_pages, parent=parent)

    _entry = staticmethod(_row_entry)

    def _entry_data(self, entry: tuple[tuple[str, ...], FileRow | dict[str, Any]]) -> FileRow | dict[str, Any]:
        return entry[1]

    # --- QAbstractTableModel ----------------------------------------------------------------------

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._ids):
            return None
        if role == _ALIGN:
            return _ALIGNMENTS[column]
        cells = self._cells(row)
        if role == _FOREGROUND:
            return None if cells is not None else _PENDING_COLOR
        if cells is None:
            return PLACEHOLDER if role == _DISPLAY else None
        return cells[column]

    def multiData(self, index: _Index, span) -> None:  # noqa: N802 - Qt API
        """What the view's delegate calls while painting: every role of a cell in one call
        (seven Python calls per cell otherwise; painting 60 rows then costs tens of ms)."""
        row, column = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._ids):
            for item in span:
                item.clearData()
            return
        cells = self._cells(row)
        text = PLACEHOLDER if cells is None else cells[column]
        for item in span:
            role = item.role()
            if role == _DISPLAY or (role == _TOOLTIP and cells is not None):
                item.setData(text)
            elif role == _ALIGN:
                item.setData(_ALIGNMENTS[column])
            elif role == _FOREGROUND and cells is None:
                item.setData(_PENDING_COLOR)
            else:
                item.clearData()

    def _cells(self, row: int) -> tuple[str, ...] | None:
        """The display texts of a row, or None (and its page is asked for) if not loaded."""
        page = self._page_for(row)
        return None if page is None else page[row % self._page_size][0]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802 - Qt API
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate(_CTX, str(COLUMNS[section][1]))
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][2] is None:
            return self.tr("Le tri n'est pas disponible sur cette colonne.")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else _NO_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting re-runs the query in the database (the model never sorts rows itself)."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][2] is None:
            return
        query = replace(self._query, sort=COLUMNS[column][2], descending=order == Qt.SortOrder.DescendingOrder)
        if query == self._query:
            return
        self._query = query
        if self._active:
            self._run()

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(COLUMNS) and COLUMNS[column][2] is not None

