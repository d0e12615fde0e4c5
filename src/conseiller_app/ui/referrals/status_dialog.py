"""Change a referral's status, with its date and, when refused, the reason from the list (and
the result when closing). Only the moves allowed from the current status are offered."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import ReferralStatus, RefusalReason
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.referral import TRANSITIONS, ConsentRequired
from conseiller_app.storage.services.referrals import ReferralRow
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.referrals.consent_dialog import ConsentDialog, ask_consent_after_refusal
from conseiller_app.ui.widgets.choices import fill_combo
from conseiller_app.ui.widgets.feedback import ErrorLine
from conseiller_app.ui.widgets.formatting import fr_date

RS = ReferralStatus


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class StatusDialog(QDialog):
    """Emits ``changed(result)`` (with the fresh ``row``) once written. Sending needs a valid
    consent: when it is missing or was withdrawn, the dialog offers to record it, then retries."""

    changed = Signal(object)  # ops.StatusResult

    def __init__(self, worker, row: ReferralRow, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.row = row
        self._busy = False
        tr = self.tr
        current = RS(row.status)
        self.setWindowTitle(tr("Changer le statut — {ref}").format(ref=row.reference))
        self.setMinimumSize(500, 320)
        intro = QLabel(tr("{name} — {agency}\nStatut actuel : {status} depuis le {date}.").format(
            name=row.name, agency=row.agency, status=current.label, date=fr_date(row.status_date)))
        intro.setWordWrap(True)
        self.status = QComboBox()
        fill_combo(self.status, [(s.value, s.label) for s in TRANSITIONS[current]])
        self.status.currentIndexChanged.connect(self._status_changed)
        self.on = QDateEdit(_qdate(today))
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("dd/MM/yyyy")
        self.on.setMinimumDate(_qdate(row.status_date))
        self.on.setMaximumDate(_qdate(today))
        self.reason = QComboBox()
        fill_combo(self.reason, RefusalReason.choices(), tr("— choisir le motif —"))
        self.reason_label = QLabel(tr("Motif du refus"))
        self.result_edit = QLineEdit()
        self.result_edit.setMaxLength(200)
        self.result_edit.setPlaceholderText(tr("Ex. : CDI chez le client, formation qualifiante…"))
        self.result_label = QLabel(tr("Résultat"))
        form = QFormLayout()
        form.addRow(tr("Nouveau statut"), self.status)
        form.addRow(tr("Date"), self.on)
        form.addRow(self.reason_label, self.reason)
        form.addRow(self.result_label, self.result_edit)
        self.reason_label.setBuddy(self.reason)
        self.result_label.setBuddy(self.result_edit)
        self.error_line = ErrorLine()
        self._today = today
        self.last_refusal: ConsentRequired | None = None
        self.consent_dialog: ConsentDialog | None = None
        self.consent_button = QPushButton(tr("Enregistrer son consentement…"))
        self.consent_button.clicked.connect(self.ask_consent)
        self.consent_button.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.consent_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.consent_button.hide()  # the button box shows what it is given
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Enregistrer"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_line)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._status_changed()

    def choose(self, status: str) -> None:
        self.status.setCurrentIndex(self.status.findData(status))

    def _status_changed(self) -> None:
        status = self.status.currentData()
        refused = status == RS.REFUSED.value
        self.reason.setVisible(refused)
        self.reason_label.setVisible(refused)
        closing = status == RS.CLOSED.value
        self.result_label.setText(self.tr("Résultat") if closing else self.tr("Résultat (facultatif)"))
        self.error_line.show_error("")

    def submit(self) -> None:
        if self._busy or self.status.currentData() is None:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        self.error_line.show_error("")
        q = self.on.date()
        status = self.status.currentData()
        self._worker.submit(ops.set_status, self.row.id, status, date(q.year(), q.month(), q.day()),
                            self.reason.currentData() if status == RS.REFUSED.value else None,
                            self.result_edit.text() or None, on_done=self._done, on_error=self._failed)

    def _done(self, result: ops.StatusResult) -> None:
        self._busy = False
        self.changed.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ConsentRequired):
            self.last_refusal = exc
            self.error_line.show_error(self.tr(
                "Envoi impossible : le consentement de la personne au partage de ses données avec « {agency} » "
                "manque ou a été retiré. Si elle est d'accord, enregistrez-le ; l'envoi se fera juste après.")
                .format(agency=exc.partner_name))
            self.consent_button.show()
        elif isinstance(exc, ValidationError):
            self.error_line.show_error(exc.message, exc.label)
        else:
            self.error_line.show_error(user_message(exc))

    def ask_consent(self) -> ConsentDialog | None:
        exc = self.last_refusal
        if exc is None:
            return None
        return ask_consent_after_refusal(self, self._worker, exc, self.row.beneficiary_id, self.row.name,
                                         self._today)

    def _consent_recorded(self, _consent_id: str) -> None:
        self.last_refusal = None
        self.consent_button.hide()
        self.submit()
