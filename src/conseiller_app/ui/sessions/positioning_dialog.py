"""« Modifier le positionnement » of a registered person: which agence d'emploi positioned them
on this preparatory action (indicator 2 of the convention), or none (came through the
Département). Runs ``facts.set_positioning`` on the worker, as the command line's
``conseiller positioning set`` does."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from conseiller_app.storage.services.sessions import Participant, SessionDetail
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.accessibility import named
from conseiller_app.ui.widgets.choices import fill_combo
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import display_name


class PositioningDialog(QDialog):
    """Emits ``saved(session, name, agency_name)`` with the refreshed session once written."""

    saved = Signal(object, str, str)  # sessions.SessionDetail, person's name, agency name ("" when cleared)

    def __init__(self, worker, session: SessionDetail, person: Participant, agencies: list[dict] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._session = session
        self._person = person
        self._busy = False
        self.name = display_name(person.last_name, person.first_name)
        self.setWindowTitle(self.tr("Modifier le positionnement"))
        self.setMinimumWidth(480)
        intro = QLabel(self.tr("Quelle agence d'emploi a positionné {name} sur «\u00a0{title}\u00a0»\u00a0?").format(
            name=self.name, title=session.title))
        intro.setWordWrap(True)
        self.agency = QComboBox()
        self.agency.setObjectName("positionedBy")
        choices = [(a["id"], a["name"]) for a in agencies or []]
        current = person.positioned_by_agency_id
        if current and all(value != current for value, _ in choices):  # removed from the directory since
            choices.append((current, person.positioned_by_agency_name or self.tr("agence retirée de l'annuaire")))
        fill_combo(self.agency, choices, self.tr("— Aucune (venu·e par le Département) —"), keep=False)
        self.agency.setCurrentIndex(max(self.agency.findData(current), 0) if current else 0)
        named(self.agency, self.tr("Positionné par l'agence"),
              self.tr("L'agence d'emploi qui a positionné la personne sur cette action préparatoire "
                      "(indicateur 2 de la convention)."))
        form = QFormLayout()
        form.addRow(self.tr("Positionné par l'agence"), self.agency)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Enregistrer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)
        self.agency.setFocus()

    def submit(self) -> None:
        if self._busy:
            return
        agency = self.agency.currentData()
        if agency == self._person.positioned_by_agency_id:
            self.reject()  # nothing changed: nothing written
            return
        self._busy = True
        self.buttons.setEnabled(False)
        agency_name = self.agency.currentText() if agency else ""
        self._worker.submit(ops.set_positioning, self._session.id, self._person.beneficiary_id, agency,
                            on_done=lambda session: self._done(session, agency_name), on_error=self._failed)

    def _done(self, session: SessionDetail, agency_name: str) -> None:
        self._busy = False
        self.saved.emit(session, self.name, agency_name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.banner.show_message(user_message(exc), "error")
