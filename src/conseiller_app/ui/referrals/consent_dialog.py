"""Record, right where it is missing, the person's consent to share their data with a partner
(prefilled from ``ConsentRequired``: partner kind, id and name). Identity is required for a
referral; the other categories are the person's choice."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import ConsentScope, PartnerKind
from conseiller_app.domain.errors import ValidationError
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.widgets.feedback import ErrorLine

if TYPE_CHECKING:
    from conseiller_app.ui.referrals.referral_dialog import ReferralDialog
    from conseiller_app.ui.referrals.status_dialog import StatusDialog


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def ask_consent_after_refusal(owner: StatusDialog | ReferralDialog, worker, refusal, beneficiary_id: str, person_name: str,
                              today: date) -> ConsentDialog:
    """Open the consent dialog prefilled from a ``ConsentRequired`` refusal, on top of ``owner``
    (which keeps it as ``owner.consent_dialog`` while open and hears ``owner._consent_recorded``)."""
    dialog = ConsentDialog(worker, beneficiary_id, person_name, refusal.partner_kind.value, refusal.partner_name,
                           refusal.partner_id, today, owner)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.recorded.connect(owner._consent_recorded)
    dialog.finished.connect(lambda _r: setattr(owner, "consent_dialog", None))
    owner.consent_dialog = dialog
    dialog.open()
    return dialog


class ConsentDialog(QDialog):
    """Emits ``recorded(consent_id)`` once written."""

    recorded = Signal(str)

    def __init__(self, worker, beneficiary_id: str, person_name: str, partner_kind: str, partner_name: str,
                 partner_id: str | None, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._beneficiary_id = beneficiary_id
        self._partner = (partner_kind, partner_name, partner_id)
        self._today = today
        self._busy = False
        tr = self.tr
        self.setWindowTitle(tr("Recueillir le consentement"))
        self.setMinimumSize(520, 340)
        intro = QLabel(tr("Demandez à {person} si elle accepte que ses données soient transmises à « {partner} » "
                          "({kind}). Cochez ce qu'elle accepte de partager.").format(
            person=person_name, partner=partner_name, kind=PartnerKind(partner_kind).label))
        intro.setWordWrap(True)
        self.scope_boxes: dict[str, QCheckBox] = {}
        scope_box = QVBoxLayout()
        for value, label in ConsentScope.choices():
            box = QCheckBox(label)
            if value == ConsentScope.IDENTITY.value:
                box.setChecked(True)
                box.setText(label + " " + tr("(indispensable à une orientation)"))
            self.scope_boxes[value] = box
            scope_box.addWidget(box)
        self.given_on = QDateEdit(_qdate(today))
        self.given_on.setCalendarPopup(True)
        self.given_on.setDisplayFormat("dd/MM/yyyy")
        self.given_on.setMaximumDate(_qdate(today))
        self.agreed = QCheckBox(tr("La personne a donné son accord (oralement ou par écrit)."))
        form = QFormLayout()
        form.addRow(tr("Partenaire"), QLabel(partner_name))
        form.addRow(tr("Données partagées"), scope_box)
        form.addRow(tr("Date de l'accord"), self.given_on)
        self.error_line = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Enregistrer le consentement"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.agreed)
        layout.addWidget(self.error_line)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def scope(self) -> list[str]:
        return [value for value, box in self.scope_boxes.items() if box.isChecked()]

    def submit(self) -> None:
        if self._busy:
            return
        if not self.agreed.isChecked():
            self.error_line.show_error(self.tr("Cochez la case d'accord de la personne : sans son accord, rien ne "
                                               "peut être transmis."))
            return
        if ConsentScope.IDENTITY.value not in self.scope():
            self.error_line.show_error(self.tr("L'identité doit être partagée pour une orientation vers une agence."))
            return
        self._busy = True
        self.buttons.setEnabled(False)
        self.error_line.show_error("")
        q = self.given_on.date()
        kind, name, partner_id = self._partner
        self._worker.submit(ops.record_consent, self._beneficiary_id, kind, name, partner_id, self.scope(),
                            date(q.year(), q.month(), q.day()), on_done=self._done, on_error=self._failed)

    def _done(self, consent_id: str) -> None:
        self._busy = False
        self.recorded.emit(consent_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.error_line.show_error(exc.message, exc.label)
        else:
            self.error_line.show_error(user_message(exc))
