"""One worker thread owns the vault: every database operation runs there, results come back to
the GUI thread by signal (Anki's CollectionOp/QueryOp habit).

Usage from a widget::

    app_worker.submit(services.search.search_ids, query, on_done=self._got_ids, on_error=...)

``fn`` is called in the worker thread as ``fn(ctx, *args, **kwargs)`` where ``ctx`` is the
services ``Context`` of the open vault. With ``needs_vault=False`` it is called without it.
If ``fn`` accepts a ``token`` keyword, it receives a ``CancelToken`` it may poll.

Jobs run by ``priority`` (``INTERACTIVE`` > ``NORMAL`` > ``BACKGROUND``), in submission order
within a priority: what the conseiller is waiting for (the list, a search, a file) overtakes
the dashboard's counts and suggestions queued before it. A ``barrier`` job (closing the vault,
shutting down) runs after everything submitted before it and before everything submitted after
it, whatever their priorities: drafts queued by ``lock()`` are written before the vault closes,
and nothing of a previous opening runs after the next one.

A background job also waits until ``BACKGROUND_GRACE`` has passed since it was queued and since
the last other job finished: a page that loads in steps (reference lists, then its query)
submits each step from the GUI thread when the previous one is done, and the dashboard's
computations must not slip into that gap.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from conseiller_app.domain.errors import AppError
from conseiller_app.logs import log_bug

log = logging.getLogger(__name__)


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


INTERACTIVE = 1  # the conseiller is waiting for it on screen
NORMAL = 0
BACKGROUND = -1  # may wait: the dashboard's to-do lists and suggestions, warming up
BACKGROUND_GRACE = 0.1  # seconds
_BARRIER_RANK = 1 << 30


class VaultLocked(AppError):
    def __init__(self) -> None:
        super().__init__("Le coffre est verrouillé.")


@dataclass
class _Job:
    ticket: int
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    needs_vault: bool
    token: CancelToken
    priority: int = NORMAL
    queued_at: float = 0.0


class _Runner(QObject):
    """Lives in the worker thread."""

    done = Signal(int, object)
    failed = Signal(int, object)
    skipped = Signal(int)

    def __init__(self, owner: DbWorker) -> None:
        super().__init__()
        self._owner = owner

    @Slot()
    def run(self) -> None:
        job = self._owner._next_job()  # one wake-up per submitted job: take the most urgent
        if job is None:
            return
        if job.token.cancelled:
            self.skipped.emit(job.ticket)  # so its callbacks are forgotten and "busy" clears
            return
        try:
            result = self._owner._execute(job)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            self._owner._finished(job)
            if not isinstance(exc, AppError):
                log_bug(log, "Opération en échec", exc)
            self.failed.emit(job.ticket, exc)
        else:
            self._owner._finished(job)
            self.done.emit(job.ticket, result)


class _WorkerThread(QThread):
    """The worker's thread, with its event loop started *from Python*.

    A plain ``QThread`` runs its event loop in C++, so every queued slot call enters Python
    afresh: PySide creates a new Python thread state for each call and drops it afterwards,
    taking every ``threading.local`` with it. SQLAlchemy keeps the thread's SQLCipher connection
    in one, so each operation opened a new connection (one key derivation, ~0.25 s, and a cold
    page cache). Running ``exec()`` from a Python ``run()`` keeps one thread state for the
    thread's whole life."""

    def run(self) -> None:
        self.exec()


