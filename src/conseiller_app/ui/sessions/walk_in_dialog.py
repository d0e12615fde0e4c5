"""« Ajouter un participant imprévu »: a person in the room without registration. Only what is
needed on the spot (name, first name, birth date; commune defaults to the session's); the file
is created « à compléter », registered and marked present in one transaction."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from conseiller_app.storage.services import sessions as session_service
from conseiller_app.ui.widgets.feedback import ErrorLine


class WalkInDialog(QDialog):
    """Emits ``added(result)`` (``beneficiary_id``, ``registration_id``...) once saved."""

    added = Signal(dict)

    def __init__(self, worker, session: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._session = session
        self._busy = False
        tr = self.tr
        self.setWindowTitle(tr("Ajouter un participant imprévu"))
        self.setMinimumSize(480, 340)
        intro = QLabel(tr("La personne est présente sans être inscrite. Saisissez l'essentiel : son dossier sera "
                          "créé « à compléter » et elle sera marquée présente."))
        intro.setWordWrap(True)
        self.last_name = QLineEdit()
        self.first_name = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText("JJ/MM/AAAA")
        self.commune = QLineEdit()
        self.commune.setPlaceholderText(session.get("commune_name") or tr("Commune de résidence"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(tr("Facultatif"))
        for edit, length in ((self.last_name, 80), (self.first_name, 80), (self.birth_date, 10), (self.commune, 80),
                             (self.phone, 20)):
            edit.setMaxLength(length)
        form = QFormLayout()
        form.addRow(tr("Nom"), self.last_name)
        form.addRow(tr("Prénom"), self.first_name)
        form.addRow(tr("Date de naissance"), self.birth_date)
        form.addRow(tr("Commune"), self.commune)
        form.addRow(tr("Téléphone"), self.phone)
        self.error_line = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Ajouter et marquer présent(e)"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_line)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.last_name.setFocus()

    def values(self) -> dict[str, str]:
        data = {"last_name": self.last_name.text(), "first_name": self.first_name.text(),
                "birth_date": self.birth_date.text().strip()}
        if self.commune.text().strip():
            data["commune"] = self.commune.text().strip()
        if self.phone.text().strip():
            data["phone"] = self.phone.text().strip()
        return data

    def submit(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        self.error_line.show_error("")
        self._worker.submit(session_service.add_walk_in, self._session["id"], self.values(),
                            on_done=self._done, on_error=self._failed)

    def _done(self, result: dict) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.added.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.error_line.show_failure(exc)
