"""How errors reach the conseiller: a known error (``AppError``) shows its plain French message;
anything else is a bug, logged without personal data (exception type and code location only)
and shown as a generic message.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from conseiller_app.domain.errors import AppError
from conseiller_app.logs import log_bug

log = logging.getLogger("conseiller_app.bugs")


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def generic_message() -> str:
    """What a bug shows: nothing of the error itself (it could quote personal data)."""
    return _tr(
        "Une erreur inattendue est survenue. Elle a été notée dans le journal technique de "
        "l'application (sans aucune donnée personnelle). Vos données enregistrées ne sont pas "
        "touchées ; si le problème se répète, signalez-le au support de la Mission Insertion."
    )


def user_message(exc: BaseException, context: str = "") -> str:
    """The French text to show for ``exc``; bugs are logged here (once): type, frames and
    ``context`` (what was being done), never the exception's message."""
    if isinstance(exc, AppError):
        return exc.message
    log_bug(log, f"Erreur inattendue dans l'interface ({context or 'une opération'})", exc)
    return generic_message()


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    text = user_message(exc)
    box = QMessageBox(QMessageBox.Icon.Warning if isinstance(exc, AppError) else QMessageBox.Icon.Critical,
                      title or _tr("Impossible de continuer"), text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def install_excepthook() -> None:
    """Route uncaught exceptions (e.g. raised in a slot) to the log and a generic message box."""
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        try:
            show_error(None, exc)
        except Exception:  # noqa: BLE001 - never recurse from the hook
            log.error("Erreur inattendue (%s) pendant l'affichage d'une erreur", exc_type.__name__)

    sys.excepthook = hook
