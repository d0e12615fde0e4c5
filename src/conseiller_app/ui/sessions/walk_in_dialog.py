"""« Ajouter un participant imprévu »: a person in the room without registration. Only what is
needed on the spot (name, first name, birth date; commune defaults to the session's); the file
is created « à compléter », registered and marked present in one transaction. When a file with
the same name and birth date exists, the conseiller is asked first (register that file, or
create a new one for a namesake), as in the normal creation."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.beneficiary import Duplicate
from conseiller_app.domain.errors import DuplicateFile
from conseiller_app.storage.services import sessions as session_service
from conseiller_app.storage.services.sessions import SessionDetail
from conseiller_app.ui.beneficiaries import dialogs
from conseiller_app.ui.widgets.feedback import ErrorLine


class WalkInDialog(QDialog):
    """Emits ``added(result)`` (``beneficiary_id``, ``registration_id``...) once saved."""

    added = Signal(object)  # sessions.Registered

    def __init__(self, worker, session: SessionDetail, parent: QWidget | None = None) -> None:
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
        self.commune.setPlaceholderText(session.commune_name or tr("Commune de résidence"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(tr("Facultatif"))
        for edit, length in ((self.last_name, 80), (self.first_name, 80), (self.birth_date, 10), (self.commune, 80),
                             (self.phone, 20)):
            edit.setMaxLength(length)
        form = QFormLayout()
        form.addRow(tr("Nom *"), self.last_name)
        form.addRow(tr("Prénom *"), self.first_name)
        form.addRow(tr("Date de naissance *"), self.birth_date)
        form.addRow(tr("Commune"), self.commune)
        form.addRow(tr("Téléphone"), self.phone)
        for edit, name in ((self.last_name, tr("Nom (obligatoire)")), (self.first_name, tr("Prénom (obligatoire)")),
                           (self.birth_date, tr("Date de naissance (obligatoire)"))):
            edit.setAccessibleName(name)
        legend = QLabel(tr("* champ obligatoire"))
        legend.setObjectName("legend")
        self.duplicate_box: QMessageBox | None = None
        self.error_line = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Ajouter et marquer présent·e"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(legend)
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

    def submit(self, *, existing_id: str | None = None, create_anyway: bool = False) -> None:
        if self._busy:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        self.error_line.show_error("")
        self._worker.submit(session_service.add_walk_in, self._session.id, self.values(),
                            existing_id=existing_id, create_anyway=create_anyway,
                            on_done=self._done, on_error=self._failed)

    def _done(self, result: session_service.Registered) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.added.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, DuplicateFile):
            self._ask_duplicate(exc.matches)
            return
        self.error_line.show_failure(exc)

    def _ask_duplicate(self, matches: list[Duplicate]) -> None:
        """The same question as a normal creation, with « register this file » as the default."""
        role = QMessageBox.ButtonRole
        more = "".join("\n• " + dialogs.describe_duplicate(d) for d in matches[1:])
        existing = matches[0].id

        def answered(answer: str) -> None:
            self.duplicate_box = None
            if answer == "existing":
                self.submit(existing_id=existing)
            elif answer == "create":
                self.submit(create_anyway=True)
            else:
                self.error_line.show_error(self.tr("Rien n'a été enregistré : vérifiez le nom et la date de "
                                                   "naissance."))

        self.duplicate_box = dialogs.ask(
            self, QMessageBox.Icon.Warning, self.tr("Dossier semblable"),
            self.tr("Un dossier semblable existe déjà : %1.").replace("%1", dialogs.describe_duplicate(matches[0]))
            + more,
            self.tr("S'il s'agit de la même personne, inscrivez son dossier : aucun doublon ne sera créé."),
            [("existing", self.tr("Inscrire ce dossier et le marquer présent"), role.AcceptRole),
             ("create", self.tr("Créer un autre dossier (homonyme)"), role.DestructiveRole),
             ("cancel", self.tr("Annuler"), role.RejectRole)],
            answered, default="existing")
