"""Dialog to change the vault's passphrase: the current one, the new one twice with a strength
meter; the vault is re-encrypted on the worker (``Vault.rekey``)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from conseiller_app.domain.errors import PassphraseTooWeak, WrongPassphrase
from conseiller_app.domain.validation import check_passphrase
from conseiller_app.ui import vault_ops
from conseiller_app.ui.errors import show_error
from conseiller_app.ui.first_run import error_label, set_error
from conseiller_app.ui.progress import run_with_progress
from conseiller_app.ui.widgets.passphrase import PassphraseField, StrengthMeter
from conseiller_app.ui.worker import DbWorker


class PassphraseDialog(QDialog):
    def __init__(self, worker: DbWorker, owner_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._owner_name = owner_name
        self.setWindowTitle(self.tr("Changer la phrase de passe"))
        self.setMinimumSize(560, 380)
        self.current = PassphraseField(name=self.tr("Phrase de passe actuelle"))
        self.new = PassphraseField(self.tr("Plusieurs mots sans rapport entre eux"),
                                   name=self.tr("Nouvelle phrase de passe"))
        self.confirm = PassphraseField(name=self.tr("Confirmation de la nouvelle phrase de passe"))
        self.meter = StrengthMeter()
        self.current_error, self.new_error, self.confirm_error = error_label(), error_label(), error_label()
        self.new.textChanged.connect(self.meter.set_passphrase)
        intro = QLabel(self.tr(
            "Le coffre sera entièrement rechiffré avec la nouvelle phrase de passe. Les sauvegardes déjà faites "
            "gardent l'ancienne."))
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        form = QFormLayout()
        form.addRow(self.tr("Phrase actuelle"), self.current)
        form.addRow("", self.current_error)
        form.addRow(self.tr("Nouvelle phrase"), self.new)
        form.addRow("", self.meter)
        form.addRow("", self.new_error)
        form.addRow(self.tr("Confirmation"), self.confirm)
        form.addRow("", self.confirm_error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Changer la phrase de passe"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        ok = True
        new = self.new.text()
        if not self.current.text():
            set_error(self.current_error, self.tr("Saisissez votre phrase de passe actuelle."))
            ok = False
        else:
            set_error(self.current_error, "")
        try:
            check_passphrase(new, [self._owner_name] if self._owner_name else None)
            set_error(self.new_error, "")
        except PassphraseTooWeak as exc:
            set_error(
                self.new_error, self.tr("Cette phrase de passe est refusée :") + "\n• " + "\n• ".join(exc.reasons)
            )
            ok = False
        if ok and new == self.current.text():
            set_error(self.new_error, self.tr("La nouvelle phrase de passe doit être différente de l'actuelle."))
            ok = False
        if self.confirm.text() != new:
            set_error(self.confirm_error, self.tr("Les deux saisies ne sont pas identiques."))
            ok = False
        else:
            set_error(self.confirm_error, "")
        if not ok:
            return
        self.setEnabled(False)
        run_with_progress(self.worker, self, self.tr("Rechiffrement du coffre…"), vault_ops.change_passphrase,
                          self.current.text(), new, cancellable=False, on_done=self._done, on_error=self._failed)

    def _done(self, _result: object) -> None:
        self.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        if isinstance(exc, WrongPassphrase):
            self.current.clear()
            set_error(self.current_error, self.tr("Ce n'est pas la phrase de passe actuelle du coffre."))
        elif isinstance(exc, PassphraseTooWeak):
            set_error(self.new_error, " ".join(exc.reasons))
        else:
            show_error(self, exc, self.tr("La phrase de passe n'a pas été changée"))
