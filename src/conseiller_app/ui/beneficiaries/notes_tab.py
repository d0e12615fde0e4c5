"""« Notes »: free, factual notes, under a visible reminder that no health detail belongs here."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from conseiller_app.ui.beneficiaries.widgets import ErrorLine
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401

REMINDER_STYLE = ("background: #fef7e0; border: 1px solid #f9d67a; border-radius: 4px; padding: 8px;"
                  " font-weight: bold;")


class NotesTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reminder = QLabel(self.tr("Notes factuelles uniquement : aucune information de santé."))
        self.reminder.setObjectName("notesReminder")
        self.reminder.setStyleSheet(REMINDER_STYLE)
        self.reminder.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("notes")
        named(self.edit, self.tr("Notes du dossier"))
        self.edit.setPlaceholderText(self.tr("Rendez-vous, démarches faites, prochaines échéances…"))
        self.edit.setTabChangesFocus(True)
        self.error_line = ErrorLine()
        layout = QVBoxLayout(self)
        layout.addWidget(self.reminder)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.error_line)
        self._loading = False
        self.edit.textChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self._loading = True
        try:
            self.edit.setPlainText(text or "")
        finally:
            self._loading = False

    def show_error(self, message: str) -> None:
        self.error_line.show_error(message)
