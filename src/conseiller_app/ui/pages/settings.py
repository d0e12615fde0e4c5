"""Paramètres: idle lock delay, the vault (folder, passphrase change, backup), the retention of
files (« Conservation des données »: months, dossiers à purger), the conseiller's profile and the
reference data version."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import retention as retention_rules
from conseiller_app.domain.settings import IDLE_LOCK
from conseiller_app.storage.services import owner as owner_service
from conseiller_app.storage.services import retention
from conseiller_app.storage.services.owner import OwnerCard
from conseiller_app.ui import vault_ops
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.errors import show_error, user_message
from conseiller_app.ui.pages.base import fill_with_scroll, page_header
from conseiller_app.ui.passphrase_dialog import PassphraseDialog
from conseiller_app.ui.progress import run_with_progress
from conseiller_app.ui.widgets.accessibility import announce, label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.feedback import ErrorLine
from conseiller_app.ui.widgets.formatting import reference_label
from conseiller_app.ui.worker import DbWorker, VaultLocked

if TYPE_CHECKING:  # imported when first opened
    from conseiller_app.ui.pages.retention_dialog import RetentionDialog


def _value_label() -> QLabel:
    label = QLabel()
    label.setObjectName("value")
    label.setWordWrap(True)
    return label


class SettingsPage(QWidget):
    """Emits ``idle_minutes_changed(minutes)`` once the new delay is saved in the vault."""

    idle_minutes_changed = Signal(int)
    info_changed = Signal(dict)
    files_purged = Signal(int)  # after a retention purge
    changes_made = Signal(object)  # Changes (ui/changes.py): the pages listing files reload

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.info: dict = {}
        self._locked = True
        self._loading = False

        low, high = IDLE_LOCK.low, IDLE_LOCK.high
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(low, high)
        self.idle_minutes.setSuffix(self.tr(" min"))
        self.idle_minutes.setValue(5)
        self.idle_minutes.setAccelerated(True)
        self.idle_saved = QLabel()
        self.idle_saved.setObjectName("hint")
        self._idle_debounce = QTimer(self)
        self._idle_debounce.setSingleShot(True)
        self._idle_debounce.setInterval(600)
        self._idle_debounce.timeout.connect(self.save_idle_minutes)
        self.idle_minutes.valueChanged.connect(self._idle_edited)

        low, high = retention_rules.MONTHS_RANGE
        self.retention_months = QSpinBox()
        self.retention_months.setRange(low, high)
        self.retention_months.setSuffix(self.tr(" mois"))
        self.retention_months.setValue(retention_rules.DEFAULT_MONTHS)
        self.retention_saved = QLabel()
        self.retention_saved.setObjectName("hint")
        self.retention_saved.setWordWrap(True)
        self._retention_debounce = QTimer(self)
        self._retention_debounce.setSingleShot(True)
        self._retention_debounce.setInterval(600)
        self._retention_debounce.timeout.connect(self.save_retention_months)
        self.retention_months.valueChanged.connect(self._retention_edited)
        self.show_purge = QPushButton(self.tr("Voir les dossiers à purger…"))
        self.show_purge.clicked.connect(self.open_retention_dialog)
        self.retention_dialog: RetentionDialog | None = None

        self.folder = _value_label()
        self.open_folder = QPushButton(self.tr("Ouvrir le dossier"))
        self.open_folder.clicked.connect(self._open_folder)
        self.change_passphrase = QPushButton(self.tr("Changer la phrase de passe…"))
        self.change_passphrase.clicked.connect(self.ask_passphrase_change)
        self.backup = QPushButton(self.tr("Faire une sauvegarde…"))
        self.backup.clicked.connect(self.ask_backup)
        self.vault_status = QLabel()
        self.vault_status.setObjectName("success")
        self.vault_status.setWordWrap(True)
        self.vault_status.hide()
        self.last_backup: str | None = None
        # The conseiller's card, editable: printed on the fiche de liaison (phone, e-mail).
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.territory = QComboBox()
        self.office = QLineEdit()
        self.office.setMaxLength(120)
        self.office.setPlaceholderText(self.tr("ex. MDS Arras"))
        self.phone = QLineEdit()
        self.phone.setMaxLength(20)
        self.phone.setPlaceholderText(self.tr("ex. 03 21 00 00 00"))
        self.email = QLineEdit()
        self.email.setMaxLength(200)
        self.email.setPlaceholderText(self.tr("prenom.nom@pasdecalais.fr"))
        self.profile_save = QPushButton(self.tr("Enregistrer mes coordonnées"))
        self.profile_save.clicked.connect(self.save_profile)
        self.profile_status = QLabel()
        self.profile_status.setWordWrap(True)
        self.profile_error = ErrorLine()
        for edit in (self.name, self.office, self.phone, self.email):
            edit.returnPressed.connect(self.save_profile)
        self.reference_version = _value_label()

        idle_row = QHBoxLayout()
        idle_row.addWidget(self.idle_minutes)
        idle_row.addWidget(self.idle_saved, 1)
        lock_card, lock_form = self._card(self.tr("Verrouillage"))
        lock_form.addRow(self.tr("Verrouiller après"), idle_row)
        lock_hint = QLabel(self.tr(
            "Sans activité au clavier ou à la souris pendant ce temps, le coffre se ferme et l'écran de "
            "déverrouillage s'affiche (de 1 à 60 minutes). Vous pouvez aussi verrouiller à tout moment avec Ctrl+L."))
        lock_hint.setWordWrap(True)
        lock_hint.setObjectName("hint")
        lock_form.addRow(lock_hint)

        vault_card, vault_form = self._card(self.tr("Coffre"))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.open_folder)
        vault_form.addRow(self.tr("Dossier"), folder_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.change_passphrase)
        buttons.addWidget(self.backup)
        buttons.addStretch(1)
        vault_form.addRow(buttons)
        vault_form.addRow(self.vault_status)
        backup_hint = QLabel(self.tr(
            "Une sauvegarde est une copie chiffrée du coffre, qui s'ouvre avec la même phrase de passe. "
            "Rangez-la sur une clé USB ou un lecteur réseau du Département."))
        backup_hint.setWordWrap(True)
        backup_hint.setObjectName("hint")
        vault_form.addRow(backup_hint)

        retention_card, retention_form = self._card(self.tr("Conservation des données"))
        retention_row = QHBoxLayout()
        retention_row.addWidget(self.retention_months)
        retention_row.addWidget(self.retention_saved, 1)
        retention_form.addRow(self.tr("Conserver les dossiers"), retention_row)
        retention_hint = QLabel(self.tr(
            "Un dossier est purgé quand son dernier contact (contact, étape réalisée, présence à une session, "
            "nouvelle d'une orientation) date de plus longtemps que cette durée (de 1 à 36 mois, 24 par défaut). "
            "Rien n'est purgé sans votre accord : la liste des dossiers concernés s'affiche d'abord."))
        retention_hint.setWordWrap(True)
        retention_hint.setObjectName("hint")
        retention_form.addRow(retention_hint)
        purge_row = QHBoxLayout()
        purge_row.addWidget(self.show_purge)
        purge_row.addStretch(1)
        retention_form.addRow(purge_row)

        profile_card, profile_form = self._card(self.tr("Conseiller·ère"))
        label_layout_rows(lock_form)
        label_layout_rows(retention_form)
        profile_form.addRow(self.tr("Nom"), self.name)
        profile_form.addRow(self.tr("Territoire"), self.territory)
        profile_form.addRow(self.tr("Bureau"), self.office)
        profile_form.addRow(self.tr("Téléphone"), self.phone)
        profile_form.addRow(self.tr("E-mail"), self.email)
        profile_hint = QLabel(self.tr("Votre téléphone et votre e-mail figurent sur les fiches de liaison, pour que "
                                      "l'agence puisse vous joindre."))
        profile_hint.setWordWrap(True)
        profile_hint.setObjectName("hint")
        profile_form.addRow(profile_hint)
        save_row = QHBoxLayout()
        save_row.addWidget(self.profile_save)
        save_row.addWidget(self.profile_status, 1)
        profile_form.addRow(save_row)
        profile_form.addRow(self.profile_error)

        ref_card, ref_form = self._card(self.tr("Données de référence"))
        ref_form.addRow(self.tr("Version"), self.reference_version)
        ref_hint = QLabel(self.tr(
            "Territoires, communes, métiers, dispositifs et agences. Les mises à jour viendront de la Mission "
            "Insertion par l'Emploi avec la synchronisation."))
        ref_hint.setWordWrap(True)
        ref_hint.setObjectName("hint")
        ref_form.addRow(ref_hint)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(page_header(self.tr("Paramètres")))
        for card in (lock_card, vault_card, retention_card, profile_card, ref_card):
            layout.addWidget(card)
        layout.addStretch(1)
        fill_with_scroll(self, content)

    @staticmethod
    def _card(title: str) -> tuple[QFrame, QFormLayout]:
        card = QFrame()
        card.setObjectName("card")
        box = QVBoxLayout(card)
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        box.addWidget(heading)
        form = QFormLayout()
        box.addLayout(form)
        return card, form

    # --- page hooks ----------------------------------------------------------------------------

    def vault_opened(self) -> None:
        self.unlock()

    def unlock(self) -> None:
        self._locked = False
        self.worker.submit(vault_ops.vault_info, on_done=self.show_info, on_error=self._load_failed)
        self.worker.submit(owner_service.get, on_done=self._show_contact, on_error=self._load_failed)
        self.worker.submit(retention.months, on_done=self.show_retention_months, on_error=self._retention_failed)

    def lock(self) -> None:
        self._locked = True
        self._idle_debounce.stop()
        self._retention_debounce.stop()
        if self.retention_dialog is not None:
            self.retention_dialog.close()
            self.retention_dialog.deleteLater()
            self.retention_dialog = None
        self.info = {}
        for label in (self.folder, self.name, self.office, self.phone, self.email, self.reference_version,
                      self.idle_saved, self.vault_status, self.retention_saved, self.profile_status):
            label.clear()
        self.vault_status.hide()

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.idle_saved.setText(user_message(exc))

    def show_info(self, info: dict) -> None:
        if self._locked:
            return
        self.info = dict(info)
        self._loading = True
        self.idle_minutes.setValue(int(info["idle_lock_minutes"]))
        self._loading = False
        self.folder.setText(info["data_dir"])
        self.name.setText(info["name"])
        self.territory.clear()
        for code, label in info.get("territories") or [(info["territory"], info["territory_name"])]:
            self.territory.addItem(label, code)
        self.territory.setCurrentIndex(max(self.territory.findData(info["territory"]), 0))
        self.office.setText(info["office"] or "")
        self.reference_version.setText(reference_label(info["reference_version"]))
        self.info_changed.emit(self.info)

    # --- the conseiller's card -----------------------------------------------------------------

    def _show_contact(self, card: OwnerCard) -> None:
        if not self._locked:
            self.phone.setText(card.phone)
            self.email.setText(card.email)

    def save_profile(self) -> None:
        if self._locked:
            return
        self.profile_error.show_error("")
        self.profile_status.clear()
        data = {"name": self.name.text(), "territory": self.territory.currentData(), "office": self.office.text(),
                "phone": self.phone.text(), "email": self.email.text()}
        self.worker.submit(owner_service.update, data, on_done=self._profile_saved, on_error=self._profile_failed)

    def _profile_saved(self, card: OwnerCard) -> None:
        self._show_contact(card)
        self.name.setText(card.name)
        self.office.setText(card.office)
        self.profile_status.setText(self.tr("Enregistré."))
        announce(self.profile_status, self.profile_status.text())
        self.info.update(name=card.name, territory=card.territory, office=card.office,
                         territory_name=self.territory.currentText())
        self.info_changed.emit(self.info)

    def _profile_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.profile_error.show_failure(exc)

    # --- idle lock -----------------------------------------------------------------------------

    def _idle_edited(self, _value: int) -> None:
        if self._loading or self._locked:
            return
        self.idle_saved.setText("")
        self._idle_debounce.start()

    def save_idle_minutes(self) -> None:
        self._idle_debounce.stop()
        minutes = self.idle_minutes.value()
        self.worker.submit(vault_ops.set_idle_lock_minutes, minutes, on_done=self._idle_saved,
                           on_error=self._load_failed)

    def _idle_saved(self, minutes: int) -> None:
        self.info["idle_lock_minutes"] = minutes
        self.idle_saved.setText(self.tr("Enregistré : verrouillage après {n} min sans activité.").format(n=minutes))
        self.idle_minutes_changed.emit(minutes)
        self.changes_made.emit(Changes.of(Kind.SETTINGS, origin=self))

    # --- retention -----------------------------------------------------------------------------

    def show_retention_months(self, months: int) -> None:
        if self._locked:
            return
        self._loading = True
        self.retention_months.setValue(months)
        self._loading = False

    def _retention_edited(self, _value: int) -> None:
        if self._loading or self._locked:
            return
        self.retention_saved.setText("")
        self._retention_debounce.start()

    def save_retention_months(self) -> None:
        self._retention_debounce.stop()
        self.worker.submit(retention.set_months, self.retention_months.value(), on_done=self._retention_months_saved,
                           on_error=self._retention_failed)

    def _retention_months_saved(self, months: int) -> None:
        self.retention_saved.setText(self.tr("Enregistré : dossiers conservés {n} mois après le dernier contact.")
                                     .format(n=months))

    def _retention_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLocked):
            self.retention_saved.setText(user_message(exc))

    def open_retention_dialog(self) -> None:
        from conseiller_app.ui.pages.retention_dialog import RetentionDialog

        if self._retention_debounce.isActive():
            self.save_retention_months()  # the list uses the value on screen
        if self.retention_dialog is None:
            self.retention_dialog = RetentionDialog(self.worker, self.window())
            self.retention_dialog.purged.connect(self.files_purged)
            self.retention_dialog.purged.connect(lambda _n: self.changes_made.emit(Changes.of(Kind.FILES)))
        self.retention_dialog.load()
        self.retention_dialog.open()

    # --- vault actions -------------------------------------------------------------------------

    def _set_vault_status(self, text: str) -> None:
        self.vault_status.setText(text)
        self.vault_status.setVisible(bool(text))

    def _open_folder(self) -> None:
        if self.info.get("data_dir"):
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.info["data_dir"]))

    def ask_passphrase_change(self) -> None:
        self.passphrase_dialog = PassphraseDialog(self.worker, self.info.get("name", ""), self.window())
        self.passphrase_dialog.accepted.connect(lambda: self._set_vault_status(self.tr(
            "La phrase de passe a été changée : elle vous sera demandée au prochain déverrouillage.")))
        self.passphrase_dialog.finished.connect(self.passphrase_dialog.deleteLater)
        self.passphrase_dialog.open()

    def choose_backup_path(self) -> Path | None:
        default = Path.home() / f"sauvegarde-coffre-{date.today():%Y-%m-%d}.db"
        path, _filter = QFileDialog.getSaveFileName(
            self.window(), self.tr("Enregistrer une sauvegarde du coffre"), str(default),
            self.tr("Sauvegarde de coffre (*.db)"))
        return Path(path) if path else None

    def ask_backup(self) -> None:
        target = self.choose_backup_path()
        if target is None:
            return
        if target.suffix.lower() != ".db":
            target = target.with_name(target.name + ".db")
        self.backup.setEnabled(False)
        run_with_progress(self.worker, self.window(), self.tr("Sauvegarde du coffre…"), vault_ops.backup_to, target,
                          cancellable=False, on_done=self._backup_done, on_error=self._backup_failed)

    def _backup_done(self, path: str) -> None:
        self.backup.setEnabled(True)
        self.last_backup = path
        self._set_vault_status(self.tr("Sauvegarde chiffrée enregistrée : {path}").format(path=path))

    def _backup_failed(self, exc: BaseException) -> None:
        self.backup.setEnabled(True)
        show_error(self.window(), exc, self.tr("La sauvegarde a échoué"))
