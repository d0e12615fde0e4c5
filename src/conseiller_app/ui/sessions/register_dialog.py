"""Register beneficiaries to a session: find the person by name, register; a full session puts
them on the waiting list (with their position). Several people can be registered in a row. On a
preparatory action (découverte métiers, SAS préparatoire), « Positionné par l'agence » records
the agency that sent the person (indicator 2 of the convention)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from conseiller_app.domain.enums import RegistrationStatus, SessionKind
from conseiller_app.storage.services.sessions import SessionDetail
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.accessibility import named
from conseiller_app.ui.widgets.choices import fill_combo
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import display_name
from conseiller_app.ui.widgets.person_picker import PersonPicker


class RegisterDialog(QDialog):
    """Emits ``registered(result)``: the service's answer with the refreshed ``session``."""

    registered = Signal(object)  # ops.RegisterResult

    #: Sessions whose registrations say which agency positioned the person (``facts.PREPARATORY_KINDS``).
    POSITIONING_KINDS = (SessionKind.TASTER.value, SessionKind.PREP_COURSE.value)

    def __init__(self, worker, session: SessionDetail, parent: QWidget | None = None,
                 agencies: list[dict] | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._session = session
        self._busy = False
        self.setWindowTitle(self.tr("Inscrire à la session"))
        self.setMinimumSize(560, 460)
        intro = QLabel(self._seats_text(session))
        intro.setWordWrap(True)
        self.intro = intro
        self.picker = PersonPicker(worker)
        self.picker.results.setMaximumHeight(16777215)  # the list takes the dialog's room, no empty area
        self.picker.chosen.connect(lambda _row: self.register_selected())
        self.picker.selection_changed.connect(self._selection_changed)
        self.banner = Banner()
        # « Positionné par l'agence » (optional): only a preparatory action counts for indicator 2.
        self.positioned_by = QComboBox()
        self.positioned_by.setObjectName("positionedBy")
        fill_combo(self.positioned_by, [(a["id"], a["name"]) for a in agencies or []],
                   self.tr("— Aucune (venu·e par le Département) —"))
        named(self.positioned_by, self.tr("Positionné par l'agence"),
              self.tr("L'agence d'emploi qui a positionné la personne sur cette action préparatoire (facultatif)."))
        self.positioning = QWidget()
        positioning = QFormLayout(self.positioning)
        positioning.setContentsMargins(0, 0, 0, 0)
        positioning.addRow(self.tr("Positionné par l'agence"), self.positioned_by)
        self.positioning.setVisible(session.kind in self.POSITIONING_KINDS)
        self.register_button = QPushButton(self.tr("Inscrire"))
        self.register_button.setObjectName("primary")
        self.register_button.setEnabled(False)
        self.register_button.clicked.connect(self.register_selected)
        close = QPushButton(self.tr("Fermer"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.register_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.positioning)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self.picker.edit.setFocus()

    def _selection_changed(self) -> None:
        self.register_button.setEnabled(self.picker.selected() is not None and not self._busy)

    def register_selected(self) -> None:
        row = self.picker.selected()
        if row is None or self._busy:
            return
        self._busy = True
        self.register_button.setEnabled(False)
        name = display_name(row.last_name, row.first_name)
        agency = self.positioned_by.currentData() if self.positioning.isVisibleTo(self) else None
        self._worker.submit(ops.register, self._session.id, row.id, agency,
                            on_done=lambda result: self._done(name, result), on_error=self._failed)

    def _done(self, name: str, result: ops.RegisterResult) -> None:
        self._busy = False
        self._session = result.session
        if result.status == RegistrationStatus.WAITING.value:
            text = self.tr("{name} est sur la liste d'attente (position {p})\u00a0: la session est complète.").format(
                name=name, p=result.position)
            kind = "warning"
        else:
            text = self.tr("{name} est inscrit·e.").format(name=name)
            kind = "success"
        if result.pathway_note:
            # Registered, but the pathway did not follow: never a green banner for half a result.
            text += " " + result.pathway_note
            kind = "warning"
        self.banner.show_message(text, kind)
        self.intro.setText(self._seats_text(self._session))
        self.picker.clear()
        self.picker.edit.setFocus()
        self.registered.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.banner.show_message(user_message(exc), "error")
        # Refused (already registered, archived file…): ready for the next name at once.
        self.picker.clear()
        self.picker.edit.setFocus()
        self._selection_changed()

    def _seats_text(self, session: SessionDetail) -> str:
        n = session.seats_left
        seats = self.tr("1 place libre") if n == 1 else self.tr("{n} places libres").format(n=n) if n else \
            self.tr("aucune place libre")
        return self.tr("Session « {title} »\u00a0: {seats} sur {c}.").format(title=session.title, seats=seats,
                                                                            c=session.capacity)
