"""The document preview: the PDF is written on the worker under a neutral name in the vault's
data folder, shown (Qt PDF) or opened in the system's PDF reader (without Qt PDF), then printed
or saved; it is deleted as soon as the preview closes (or at the next start if a reader still
holds it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.ui.documents import operations as ops
from conseiller_app.ui.documents import pdf_support
from conseiller_app.ui.documents.printing import ask_and_print
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.worker import DbWorker


class DocumentPreview(QDialog):
    """``producer(ctx, *args) -> Path`` writes the document on the worker. Emits ``ready(path)``
    once written, ``failed(exc)`` if it could not be. ``on_error`` (optional) takes over the
    display of a failure (e.g. the Orientations page offers to record a missing consent)."""

    ready = Signal(object)
    failed = Signal(object)
    saved = Signal(object)

    def __init__(self, worker: DbWorker, title: str, producer: Callable[..., Path], *args: Any,
                 parent: QWidget | None = None, on_error: Callable[[BaseException], bool] | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._on_error = on_error
        self.path: Path | None = None
        self.document: pdf_support.QPdfDocument | None = None
        self._closed = False
        self.setWindowTitle(title)
        self.setObjectName("documentPreview")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if pdf_support.HAVE_QTPDF:  # pragma: no cover - needs PySide6-Addons
            self.setMinimumSize(720, 640)
            self.resize(860, 900)
        else:  # nothing to show here but a note and the buttons
            self.setMinimumSize(600, 280)
            self.resize(640, 300)

        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        self.banner = Banner("info")
        self.pages = QStackedWidget()
        self.waiting = QLabel(self.tr("Préparation du document…"))
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.waiting)
        self.viewer: QWidget | None = None
        self.external = QLabel()
        self.external.setWordWrap(True)
        self.external.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.external.setObjectName("notice")
        self.pages.addWidget(self.external)
        privacy = QLabel(self.tr("Ce document contient des données personnelles : il est effacé de cet ordinateur à "
                                 "la fermeture de l'aperçu. Utilisez « Enregistrer sous… » pour en garder une copie."))
        privacy.setWordWrap(True)
        privacy.setObjectName("hint")

        self.open_button = QPushButton(self.tr("Ouvrir dans le lecteur PDF"))
        self.open_button.clicked.connect(self.open_in_reader)
        self.open_button.setVisible(not pdf_support.HAVE_QTPDF)
        self.save_button = QPushButton(self.tr("Enregistrer sous…"))
        self.save_button.clicked.connect(self.ask_save)
        self.print_button = QPushButton(self.tr("Imprimer…"))
        self.print_button.setObjectName("primary")
        self.print_button.clicked.connect(self.print_document)
        self.close_button = QPushButton(self.tr("Fermer"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1 if pdf_support.HAVE_QTPDF else 0)
        if not pdf_support.HAVE_QTPDF:
            layout.addStretch(1)
        layout.addWidget(privacy)
        layout.addLayout(buttons)

        def written(path: Path) -> None:
            # A plain function, not a bound method: the worker drops results for deleted widgets,
            # but a document written after its preview was closed (and deleted) must still go.
            if not shiboken6.isValid(self) or self._closed:
                ops.discard(path)
                return
            self._written(path)

        self._worker.submit(producer, *args, on_done=written, on_error=self._failed)

    # --- the document --------------------------------------------------------------------------

    def _written(self, path: Path) -> None:
        if self._closed:  # closed while it was being written
            ops.discard(path)
            return
        self.path = Path(path)
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(True)
        if pdf_support.HAVE_QTPDF:  # pragma: no cover - needs PySide6-Addons
            self._show_in_viewer()
        else:
            self.external.setText(self.tr(
                "Le document « {name} » s'ouvre dans votre lecteur PDF (l'aperçu intégré n'est pas disponible sur "
                "ce poste).\nPour l'imprimer, utilisez le menu Imprimer de ce lecteur.").format(name=self.path.name))
            self.pages.setCurrentWidget(self.external)
            self.open_in_reader()
        self.ready.emit(self.path)

    def _show_in_viewer(self) -> None:  # pragma: no cover - needs PySide6-Addons
        self.document = pdf_support.QPdfDocument(self)
        self.document.load(str(self.path))
        view = pdf_support.QPdfView(self)
        view.setDocument(self.document)
        view.setPageMode(pdf_support.QPdfView.PageMode.MultiPage)
        view.setZoomMode(pdf_support.QPdfView.ZoomMode.FitToWidth)
        self.viewer = view
        self.pages.addWidget(view)
        self.pages.setCurrentWidget(view)

    def _failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        self.failed.emit(exc)
        if self._on_error is not None and self._on_error(exc):
            self.reject()
            return
        self.waiting.setText("")
        self.banner.show_message(user_message(exc), "error")

    # --- actions -------------------------------------------------------------------------------

    def open_in_reader(self) -> None:
        if self.path is not None and not pdf_support.open_externally(self.path):
            self.banner.show_message(self.tr("Aucun lecteur PDF n'a pu ouvrir le document. Enregistrez-le avec "
                                             "« Enregistrer sous… » puis ouvrez-le depuis ce dossier."), "warning")

    def print_document(self) -> None:
        if self.path is None:
            return
        if pdf_support.HAVE_QTPDF:  # pragma: no cover - needs PySide6-Addons
            ask_and_print(self, self.path, self.document)
            return
        self.open_in_reader()
        self.banner.show_message(self.tr("Le document est ouvert dans votre lecteur PDF : imprimez-le depuis ce "
                                         "lecteur (menu Fichier › Imprimer)."), "info")

    def suggested_name(self) -> str:
        return self.path.name if self.path else "document.pdf"

    def ask_save(self) -> None:
        if self.path is None:
            return
        start = str(Path.home() / self.suggested_name())
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Enregistrer le document"), start,
                                                self.tr("Document PDF (*.pdf)"))
        if target:
            self.save_to(Path(target))

    def save_to(self, target: Path) -> None:
        if self.path is None:
            return
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        self._worker.submit(ops.save_copy, self.path, target, needs_vault=False,
                            on_done=self._saved, on_error=self._save_failed)

    def _saved(self, target: Path) -> None:
        if self._closed:
            return
        self.banner.show_message(self.tr("Document enregistré : {path}").format(path=str(target)), "success")
        self.saved.emit(target)

    def _save_failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        if isinstance(exc, OSError):
            self.banner.show_message(self.tr("Le document n'a pas pu être enregistré à cet endroit (dossier "
                                             "protégé ou introuvable). Choisissez un autre dossier."), "error")
        else:
            self.banner.show_message(user_message(exc), "error")

    # --- closing -------------------------------------------------------------------------------

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            if self.document is not None:  # pragma: no cover - needs PySide6-Addons
                self.document.close()
            ops.discard(self.path)
        super().done(result)


def show_preview(worker: DbWorker, parent: QWidget | None, title: str, producer: Callable[..., Path], *args: Any,
                 on_error: Callable[[BaseException], bool] | None = None) -> DocumentPreview:
    """Open a (non-blocking) preview; it deletes itself and its document when closed."""
    dialog = DocumentPreview(worker, title, producer, *args, parent=parent, on_error=on_error)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