class DbWorker(QObject):
    """Serialises database work on one thread. ``synchronous=True`` runs inline (tests)."""

    _request = Signal()  # wakes the runner: one emission per queued job
    busy_changed = Signal(bool)

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = None  # services Context, owned by the worker thread
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        # Waiting jobs as (epoch, -priority, ticket, job): a barrier closes its epoch.
        self._queue: list[tuple[int, int, int, _Job]] = []
        self._queue_changed = threading.Condition()
        self._epoch = 0
        self._foreground_done_at = 0.0  # when the last job that was not background finished
        self._synchronous = synchronous
        self._thread: QThread | None = None
        self._runner = _Runner(self)
        if not synchronous:
            self._thread = _WorkerThread()
            self._thread.setObjectName("db-worker")
            self._runner.moveToThread(self._thread)
            self._thread.start()
        self._request.connect(self._runner.run)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self._runner.skipped.connect(self._on_skipped)

    # --- submission --------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        needs_vault: bool = True,
        priority: int = NORMAL,
        barrier: bool = False,
        **kwargs: Any,
    ) -> CancelToken:
        token = CancelToken()
        job = _Job(next(self._tickets), fn, args, kwargs, needs_vault, token, priority)
        self._callbacks[job.ticket] = (on_done, on_error)
        self.busy_changed.emit(True)
        self._enqueue(job, priority, barrier)
        return token

    def _enqueue(self, job: _Job, priority: int, barrier: bool) -> None:
        with self._queue_changed:
            job.queued_at = time.monotonic()
            if barrier:  # last of its epoch; later jobs belong to the next one
                job.priority = NORMAL
                heapq.heappush(self._queue, (self._epoch, _BARRIER_RANK, job.ticket, job))
                self._epoch += 1
            else:
                heapq.heappush(self._queue, (self._epoch, -priority, job.ticket, job))
            self._queue_changed.notify()
        self._request.emit()

    def _next_job(self) -> _Job | None:
        """Called *in the worker thread*: the most urgent waiting job (a background one only
        after its grace delay, unless something more urgent arrives meanwhile)."""
        with self._queue_changed:
            while self._queue:
                job = self._queue[0][3]
                wait = 0.0
                if job.priority <= BACKGROUND and not self._synchronous:
                    wait = max(job.queued_at, self._foreground_done_at) + BACKGROUND_GRACE - time.monotonic()
                if wait <= 0:
                    heapq.heappop(self._queue)
                    return job
                self._queue_changed.wait(wait)
            return None

    def _finished(self, job: _Job) -> None:
        if job.priority > BACKGROUND:
            with self._queue_changed:
                self._foreground_done_at = time.monotonic()

    def _execute(self, job: _Job) -> Any:
        kwargs = dict(job.kwargs)
        try:
            if "token" in inspect.signature(job.fn).parameters:
                kwargs["token"] = job.token
        except (TypeError, ValueError):
            pass
        if job.needs_vault:
            if self.ctx is None:
                raise VaultLocked()
            return job.fn(self.ctx, *job.args, **kwargs)
        return job.fn(*job.args, **kwargs)

    @Slot(int, object)
    def _on_done(self, ticket: int, result: Any) -> None:
        on_done, _ = self._callbacks.pop(ticket, (None, None))
        self.busy_changed.emit(bool(self._callbacks))
        if on_done is not None and _receiver_alive(on_done):
            on_done(result)

    @Slot(int)
    def _on_skipped(self, ticket: int) -> None:
        self._callbacks.pop(ticket, None)
        self.busy_changed.emit(bool(self._callbacks))

    @Slot(int, object)
    def _on_failed(self, ticket: int, exc: BaseException) -> None:
        _, on_error = self._callbacks.pop(ticket, (None, None))
        self.busy_changed.emit(bool(self._callbacks))
        if on_error is not None and _receiver_alive(on_error):
            on_error(exc)
        # A bug without on_error was already logged, with its frames, by the worker thread.

    # --- vault ownership ---------------------------------------------------------------------

    def set_context(self, ctx) -> None:
        """Called *in the worker thread* by the open-vault operation."""
        self.ctx = ctx

    def close_vault(self, on_done: Callable[[Any], None] | None = None) -> CancelToken:
        """Queue the closing of the vault behind the work already submitted (drafts saved by a
        page's ``lock()`` are written first); afterwards ``ctx`` is None and every operation that
        needs the vault fails with ``VaultLocked``."""
        return self.submit(_close_vault, self, on_done=on_done, needs_vault=False, barrier=True)

    def shutdown(self) -> None:
        """Finish the queued work, close the vault (every connection), then stop the thread."""
        thread = self._thread
        if thread is None:
            _close_vault(self)
            return

        def finish() -> None:  # runs on the worker thread, after everything queued before it
            try:
                _close_vault(self)
            finally:
                thread.quit()

        self._enqueue(_Job(next(self._tickets), finish, (), {}, False, CancelToken()), NORMAL, barrier=True)
        thread.wait(30_000)
        self._thread = None


def _close_vault(worker: DbWorker) -> None:
    """Close the vault, importing the storage layer on the thread that runs this: never on the GUI
    thread while the worker's preload imports it (two threads importing SQLAlchemy's modules in
    opposite orders end in Python's import deadlock error: a start closed at once crashed)."""
    from conseiller_app.ui.vault_ops import close_vault

    close_vault(worker)


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False for a method of a widget Qt has already deleted (a page torn down by the auto-lock
    while its job ran): calling it would raise « Internal C++ object already deleted »."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
