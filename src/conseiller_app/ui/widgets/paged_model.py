"""The paging core of the long lists' item models (Anki's browser habit): the ordered ids of a
query in memory, their rows fetched by pages on the database worker, a bounded LRU of pages.
Both the beneficiary list and ``lazy_table.LazyTableModel`` (sessions, referrals) are built on it.

Every query carries a generation number; results of an older generation are dropped. A subclass
says how a row is kept once its page arrived (``_entry``, ``_entry_data``) and how it is shown
(``columnCount``, ``data``, ``headerData``); ``_page_for(row)`` gives it the row's page, or asks
for it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QTimer, Signal

_Index = QModelIndex | QPersistentModelIndex


@dataclass
class PageRequest:
    """Rows of one page of a list. ``cancelled`` is set from the GUI thread (a plain bool is safe
    under the GIL) when the page is no longer wanted; the worker then skips the query."""

    generation: int
    page: int
    ids: list[str]
    cancelled: bool = field(default=False)


def fetch_page(ctx, fetch_rows: Callable, request: PageRequest) -> dict[str, Any] | None:
    """Run on the worker: the rows of a page, or None when it was cancelled meanwhile."""
    if request.cancelled:
        return None
    return fetch_rows(ctx, request.ids)


class PagedTableModel(QAbstractTableModel):
    """Ids in memory, rows by pages of ``page_size``; at most ``max_pages`` pages cached.

    ``first_page(ctx, query, page_size) -> (ids, {id: row})`` answers a query with all its ids
    and the rows of the first page, in one round trip; ``fetch_rows(ctx, ids) -> {id: row}``
    gives the rows of any other page. Both run on the worker.
    """

    query_started = Signal()
    query_finished = Signal(int)  # number of matching rows
    query_failed = Signal(object)  # the exception

    MAX_PENDING_PAGES = 4

    def __init__(self, worker, first_page: Callable, fetch_rows: Callable, *, query: Any = None,
                 page_size: int = 100, max_pages: int = 20, parent=None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._first_page = first_page
        self._fetch_rows = fetch_rows
        self._page_size = page_size
        self._max_pages = max_pages
        self._query = query
        self._active = False  # no query runs before the first set_query (the vault is open)
        self._ids: list[str] = []
        self._pages: OrderedDict[int, list] = OrderedDict()
        self._requested: OrderedDict[int, PageRequest] = OrderedDict()
        self._wanted: dict[int, None] = {}
        self._generation = 0  # of the latest query asked for
        self._shown = 0  # generation of the ids on display
        self._in_flight = False
        self._queued = False
        self.fetched_rows = 0  # rows received from the worker since the last query (tests, benchmarks)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush_wanted)

    # --- how a subclass keeps a row ---------------------------------------------------------------

    def _entry(self, record: Any) -> Any:
        """What a page keeps for a row; ``record`` is None for a row deleted between the id
        query and the page fetch."""
        return record

    def _entry_data(self, entry: Any) -> Any:
        """The row's data back from what ``_entry`` kept."""
        return entry

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
        self._worker.submit(self._first_page, self._query, self._page_size,
                            on_done=lambda result, g=generation: self._ids_arrived(g, result),
                            on_error=lambda exc, g=generation: self._ids_failed(g, exc))

    def _resubmit_if_queued(self) -> bool:
        self._in_flight = False
        if self._queued:
            self._queued = False
            self._submit()
            return True
        return False

    def _ids_arrived(self, generation: int, result: tuple[list[str], dict[str, Any]]) -> None:
        if self._resubmit_if_queued() or generation != self._generation:
            return
        ids, first_rows = result
        self.beginResetModel()
        self._ids = ids if isinstance(ids, list) else list(ids)
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
        """Forget every id and row (the vault locks); results still on their way are dropped, and
        nothing runs again before the next ``set_query``."""
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
        self.fetched_rows = 0

    # --- lazy pages ---------------------------------------------------------------------------

    def _page_for(self, row: int) -> list | None:
        """The loaded page holding ``row`` (marked as recently used), or None: then it is asked
        for. ``row`` must be in range."""
        page_no = row // self._page_size
        page = self._pages.get(page_no)
        if page is None:
            self._want(page_no)
            return None
        self._pages.move_to_end(page_no)
        return page

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
            request = PageRequest(self._shown, page, ids)
            self._requested[page] = request
            while len(self._requested) > self.MAX_PENDING_PAGES:
                # Scrolling fast: pages asked for a moment ago are probably off screen now.
                _, old = self._requested.popitem(last=False)
                old.cancelled = True
            self._worker.submit(fetch_page, self._fetch_rows, request,
                                on_done=lambda rows, r=request: self._page_arrived(r, rows),
                                on_error=lambda _exc, r=request: self._page_failed(r))

    def _page_arrived(self, request: PageRequest, rows: dict[str, Any] | None) -> None:
        if request.generation != self._shown:
            return
        if self._requested.get(request.page) is request:
            del self._requested[request.page]
        if rows is not None:
            self._store_page(request.page, rows)
        # A page skipped because it was cancelled is repainted too: the view asks again if its
        # rows are still on screen.
        self._emit_page_changed(request.page)

    def _page_failed(self, request: PageRequest) -> None:
        if self._requested.get(request.page) is request:
            del self._requested[request.page]

    def _store_page(self, page: int, rows: dict[str, Any]) -> None:
        first = page * self._page_size
        ids = self._ids[first:first + self._page_size]
        entry = self._entry
        self._pages[page] = [entry(rows.get(i)) for i in ids]
        self._pages.move_to_end(page)
        self.fetched_rows += len(ids)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)

    def _emit_page_changed(self, page: int) -> None:
        first = page * self._page_size
        last = min(first + self._page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    # --- rows -----------------------------------------------------------------------------------

    def row_data(self, row: int) -> Any:
        """The row's data if its page is loaded (never triggers a fetch)."""
        if not 0 <= row < len(self._ids):
            return None
        page = self._pages.get(row // self._page_size)
        return None if page is None else self._entry_data(page[row % self._page_size])

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, item_id: str) -> int:
        try:
            return self._ids.index(item_id)
        except ValueError:
            return -1

    def cached_row_count(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def loaded_rows(self) -> list[Any]:
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
