"""Dialogs survive a lock: when the vault locks, every dialog that may hold typed input is hidden
(not closed: its widgets keep what was typed, in memory only, as the file tabs do) and shown again
once the conseiller unlocks. Message boxes and the system's file and print dialogs hold nothing
typed and may run their own event loop: they are closed as before. Progress dialogs finish on
their own.

A dialog may define ``parked()`` and ``restored()``: called when it is hidden and shown again
(e.g. to drop a result that arrived while locked, or to reload)."""

from __future__ import annotations

import shiboken6
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QProgressDialog, QWidget

from conseiller_app.ui.pages.base import call_hook

#: Dialogs closed at a lock instead of being kept (nothing typed in them; some run ``exec()``).
CLOSED_AT_LOCK = (QMessageBox, QFileDialog, QPrintDialog)


class DialogParking:
    """Hides the open dialogs at a lock and shows them again after the unlock, in their order
    (a dialog opened over another comes back over it)."""

    def __init__(self) -> None:
        self._parked: list[QDialog] = []

    @property
    def parked(self) -> list[QDialog]:
        return [d for d in self._parked if shiboken6.isValid(d)]

    def park(self) -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QDialog) and not isinstance(w, QProgressDialog) and w.isVisible()]
        for dialog in dialogs:
            if isinstance(dialog, CLOSED_AT_LOCK):
                dialog.reject()
        kept = sorted((d for d in dialogs if not isinstance(d, CLOSED_AT_LOCK)), key=_depth)
        for dialog in kept:
            call_hook(dialog, "parked")
            dialog.hide()  # QDialog.hide() neither accepts nor rejects: nothing is lost
        self._parked.extend(kept)

    def restore(self) -> None:
        parked, self._parked = self.parked, []
        for dialog in parked:
            dialog.show()
            call_hook(dialog, "restored")
        if parked:
            parked[-1].activateWindow()


def _depth(widget: QWidget) -> int:
    """How many parents a dialog has: dialogs opened over another come back after it."""
    n, parent = 0, widget.parentWidget()
    while parent is not None:
        n, parent = n + 1, parent.parentWidget()
    return n
