"""A lazy table model for long lists (sessions, referrals): it holds the ordered ids of a query
and fetches their rows by pages on the database worker, keeping a bounded cache of pages (Anki's
browser habit). Rows not loaded yet show « … » until their page arrives.

The page supplies two worker functions: ``fetch_ids(ctx, query) -> list[str]`` and
``fetch_rows(ctx, ids) -> {id: row}``, and the columns. Every query carries a generation
number; results of an older generation are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

PLACEHOLDER = "…"
_Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the whole row dict (None while not loaded)
ID_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    """One column: its (translated) header, how to show a row, and optional decorations."""

    header: str
    text: Callable[[dict], str]
    tooltip: Callable[[dict], str | None] | None = None
    align_right: bool = False


@dataclass
class _PageRequest:
    generation: int
    page: int
    ids: list[str]
    cancelled: bool = field(default=False)  # set from the GUI thread, read by the worker


def _first_page(ctx, fetch_ids, fetch_rows, query, page_size: int) -> tuple[list[str], dict[str, dict]]:
    ids = fetch_ids(ctx, query)
    return ids, fetch_rows(ctx, ids[:page_size])


def _page(ctx, fetch_rows, request: _PageRequest) -> dict[str, dict] | None:
    if request.cancelled:
        return None
    return fetch_rows(ctx, request.ids)


class LazyTableModel(QAbstractTableModel):
    """Ids in memory, rows by pages of ``page_size``; at most ``max_pages`` pages cached.

    ``row_background(row) -> QColor | None`` may colour whole rows (e.g. referrals without news).
    """

    query_started = Signal()
    query_finished = Signal(int)  # number of matching rows
    query_failed = Signal(object)  # the exception

    MAX_PENDING_PAGES = 4

    def __init__(self, worker, columns: Sequence[Column], fetch_ids: Callable, fetch_rows: Callable, *,
                 page_size: int = 100, max_pages: int = 20,
                 row_background: Callable[[dict], QColor | None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._columns = list(columns)
        self._fetch_ids = fetch_ids
        self._fetch_rows = fetch_rows
        self._row_background = row_background
        self._page_size = page_size
        self._max_pages = max_pages
        self._query: Any = None
        self._active = False
        self._ids: list[str] = []
        self._pages: OrderedDict[int, list[dict | None]] = OrderedDict()
        self._requested: OrderedDict[int, _PageRequest] = OrderedDict()
        self._wanted: dict[int, None] = {}
        self._generation = 0
        self._shown = 0
        self._in_flight = False
        self._queued = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush_wanted)

    # --- queries ------------------------------------------------------------------------------

    def query(self) -> Any:
        return self._query

    def set_query(self, query: Any) -> None:
        self._query = query
        self._active = True
        self._run()

    def refresh(self) -> None:
        """Run the current query again (after a change)."""
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
        self._worker.submit(_first_page, self._fetch_ids, self._fetch_rows, self._query, self._page_size,
                            on_done=lambda result, g=generation: self._ids_arrived(g, result),
                            on_error=lambda exc, g=generation: self._ids_failed(g, exc))

    def _resubmit_if_queued(self) -> bool:
        self._in_flight = False
        if self._queued:
            self._queued = False
            self._submit()
            return True
        return False

    def _ids_arrived(self, generation: int, result: tuple[list[str], dict[str, dict]]) -> None:
        if self._resubmit_if_queued() or generation != self._generation:
            return
        ids, first_rows = result
        self.beginResetModel()
        self._ids = list(ids)
        self._shown = generation
        self._drop_cache()
        if ids:
            self._store_page(0, first_rows)
        self.endResetModel()
        self.query_finished.emit(len(ids))

    def _ids_failed(self, generation: int, exc: BaseException) -> None:
        if self._resubmit_if_queued() or generation != self._generation:
            return
        self.query_failed.emit(exc)

    def clear(self) -> None:
        """Forget every id and row (the vault locks); results still on their way are dropped."""
        self._generation += 1
        self._queued = False
        self._active = False
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

    # --- lazy pages ---------------------------------------------------------------------------

    def _want(self, page: int) -> None:
        if page in self._requested or page in self._wanted:
            return
        self._wanted[page] = None
        # Never submit from inside data(): the view is painting. Ask on the next loop turn.
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
            request = _PageRequest(self._shown, page, ids)
            self._requested[page] = request
            while len(self._requested) > self.MAX_PENDING_PAGES:
                _, old = self._requested.popitem(last=False)  # scrolled past: probably off screen now
                old.cancelled = True
            self._worker.submit(_page, self._fetch_rows, request,
                                on_done=lambda rows, r=request: self._page_arrived(r, rows),
                                on_error=lambda _exc, r=request: self._page_failed(r))

    def _page_arrived(self, request: _PageRequest, rows: dict[str, dict] | None) -> None:
        if request.generation != self._shown:
            return
        if self._requested.get(request.page) is request:
            del self._requested[request.page]
        if rows is not None:
            self._store_page(request.page, rows)
        self._emit_page_changed(request.page)  # a skipped page is asked again if still on screen

    def _page_failed(self, request: _PageRequest) -> None:
        if self._requested.get(request.page) is request:
            del self._requested[request.page]

    def _store_page(self, page: int, rows: dict[str, dict]) -> None:
        first = page * self._page_size
        ids = self._ids[first:first + self._page_size]
        self._pages[page] = [rows.get(i) for i in ids]
        self._pages.move_to_end(page)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)

    def _emit_page_changed(self, page: int) -> None:
        first = page * self._page_size
        last = min(first + self._page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1))

    def row_data(self, row: int) -> dict | None:
        """The row's data if its page is loaded (never triggers a fetch)."""
        if not 0 <= row < len(self._ids):
            return None
        page = self._pages.get(row // self._page_size)
        return None if page is None else page[row % self._page_size]

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, item_id: str) -> int:
        try:
            return self._ids.index(item_id)
        except ValueError:
            return -1

    def loaded_rows(self) -> list[dict]:
        """Rows currently in the cache, in list order (tests, small lists)."""
        out = []
        for row in range(len(self._ids)):
            data = self.row_data(row)
            if data is not None:
                out.append(data)
        return out

    # --- QAbstractTableModel --------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = index.row()
        if role == ID_ROLE:
            return self._ids[row]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.BackgroundRole, ROW_ROLE):
            return None
        page_no = row // self._page_size
        page = self._pages.get(page_no)
        if page is None:
            self._want(page_no)
            if role == Qt.ItemDataRole.DisplayRole:
                return PLACEHOLDER
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor("#888888"))
            return None
        self._pages.move_to_end(page_no)
        record = page[row % self._page_size]
        if role == ROW_ROLE:
            return record
        if record is None:  # deleted between the id query and the page fetch
            return "—" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(record) if column.tooltip else None
        if role == Qt.ItemDataRole.BackgroundRole and self._row_background is not None:
            color = self._row_background(record)
            return QBrush(color) if color is not None else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._columns):
            return self._columns[section].header
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
