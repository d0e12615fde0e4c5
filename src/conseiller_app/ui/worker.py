"""One worker thread owns the vault: every database operation runs there, results come back to
the GUI thread by signal (Anki's CollectionOp/QueryOp habit).

Usage from a widget::

    app_worker.submit(services.search.search_ids, query, on_done=self._got_ids, on_error=...)

``fn`` is called in the worker thread as ``fn(ctx, *args, **kwargs)`` where ``ctx`` is the
services ``Context`` of the open vault. With ``needs_vault=False`` it is called without it.
If ``fn`` accepts a ``token`` keyword, it receives a ``CancelToken`` it may poll.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


class _Runner(QObject):
    """Lives in the worker thread."""

    done = Signal(int, object)
    failed = Signal(int, object)
    skipped = Signal(int)

    def __init__(self, owner: "DbWorker") -> None:
        super().__init__()
        self._owner = owner

    @Slot(object)
    def run(self, job: _Job) -> None:
        if job.token.cancelled:
            self.skipped.emit(job.ticket)  # so its callbacks are forgotten and "busy" clears
            return
        try:
            result = self._owner._execute(job)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            if not isinstance(exc, AppError):
                log_bug(log, "Opération en échec", exc)
            self.failed.emit(job.ticket, exc)
        else:
            self.done.emit(job.ticket, result)


def safe_exc_info(exc: BaseException):
    """Traceback without exception messages (which could quote data): type and frames only."""
    return (type(exc), type(exc)("(message masqué)") if _rebuildable(exc) else None, exc.__traceback__)


def _rebuildable(exc: BaseException) -> bool:
    try:
        type(exc)("x")
        return True
    except Exception:  # noqa: BLE001
        return False


class _WorkerThread(QThread):
    """The worker's thread, with its event loop started *from Python*.

    A plain ``QThread`` runs its event loop in C++, so every queued slot call enters Python
    afresh: PySide creates a new Python thread state for each call and drops it afterwards,
    taking every ``threading.local`` with it. SQLAlchemy keeps the thread's SQLCipher connection
    in one, so each operation opened a new connection (one key derivation, ~0.25 s, and a cold
    page cache). Running ``exec()`` from a Python ``run()`` keeps one thread state for the
    thread's whole life."""

    def run(self) -> None:  # noqa: D102 - Qt API
        self.exec()


class DbWorker(QObject):
    """Serialises database work on one thread. ``synchronous=True`` runs inline (tests)."""

    _request = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = None  # services Context, owned by the worker thread
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
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
        **kwargs: Any,
    ) -> CancelToken:
        token = CancelToken()
        job = _Job(next(self._tickets), fn, args, kwargs, needs_vault, token)
        self._callbacks[job.ticket] = (on_done, on_error)
        self.busy_changed.emit(True)
        self._request.emit(job)
        return token

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
        if on_done is not None:
            on_done(result)

    @Slot(int)
    def _on_skipped(self, ticket: int) -> None:
        self._callbacks.pop(ticket, None)
        self.busy_changed.emit(bool(self._callbacks))

    @Slot(int, object)
    def _on_failed(self, ticket: int, exc: BaseException) -> None:
        _, on_error = self._callbacks.pop(ticket, (None, None))
        self.busy_changed.emit(bool(self._callbacks))
        if on_error is not None:
            on_error(exc)
        elif not isinstance(exc, AppError):
            log.error("Erreur non traitée dans une opération (%s)", type(exc).__name__)

    # --- vault ownership ---------------------------------------------------------------------

    def set_context(self, ctx) -> None:
        """Called *in the worker thread* by the open-vault operation."""
        self.ctx = ctx

    def close_vault(self, on_done: Callable[[Any], None] | None = None) -> CancelToken:
        """Queue the closing of the vault behind the work already submitted (drafts saved by a
        page's ``lock()`` are written first); afterwards ``ctx`` is None and every operation that
        needs the vault fails with ``VaultLocked``."""
        from conseiller_app.ui.vault_ops import close_vault

        return self.submit(close_vault, self, on_done=on_done, needs_vault=False)

    def shutdown(self) -> None:
        """Finish the queued work, close the vault (every connection), then stop the thread."""
        from conseiller_app.ui.vault_ops import close_vault

        thread = self._thread
        if thread is None:
            close_vault(self)
            return

        def finish() -> None:  # runs on the worker thread, after everything queued before it
            try:
                close_vault(self)
            finally:
                thread.quit()

        self._request.emit(_Job(next(self._tickets), finish, (), {}, False, CancelToken()))
        thread.wait(30_000)
        self._thread = None
