"""Run a worker operation with a progress dialog that appears only if the work lasts more than
about half a second, with a cancel button when the operation can stop early."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from conseiller_app.ui.worker import CancelToken, DbWorker

SHOW_AFTER_MS = 500


class ProgressRelay(QObject):
    """A ``progress(done, total)`` callable for code on the worker thread; the GUI thread gets
    the values through a queued signal."""

    progressed = Signal(int, int)

    def __call__(self, done: int, total: int) -> None:
        self.progressed.emit(int(done), int(total))


class ProgressRun(QObject):
    """One operation with its (delayed) progress dialog. Keep a reference while it runs."""

    finished = Signal()

    def __init__(self, worker: DbWorker, parent: QWidget | None, label: str, fn: Callable[..., Any], *args: Any,
                 on_done: Callable[[Any], None] | None = None, on_error: Callable[[BaseException], None] | None = None,
                 on_cancel: Callable[[], None] | None = None, cancellable: bool = True, needs_vault: bool = True,
                 with_progress: bool = False, **kwargs: Any) -> None:
        super().__init__(parent)
        self._on_done, self._on_error, self._on_cancel = on_done, on_error, on_cancel
        self.cancelled = False
        dialog = QProgressDialog(label, self.tr("Annuler"), 0, 0, parent)
        self._cancellable = cancellable
        if not cancellable:
            # An empty cancel text still shows a blank, clickable button: no button at all.
            dialog.setCancelButton(None)
        dialog.setWindowTitle(self.tr("Veuillez patienter"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        dialog.setValue(0)  # Qt 6 starts the "show after" timer on the first value only
        dialog.canceled.connect(self._cancel)
        self.dialog: QProgressDialog | None = dialog
        self.finished.connect(self.deleteLater)
        if with_progress:
            self.relay = ProgressRelay(self)
            self.relay.progressed.connect(self._progressed)
            kwargs["progress"] = self.relay
        self.token: CancelToken = worker.submit(fn, *args, on_done=self._done, on_error=self._failed,
                                                needs_vault=needs_vault, **kwargs)

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        if self.dialog is not None and total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self._cancel)
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None

    @Slot()
    def _cancel(self) -> None:
        if not self._cancellable:
            # Escape or the window's close box on work that cannot stop: it goes on, shown again.
            if self.dialog is not None:
                self.dialog.show()
            return
        self.cancelled = True
        self.token.cancel()
        self._close_dialog()
        if self._on_cancel is not None:
            self._on_cancel()
        self.finished.emit()

    def _done(self, result: Any) -> None:
        if self.cancelled:
            return
        self._close_dialog()
        if self._on_done is not None:
            self._on_done(result)
        self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        if self.cancelled:
            return
        self._close_dialog()
        if self._on_error is not None:
            self._on_error(exc)
        self.finished.emit()


def run_with_progress(worker: DbWorker, parent: QWidget | None, label: str, fn: Callable[..., Any], *args: Any,
                      **kwargs: Any) -> ProgressRun:
    """Submit ``fn`` like ``worker.submit`` does, showing a progress dialog after ~0.5 s."""
    return ProgressRun(worker, parent, label, fn, *args, **kwargs)
