"""The base of the pages that read nothing before they are shown (Ateliers, Orientations): their
page hooks (see ``base.py``), the one dialog and the one document preview they keep open, and
how they show an error.

After an unlock the page's environment (clock, conseiller, reference lists: the worker operation
given to ``__init__``) is loaded the first time the page is shown, then ``environment_loaded(env)``
runs; each later showing calls ``shown_again()``. ``lock()`` closes the dialog and the preview;
a page extends it to clear its own widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from conseiller_app.ui.documents.preview import DocumentPreview, show_preview
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.worker import DbWorker, VaultLocked


class LoadOnShowPage(QWidget):
    """Page hooks, the environment loaded when first shown, one dialog, one preview, a banner."""

    def __init__(self, worker: DbWorker, environment: Callable[..., dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._environment = environment
        self.env: dict | None = None
        self._locked = True
        self._needs_load = False
        self.dialog: QDialog | None = None  # the open dialog, if any
        self.preview: DocumentPreview | None = None
        self.banner = Banner()

    # --- what a page adds ------------------------------------------------------------------------

    def environment_loaded(self, env: dict) -> None:
        """The environment arrived, the vault still open: fill the filters, run the first query."""
        self.env = env

    def shown_again(self) -> None:
        """The page is shown again, its environment loaded: refresh what may have changed."""

    # --- page hooks ----------------------------------------------------------------------------

    def vault_opened(self) -> None:
        self.unlock()

    def unlock(self) -> None:
        """Nothing is read before the page is shown: the first minutes after unlocking belong to
        the pages the conseiller looks at."""
        self._locked = False
        self._needs_load = True
        if self.isVisible():
            self._load()

    def _load(self) -> None:
        self._needs_load = False
        self._worker.submit(self._environment, on_done=self._environment_arrived, on_error=self._failed)

    def _environment_arrived(self, env: dict) -> None:
        if not self._locked:
            self.environment_loaded(env)

    def lock(self) -> None:
        """Close the preview (writes already queued still reach the vault). The dialog is kept:
        the main window hides it until the unlock (``ui/dialog_parking.py``), with what was typed."""
        self._locked = True
        if self.preview is not None:
            self.preview.close()
        self.preview = None
        self.banner.clear()

    def page_shown(self) -> None:
        if self._locked:
            return
        if self._needs_load:
            self._load()
            return
        if self.env is not None:
            self.shown_again()

    def today(self) -> date:
        return self.env["today"]() if self.env else date.today()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, VaultLocked) or self._locked:
            return
        self.banner.show_message(user_message(exc), "error")

    # --- one dialog, one preview -----------------------------------------------------------------

    def _show_dialog(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _show_preview(self, title: str, producer: Callable[..., Any], *args: Any) -> DocumentPreview:
        """Preview a document (replacing the one open); ``producer(ctx, *args)`` writes it."""
        if self.preview is not None:
            self.preview.close()
        preview = self.preview = show_preview(self._worker, self, title, producer, *args)
        preview.finished.connect(lambda _r: self._preview_closed(preview))
        return preview

    def _preview_closed(self, preview: DocumentPreview) -> None:
        if self.preview is preview:
            self.preview = None
