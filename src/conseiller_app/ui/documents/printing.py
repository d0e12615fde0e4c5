"""Print a PDF with Qt's print dialog, rendering each page with Qt PDF (when available)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from conseiller_app.ui.documents import pdf_support

PRINT_DPI = 300


def print_document(document, printer: QPrinter) -> int:
    """Paint every page of a loaded ``QPdfDocument`` on ``printer``; returns the pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        pages = document.pageCount()
        for page in range(pages):
            if page:
                printer.newPage()
            target = painter.viewport()
            points = document.pagePointSize(page)
            scale = min(target.width() / points.width(), target.height() / points.height())
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(page, size)
            painter.drawImage(target.x() + (target.width() - size.width()) // 2, target.y(), image)
        return pages
    finally:
        painter.end()


def ask_and_print(parent: QWidget, path: Path, document=None) -> bool:
    """Show the print dialog and print ``path``. False when Qt PDF is missing (the caller then
    sends the conseiller to the PDF reader) or when the dialog was cancelled."""
    if not pdf_support.HAVE_QTPDF:
        return False
    if document is None:  # pragma: no cover - needs Qt PDF
        document = pdf_support.QPdfDocument(parent)
        document.load(str(path))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(PRINT_DPI)
    printer.setDocName(Path(path).stem)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    return print_document(document, printer) > 0
