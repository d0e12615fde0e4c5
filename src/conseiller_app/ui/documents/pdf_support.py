"""Whether this PySide6 has Qt PDF (``QtPdf`` / ``QtPdfWidgets``). PySide6-Essentials does not
ship them (they come with PySide6-Addons): without them the preview opens the document in the
system's PDF reader instead, and printing goes through that reader."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

try:  # pragma: no cover - depends on the installed PySide6 packages
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_QTPDF = True
except ImportError:  # PySide6-Essentials only
    QPdfDocument = None  # type: ignore[assignment, misc]
    QPdfView = None  # type: ignore[assignment, misc]
    HAVE_QTPDF = False


def open_externally(path) -> bool:
    """Open a file with the system's default application (tests replace this function)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
