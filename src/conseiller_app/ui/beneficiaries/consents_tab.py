"""« Consentements »: consents to share data with a partner (scope, date, who recorded them);
record a new one, withdraw one. A referral to an agency will require an active consent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import ConsentScope, PartnerKind
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.validation import parse_date
from conseiller_app.storage.services import followup
from conseiller_app.storage.services.beneficiaries import FileConsent
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.widgets import ErrorLine, fill_table, read_only_table
from conseiller_app.ui.beneficiaries.widgets import left_aligned as _left
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401


class ConsentsTab(QWidget):
    changed = Signal(str)

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._beneficiary_id: str | None = None
        self._consents: Sequence[FileConsent] = ()
        self._today = date.today
        self.confirm_box: QMessageBox | None = None

        self.table = read_only_table([self.tr("Partenaire"), self.tr("Type"), self.tr("Données partagées"),
                                      self.tr("Donné le"), self.tr("Recueilli par"), self.tr("État")])
        self.table.setObjectName("consentTable")
        table(self.table, self.tr("Consentements"),
              self.tr("Un consentement par ligne : partenaire, données partagées, date, état."))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.withdraw_button = QPushButton(self.tr("Retirer le consentement sélectionné…"))
        self.withdraw_button.clicked.connect(self.ask_withdraw)
        self.empty_label = QLabel(self.tr("Aucun consentement recueilli : aucune donnée ne peut être partagée."))
        self.empty_label.setStyleSheet("color: #5f6368;")

        self.kind_combo = QComboBox()
        for value, label in PartnerKind.choices():
            self.kind_combo.addItem(label, value)
        # An agency is chosen from the directory (the referral gate matches its id); the other
        # partners, outside the directory, are typed.
        self.agency_combo = QComboBox()
        self.agency_combo.setAccessibleName(self.tr("Agence de l'annuaire"))
        self.partner_edit = QLineEdit()
        self.partner_edit.setPlaceholderText(self.tr("Nom de l'organisme, du partenaire…"))
        self.partner_edit.setAccessibleName(self.tr("Nom du partenaire"))
        self.partner_edit.setMaxLength(160)
        partner_box = QWidget()
        partner_row = QHBoxLayout(partner_box)
        partner_row.setContentsMargins(0, 0, 0, 0)
        partner_row.addWidget(self.agency_combo, 1)
        partner_row.addWidget(self.partner_edit, 1)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.scope_boxes: dict[str, QCheckBox] = {}
        scope_row = QHBoxLayout()
        for value, label in ConsentScope.choices():
            check = QCheckBox(label)
            self.scope_boxes[value] = check
            scope_row.addWidget(check)
        scope_row.addStretch(1)
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("JJ/MM/AAAA")
        self.date_edit.setMaximumWidth(140)
        self.who_label = QLabel()
        self.record_button = QPushButton(self.tr("Enregistrer le consentement"))
        self.record_button.clicked.connect(self.record)
        self.error_line = ErrorLine()
        box = QGroupBox(self.tr("Recueillir un consentement"))
        form = QFormLayout(box)
        form.addRow(self.tr("Type de partenaire"), self.kind_combo)
        form.addRow(self.tr("Partenaire"), partner_box)
        form.addRow(self.tr("Données partagées"), scope_row)
        form.addRow(self.tr("Date du consentement"), self.date_edit)
        form.addRow(self.tr("Recueilli par"), self.who_label)
        form.addRow("", _left(self.record_button))
        form.addRow(self.error_line)

        buttons = QHBoxLayout()
        buttons.addWidget(self.empty_label)
        buttons.addStretch(1)
        buttons.addWidget(self.withdraw_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(box)
        self._selection_changed()
        self._kind_changed()

    # --- data ----------------------------------------------------------------------------------

    def set_context(self, today, actor_name: str, agencies: list[dict]) -> None:
        self._today = today
        self.who_label.setText(actor_name)
        self.agency_combo.clear()
        self.agency_combo.addItem(self.tr("— Choisir l'agence —"), None)
        for a in agencies:
            self.agency_combo.addItem(a["name"], a["id"])
        self._reset_form()

    def set_file(self, beneficiary_id: str | None, consents: Sequence[FileConsent]) -> None:
        self._beneficiary_id = beneficiary_id
        self._consents = list(consents)
        rows = []
        for c in consents:
            scope = ", ".join(ConsentScope(s).label for s in c.scope)
            state = (self.tr("Retiré le %1").replace("%1", fr_date(c.withdrawn_on)) if c.withdrawn_on
                     else self.tr("Actif"))
            rows.append([c.partner_name, PartnerKind(c.partner_kind).label, scope, fr_date(c.given_on),
                         c.recorded_by, state])
        fill_table(self.table, rows, [c.id for c in consents])
        self.empty_label.setVisible(beneficiary_id is not None and not any(not c.withdrawn_on for c in consents))
        self.record_button.setEnabled(beneficiary_id is not None)
        self._selection_changed()

    def clear(self) -> None:
        self.set_file(None, [])
        self._close_confirm()
        self._reset_form()
        self.empty_label.hide()

    def _reset_form(self) -> None:
        self.partner_edit.clear()
        self.agency_combo.setCurrentIndex(0)
        self._kind_changed()
        for box in self.scope_boxes.values():
            box.setChecked(False)
        self.date_edit.setText(fr_date(self._today()))
        self.error_line.show_error("")

    def _kind_changed(self) -> None:
        is_agency = self.kind_combo.currentData() == PartnerKind.AGENCY.value
        self.agency_combo.setVisible(is_agency)
        self.partner_edit.setVisible(not is_agency)
        if self.kind_combo.currentData() == PartnerKind.FASTT.value and not self.partner_edit.text():
            self.partner_edit.setText("FASTT")
        elif self.kind_combo.currentData() == PartnerKind.FRANCE_TRAVAIL.value and not self.partner_edit.text():
            self.partner_edit.setText("France Travail")

    def _recorded(self) -> None:
        self._reset_form()
        self.changed.emit(self.tr("Consentement enregistré."))

    def selected_consent(self) -> FileConsent | None:
        row = self.table.currentRow()
        if row < 0 or not self.table.selectedItems():
            return None
        item = self.table.item(row, 0)
        if item is None:
            return None
        wanted = item.data(Qt.ItemDataRole.UserRole)
        return next((c for c in self._consents if c.id == wanted), None)

    def _selection_changed(self) -> None:
        c = self.selected_consent()
        self.withdraw_button.setEnabled(c is not None and not c.withdrawn_on)

    # --- changes -------------------------------------------------------------------------------

    def record(self) -> None:
        if not self._beneficiary_id:
            return
        self.error_line.show_error("")
        try:
            given_on = parse_date("given_on", self.tr("Date du consentement"), self.date_edit.text())
        except ValidationError as exc:
            self.error_line.show_error(exc.message, exc.label)
            return
        scope = [value for value, box in self.scope_boxes.items() if box.isChecked()]
        kind = self.kind_combo.currentData()
        partner_id = None
        name = self.partner_edit.text()
        if kind == PartnerKind.AGENCY.value:
            partner_id = self.agency_combo.currentData()
            name = self.agency_combo.currentText() if partner_id else ""
            if not partner_id:
                self.error_line.show_error(self.tr("choisissez l'agence dans l'annuaire (type « Autre partenaire » "
                                                   "pour un partenaire qui n'y est pas)."), self.tr("Partenaire"))
                self.agency_combo.setFocus()
                return
        self._worker.submit(
            followup.record_consent, self._beneficiary_id,
            partner_kind=kind, partner_name=name, partner_id=partner_id,
            scope=scope, given_on=given_on,
            on_done=lambda _: self._recorded(),
            on_error=self._failed,
        )

    def ask_withdraw(self) -> None:
        c = self.selected_consent()
        if c is None or c.withdrawn_on:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Retirer le consentement"),
                          self.tr("La personne retire son consentement au partage avec « %1 ». "
                                  "Plus aucune donnée ne pourra lui être transmise. Confirmer ?")
                          .replace("%1", c.partner_name), parent=self)
        confirm = box.addButton(self.tr("Retirer le consentement"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(confirm)
        consent_id = c.id

        def finished() -> None:
            chosen = box.clickedButton()
            self.confirm_box = None
            box.deleteLater()
            if chosen is confirm:
                self.withdraw(consent_id)

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()

    def withdraw(self, consent_id: str) -> None:
        self._worker.submit(followup.withdraw_consent, consent_id,
                            on_done=lambda _: self.changed.emit(self.tr("Consentement retiré.")),
                            on_error=self._failed)

    def _close_confirm(self) -> None:
        if self.confirm_box is not None:
            box, self.confirm_box = self.confirm_box, None
            box.finished.disconnect()
            box.reject()
            box.deleteLater()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.error_line.show_error(exc.message, exc.label)
        else:
            self.error_line.show_error(user_message(exc, "consentement"))

