"""« Notes »: dated, signed notes (one entry each: date, author, text), under a visible reminder
that no health detail belongs here. The former single free-text box stays below as « Notes
antérieures » (saved with the file, as before)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from conseiller_app.storage.services import followup
from conseiller_app.ui.beneficiaries.widgets import ErrorLine
from conseiller_app.ui.widgets.accessibility import announce, named
from conseiller_app.ui.widgets.formatting import fr_date

REMINDER_STYLE = ("background: #fef7e0; border: 1px solid #f9d67a; border-radius: 4px; padding: 8px;"
                  " font-weight: bold;")


class NotesTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, worker=None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._beneficiary_id: str | None = None
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
        # Dated entries (shown when the editor gives the tab its worker and file).
        self.entries = QTextBrowser()
        self.entries.setObjectName("noteEntries")
        named(self.entries, self.tr("Notes datées"), self.tr("Une note par entrée, la plus récente d'abord."))
        self.new_note = QPlainTextEdit()
        self.new_note.setObjectName("newNote")
        self.new_note.setTabChangesFocus(True)
        self.new_note.setMaximumHeight(90)
        self.new_note.setPlaceholderText(self.tr("Nouvelle note : ce qui a été fait, dit ou prévu…"))
        named(self.new_note, self.tr("Nouvelle note"))
        self.add_button = QPushButton(self.tr("Ajouter la note"))
        self.add_button.clicked.connect(self.add_note)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_note, 1)
        add_row.addWidget(self.add_button)
        self.former_label = QLabel(self.tr("Notes antérieures"))
        self.former_label.setBuddy(self.edit)
        self._dated = QWidget()
        dated = QVBoxLayout(self._dated)
        dated.setContentsMargins(0, 0, 0, 0)
        dated.addLayout(add_row)
        dated.addWidget(self.entries, 2)
        dated.addWidget(self.former_label)
        self._dated.setVisible(worker is not None)
        self.former_label.setVisible(worker is not None)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reminder)
        layout.addWidget(self._dated, 2)
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

    # --- dated notes ---------------------------------------------------------------------------

    def set_file(self, beneficiary_id: str | None) -> None:
        """The file whose dated notes to show (None: a new file not saved yet, or locked)."""
        self._beneficiary_id = beneficiary_id
        self.entries.clear()
        self.new_note.clear()
        self.add_button.setEnabled(beneficiary_id is not None)
        if beneficiary_id is not None and self._worker is not None:
            self._worker.submit(followup.notes, beneficiary_id, on_done=self._show_entries,
                                on_error=lambda exc: self.error_line.show_failure(exc))

    def _show_entries(self, notes: list[followup.Note]) -> None:
        if not notes:
            self.entries.setHtml("<i>" + escape(self.tr("Aucune note datée pour l'instant.")) + "</i>")
            return
        self.entries.setHtml("".join(
            f"<p><b>{escape(fr_date(n.written_on))} — {escape(n.author)}</b><br>"
            + escape(n.text).replace("\n", "<br>") + "</p>" for n in notes))

    def add_note(self) -> None:
        text = self.new_note.toPlainText()
        if self._beneficiary_id is None or self._worker is None:
            return
        self.error_line.show_error("")
        bid = self._beneficiary_id
        self._worker.submit(followup.add_note, bid, text, on_done=lambda _id: self._added(bid),
                            on_error=lambda exc: self.error_line.show_failure(exc))

    def _added(self, beneficiary_id: str) -> None:
        if beneficiary_id == self._beneficiary_id:
            self.set_file(beneficiary_id)
            announce(self.add_button, self.tr("Note ajoutée."))
