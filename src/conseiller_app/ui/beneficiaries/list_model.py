"""The lazy table model of the beneficiary list (Anki's browser habit): it holds only the ordered
ids of the matching files and fetches their rows by pages, on the database worker, keeping a
bounded LRU of pages. Rows not loaded yet show « … » until their page arrives.

Every query carries a generation number; results of an older generation are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from conseiller_app.storage.services.search import Query
from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.formatting import fr_date

PLACEHOLDER = "…"

# (row key, header, sort key or None when the services cannot sort on it)
_CTX = "BeneficiaryListModel"
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
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
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


def _display(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return fr_date(value)
    if key == "last_name":
        return value.upper()
    return str(value)


def _row_entry(record: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """A row as stored in a page: its texts, formatted once, and its data."""
    if record is _MISSING:
        return ("—",) * len(COLUMNS), record
    return tuple(_display(key, record.get(key)) for key, _, _ in COLUMNS), record

_Index = QModelIndex | QPersistentModelIndex


def column_of_sort(sort_key: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c[2] == sort_key), 0)


class BeneficiaryListModel(QAbstractTableModel):
    """Ids in memory, rows by pages of ``page_size``; at most ``max_pages`` pages cached."""

    query_started = Signal()
    query_finished = Signal(int)  # number of matching files
    query_failed = Signal(object)  # the exception

    MAX_PENDING_PAGES = 4

    def __init__(self, worker, page_size: int = 100, max_pages: int = 20, parent=None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._page_size = page_size
        self._max_pages = max_pages
        self._query = Query()
        self._active = False  # no query runs before the vault is open
        self._ids: list[str] = []
        self._pages: OrderedDict[int, list[dict]] = OrderedDict()
        self._requested: OrderedDict[int, ops.PageRequest] = OrderedDict()
        self._wanted: dict[int, None] = {}
        self._generation = 0  # of the latest query asked for
        self._shown = 0  # generation of the ids on display
        self._in_flight = False
        self._queued = False
        self.fetched_rows = 0  # rows received from the worker since the last query (for tests)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush_wanted)

    # --- queries ------------------------------------------------------------------------------

    def query(self) -> Query:
        return self._query

    def set_query(self, query: Query) -> None:
        self._query = query
        self._active = True
        self._run()

    def refresh(self) -> None:
        """Run the current query again (after a file was created or saved)."""
        if self._active:
            self._run()

    def is_searching(self) -> bool:
        return self._in_flight

    def _run(self) -> None:
        self._generation += 1
        if self._in_flight:
            self._queued = True  # only the latest query runs once the current one returns
            return
        self._submit()

    def _submit(self) -> None:
        generation = self._generation
        self._in_flight = True
        self.query_started.emit()
        self._worker.submit(
            ops.search_first_page, self._query, self._page_size,
            on_done=lambda result, g=generation: self._ids_arrived(g, result),
            on_error=lambda exc, g=generation: self._ids_failed(g, exc),
        )

    def _ids_arrived(self, generation: int, result: tuple[list[str], dict[str, dict]]) -> None:
        self._in_flight = False
        if self._queued:
            self._queued = False
            self._submit()
            return
        if generation != self._generation:
            return
        ids, first_rows = result
        self.beginResetModel()
        self._ids = ids
        self._shown = generation
        self._drop_cache()
        if ids:
            self._store_page(0, first_rows)
        self.endResetModel()
        self.query_finished.emit(len(ids))

    def _ids_failed(self, generation: int, exc: BaseException) -> None:
        self._in_flight = False
        if self._queued:
            self._queued = False
            self._submit()
            return
        if generation == self._generation:
            self.query_failed.emit(exc)

    def clear(self) -> None:
        """Forget every id and row (the vault locks); results still on their way are dropped."""
        self._generation += 1
        self._queued = False
        self.beginResetModel()
        self._ids = []
        self._shown = self._generation
        self._drop_cache()
        self.endResetModel()

    def _drop_cache(self) -> None:
        for request in self._requested.values():
            request.cancelled = True
        self._requested.clear()
        self._wanted.clear()
        self._pages.clear()
        self.fetched_rows = 0

    # --- lazy pages ---------------------------------------------------------------------------

    def cached_row_count(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def _want(self, page: int) -> None:
        if page in self._requested or page in self._wanted:
            return
        self._wanted[page] = None
        # Never submit from inside data(): the view is painting (and a synchronous worker
        # would answer at once). Batch what this paint needs and ask on the next loop turn.
        self._flush_timer.start()

    def _flush_wanted(self) -> None:
        wanted, self._wanted = list(self._wanted), {}
        for page in wanted:
            if page in self._pages or page in self._requested:
                continue
            first = page * self._page_size
            ids = self._ids[first:first + self._page_size]
            if not ids:
                continue
            request = ops.PageRequest(self._shown, page, ids)
            self._requested[page] = request
            while len(self._requested) > self.MAX_PENDING_PAGES:
                # Scrolling fast: pages asked for a moment ago are probably off screen now.
                _, old = self._requested.popitem(last=False)
                old.cancelled = True
            self._worker.submit(
                ops.fetch_page, request,
                on_done=lambda rows, r=request: self._page_arrived(r, rows),
                on_error=lambda exc, r=request: self._page_failed(r),
            )

    def _page_arrived(self, request: ops.PageRequest, rows: dict[str, dict] | None) -> None:
        if request.generation != self._shown:
            return
        if self._requested.get(request.page) is request:
            del self._requested[request.page]
        if rows is None:
            # Skipped because it was cancelled: repaint its rows, so the view asks again if
            # they are still on screen.
            self._emit_page_changed(request.page)
            return
        self._store_page(request.page, rows)
        self._emit_page_changed(request.page)

    def _page_failed(self, request: ops.PageRequest) -> None:
        if self._requested.get(request.page) is request:
            del self._requested[request.page]

    def _store_page(self, page: int, rows: dict[str, dict]) -> None:
        first = page * self._page_size
        ids = self._ids[first:first + self._page_size]
        self._pages[page] = [_row_entry(rows.get(i, _MISSING)) for i in ids]
        self._pages.move_to_end(page)
        self.fetched_rows += len(ids)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)

    def _emit_page_changed(self, page: int) -> None:
        first = page * self._page_size
        last = min(first + self._page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def row_data(self, row: int) -> dict[str, Any] | None:
        """The row's data if its page is loaded (never triggers a fetch)."""
        page = self._pages.get(row // self._page_size)
        if page is None or not 0 <= row < len(self._ids):
            return None
        return page[row % self._page_size][1]

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, beneficiary_id: str) -> int:
        try:
            return self._ids.index(beneficiary_id)
        except ValueError:
            return -1

    # --- QAbstractTableModel ----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
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

    def multiData(self, index: _Index, span) -> None:
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
            if role == _DISPLAY or role == _TOOLTIP and cells is not None:
                item.setData(text)
            elif role == _ALIGN:
                item.setData(_ALIGNMENTS[column])
            elif role == _FOREGROUND and cells is None:
                item.setData(_PENDING_COLOR)
            else:
                item.clearData()

    def _cells(self, row: int) -> tuple[str, ...] | None:
        """The display texts of a row, or None (and its page is asked for) if not loaded."""
        page_no = row // self._page_size
        page = self._pages.get(page_no)
        if page is None:
            self._want(page_no)
            return None
        self._pages.move_to_end(page_no)
        return page[row % self._page_size][0]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate(_CTX, COLUMNS[section][1])
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][2] is None:
            return self.tr("Le tri n'est pas disponible sur cette colonne.")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else _NO_FLAGS

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

