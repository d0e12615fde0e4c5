"""« Synchronisation »: what waits to be sent, the last exchanges with the central office, this
device's identity, enrollment, export to a folder or USB key, import of the central office's
bundles and their history. Every operation goes through the database worker (``ops``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.errors import AppError
from conseiller_app.sync.export import ExportedBundle
from conseiller_app.sync.importer import ConfirmedBundle, ImportedBundle
from conseiller_app.sync.network import Pulled, Pushed
from conseiller_app.sync.service import Enrolled, EnrollmentInfo, SyncStatus
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.pages.base import fill_with_scroll, page_header
from conseiller_app.ui.progress import ProgressRun, run_with_progress
from conseiller_app.ui.sync_page import ops
from conseiller_app.ui.sync_page.enroll_dialog import EnrollDialog
from conseiller_app.ui.sync_page.exchange import Exchange
from conseiller_app.ui.sync_page.history import HistoryModel
from conseiller_app.ui.sync_page.when import days_ago, stamp
from conseiller_app.ui.sync_page.widgets import Banner, Tile, fingerprint_label
from conseiller_app.ui.widgets.accessibility import table
from conseiller_app.ui.widgets.formatting import plural, reference_label
from conseiller_app.ui.worker import DbWorker, VaultLocked


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    box = QVBoxLayout(card)
    box.setContentsMargins(16, 12, 16, 14)
    box.setSpacing(8)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    box.addWidget(heading)
    return card, box


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class SyncPage(QWidget):
    """Page hooks: ``vault_opened``/``unlock`` load the status, ``page_shown`` refreshes it,
    ``lock`` clears everything (the device id and dates say who worked when)."""

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.status: SyncStatus | None = None
        self.last_export: ExportedBundle | None = None
        self.last_import: ImportedBundle | None = None
        self.enroll_dialog: EnrollDialog | None = None
        self._locked = True
        self._busy = False
        self._generation = 0  # results of work started before a lock are dropped
        self._run: ProgressRun | None = None
        # One remembered folder per use: the enrollment file sits in the central office's keys
        # folder, which is no place to write bundles to.
        self._folders = {"enroll": str(Path.home()), "export": str(Path.home()), "import": str(Path.home())}
        self._auto_loaded = False

        # Banners: demo vault, acknowledgment overdue, outcome of the last action.
        self.demo_banner = Banner("info")
        self.overdue_banner = Banner("warning")
        self.overdue_export = self.overdue_banner.add_button(self.tr("Exporter vers…"), self.ask_export)
        self.result_banner = Banner("success")

        # Enrollment (only while the central office's keys are not pinned).
        self.enroll_card, enroll_box = _card(self.tr("Ce poste n'est pas encore inscrit auprès du siège"))
        enroll_box.addWidget(_hint(self.tr(
            "Avant le premier envoi, ce poste doit connaître les clés du siège (Mission Insertion par l'Emploi) : "
            "ainsi vos paquets ne peuvent être lus que par lui, et vous ne pouvez recevoir que ses paquets. "
            "Le siège vous remet un fichier d'inscription (« inscription-siege.json ») ; gardez son numéro de "
            "téléphone à portée de main pour comparer l'empreinte.")))
        self.enroll_button = QPushButton(self.tr("Inscrire ce poste auprès du siège…"))
        self.enroll_button.setObjectName("primary")
        self.enroll_button.clicked.connect(self.ask_enroll)
        enroll_row = QHBoxLayout()
        enroll_row.addWidget(self.enroll_button)
        enroll_row.addStretch(1)
        enroll_box.addLayout(enroll_row)
        self.enroll_card.hide()

        # Figures.
        self.waiting_tile = Tile(self.tr("En attente d'envoi"))
        self.export_tile = Tile(self.tr("Dernier export"))
        self.ack_tile = Tile(self.tr("Dernier accusé de réception"))
        self.import_tile = Tile(self.tr("Dernier paquet du siège"))
        self.tiles = QGridLayout()
        self.tiles.setSpacing(12)
        self._tile_columns = 0
        self._arrange_tiles(4)

        # Actions.
        actions_card, actions_box = _card(self.tr("Échanger avec le siège"))
        self.export_button = QPushButton(self.tr("Exporter vers…"))
        self.export_button.setObjectName("primary")
        self.export_button.setToolTip(self.tr("Écrire un paquet chiffré dans un dossier ou sur une clé USB"))
        self.export_button.clicked.connect(self.ask_export)
        self.import_button = QPushButton(self.tr("Importer un paquet du siège…"))
        self.import_button.clicked.connect(self.ask_import)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        actions_box.addLayout(buttons)
        self.actions_hint = _hint()
        actions_box.addWidget(self.actions_hint)

        # Over the network, when the enrollment file named the central office's service.
        self.exchange = Exchange(worker, self)
        self.exchange.state_changed.connect(self._show_exchange_state)
        self.exchange.finished.connect(self._exchanged)
        self.exchange.failed.connect(lambda title, message: self.result_banner.show_message(title, message, "error"))
        self.network_box = QWidget()
        net = QVBoxLayout(self.network_box)
        net.setContentsMargins(0, 8, 0, 0)
        self.push_button = QPushButton(self.tr("Envoyer au siège"))
        self.push_button.setToolTip(self.tr("Envoyer par le réseau un paquet chiffré de vos changements"))
        self.push_button.clicked.connect(lambda: self.exchange.push())
        self.pull_button = QPushButton(self.tr("Recevoir du siège"))
        self.pull_button.setToolTip(self.tr("Recevoir par le réseau le dernier paquet du siège"))
        self.pull_button.clicked.connect(lambda: self.exchange.pull())
        self.exchange_state = QLabel()
        self.exchange_state.setAccessibleName(self.tr("État de l'échange avec le siège"))
        self.exchange_progress = QProgressBar()
        self.exchange_progress.setRange(0, 0)  # busy: no measurable progress over the network
        self.exchange_progress.setMaximumWidth(120)
        self.exchange_progress.setTextVisible(False)
        self.exchange_progress.hide()
        row = QHBoxLayout()
        for w in (self.push_button, self.pull_button, self.exchange_progress, self.exchange_state):
            row.addWidget(w)
        row.addStretch(1)
        net.addLayout(row)
        auto_row = QHBoxLayout()
        self.auto_check = QCheckBox(self.tr("Échanger automatiquement avec le siège, toutes les"))
        self.auto_minutes = QSpinBox()
        self.auto_minutes.setRange(5, 24 * 60)
        self.auto_minutes.setValue(30)
        self.auto_minutes.setSuffix(self.tr(" minutes"))
        self.auto_minutes.setAccessibleName(self.tr("Intervalle des échanges automatiques"))
        self.auto_check.toggled.connect(self._auto_changed)
        self.auto_minutes.editingFinished.connect(self._auto_changed)
        auto_row.addWidget(self.auto_check)
        auto_row.addWidget(self.auto_minutes)
        auto_row.addStretch(1)
        net.addLayout(auto_row)
        self.network_hint = _hint()
        net.addWidget(self.network_hint)
        actions_box.addWidget(self.network_box)
        self.network_box.hide()

        # Identity of this device and of the central office.
        identity_card, identity_box = _card(self.tr("Ce poste et le siège"))
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(6)
        self.device_id = fingerprint_label()
        self.device_fingerprint = fingerprint_label()
        self.central = QLabel()
        self.central.setWordWrap(True)
        self.central_fingerprint = fingerprint_label()
        self.reference_version = QLabel()
        form.addRow(self.tr("Identifiant du poste"), self.device_id)
        form.addRow(self.tr("Empreinte du poste"), self.device_fingerprint)
        form.addRow(self.tr("Siège"), self.central)
        form.addRow(self.tr("Empreinte du siège"), self.central_fingerprint)
        form.addRow(self.tr("Données de référence"), self.reference_version)
        identity_box.addLayout(form)
        self.replace_button = QPushButton(self.tr("Changer de siège…"))
        self.replace_button.setToolTip(self.tr("Remplacer les clés du siège (seulement à sa demande)"))
        self.replace_button.clicked.connect(self.ask_enroll)
        self.replace_button.hide()
        replace_row = QHBoxLayout()
        replace_row.addWidget(_hint(self.tr(
            "Le siège vérifie l'empreinte du poste avant d'accepter son premier paquet : lisez-la-lui si "
            "il vous la demande.")), 1)
        replace_row.addWidget(self.replace_button, 0, Qt.AlignmentFlag.AlignBottom)
        identity_box.addLayout(replace_row)

        # History.
        history_card, history_box = _card(self.tr("Historique des paquets"))
        self.history = HistoryModel(self)
        self.history_view = QTableView()
        table(self.history_view, self.tr("Historique des échanges"),
              self.tr("Les paquets envoyés au siège et reçus de lui, le plus récent d'abord, avec leur état."))
        self.history_view.setModel(self.history)
        self.history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_view.setAlternatingRowColors(True)
        self.history_view.setShowGrid(False)
        self.history_view.setWordWrap(False)
        self.history_view.verticalHeader().hide()
        self.history_view.verticalHeader().setDefaultSectionSize(28)
        header = self.history_view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 50, 140, 300)):
            self.history_view.setColumnWidth(column, width)
        self.history_view.setMinimumHeight(200)
        self.history_empty = _hint(self.tr("Aucun paquet envoyé ni reçu pour l'instant."))
        history_box.addWidget(self.history_view)
        history_box.addWidget(self.history_empty)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(page_header(self.tr("Synchronisation"), self.tr(
            "Vos changements partent vers le siège dans un paquet chiffré et signé (dossier partagé ou clé USB) ; "
            "le siège renvoie ses accusés de réception, le calendrier des sessions et les données de référence.")))
        for widget in (self.demo_banner, self.overdue_banner, self.result_banner, self.enroll_card):
            layout.addWidget(widget)
        layout.addLayout(self.tiles)
        for widget in (actions_card, identity_card, history_card):
            layout.addWidget(widget)
        layout.addStretch(1)
        fill_with_scroll(self, content)
        self._update_actions()

    def _arrange_tiles(self, columns: int) -> None:
        """Four figures in a row, or two rows of two in a narrow window."""
        if columns == self._tile_columns:
            return
        self._tile_columns = columns
        tiles = (self.waiting_tile, self.export_tile, self.ack_tile, self.import_tile)
        for tile in tiles:
            self.tiles.removeWidget(tile)
        for i, tile in enumerate(tiles):
            self.tiles.addWidget(tile, i // columns, i % columns)
        for column in range(4):
            self.tiles.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._arrange_tiles(4 if event.size().width() >= 900 else 2)
        super().resizeEvent(event)

    # --- page hooks ----------------------------------------------------------------------------

    def vault_opened(self) -> None:
        self.unlock()

    def unlock(self) -> None:
        self._locked = False
        self.refresh()

    def page_shown(self) -> None:
        if not self._locked:
            self.refresh()

    def lock(self) -> None:
        self._locked = True
        self._generation += 1
        self.exchange.stop()
        self.exchange.set_auto(0)
        self._auto_loaded = False
        self._busy = False
        self.status = self.last_export = self.last_import = None
        if self.enroll_dialog is not None:
            self.enroll_dialog.reject()
        for banner in (self.demo_banner, self.overdue_banner, self.result_banner):
            banner.clear()
        for tile in (self.waiting_tile, self.export_tile, self.ack_tile, self.import_tile):
            tile.clear()
        for label in (self.device_id, self.device_fingerprint, self.central, self.central_fingerprint,
                      self.reference_version, self.actions_hint):
            label.clear()
        self.history.clear()
        self.enroll_card.hide()
        self._update_actions()

    # --- status --------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self._locked:
            return
        generation = self._generation
        self.worker.submit(ops.load_status, on_done=lambda st: self._show_status(st, generation),
                           on_error=lambda exc: self._status_failed(exc, generation))

    def _current(self, generation: int) -> bool:
        return not self._locked and generation == self._generation

    def _status_failed(self, exc: BaseException, generation: int) -> None:
        if self._current(generation) and not isinstance(exc, VaultLocked):
            self.result_banner.show_message(self.tr("L'état de la synchronisation n'a pas pu être lu"),
                                            user_message(exc), "error")

    def _show_status(self, st: SyncStatus, generation: int) -> None:
        if not self._current(generation):
            return
        self.status = st
        today = st.today
        if st.demo:
            self.demo_banner.show_message(
                self.tr("Coffre de démonstration : à utiliser avec un siège de formation"),
                self.tr("Ce coffre contient des personnes fictives, créées pour découvrir l'application et pour "
                        "les formations. Il ne peut être inscrit qu'auprès d'un siège de formation (données "
                        "fictives), le seul qui accepte ses paquets ; le siège réel les refuse. Pour travailler "
                        "sur de vrais dossiers, créez un nouveau coffre (sans données de démonstration)."))
        else:
            self.demo_banner.clear()
        if st.ack_overdue:
            waiting_text = (self.tr("1 changement attend") if st.changes_waiting == 1 else
                            self.tr("{n} changements attendent").format(n=st.changes_waiting))
            self.overdue_banner.show_message(
                "\u26a0 " + self.tr("Rien n'a été confirmé par le siège depuis {days} jours").format(
                    days=st.days_without_ack),
                self.tr("{waiting} sur ce poste et le siège n'a rien confirmé depuis plus de {limit} jours : tant "
                        "qu'il ne les a pas reçus, ils n'existent que sur cet ordinateur. Exportez un paquet, "
                        "faites-le parvenir au siège, puis importez sa réponse.").format(
                    waiting=waiting_text, limit=st.ack_warning_days))
        else:
            self.overdue_banner.clear()

        waiting = st.changes_waiting
        if not waiting:
            detail = self.tr("tout a été reçu par le siège")
        else:
            detail = self.tr("changement à envoyer au siège") if waiting == 1 else \
                self.tr("changements à envoyer au siège")
        self.waiting_tile.set(str(waiting), detail, warn=st.ack_overdue)
        self.export_tile.set(*self._when(st.last_export_at, today))
        self.ack_tile.set(*self._when(st.last_ack_at, today), warn=st.ack_overdue)
        self.import_tile.set(*self._when(st.last_import_at, today))

        self.enroll_card.setVisible(not st.enrolled)
        self.replace_button.setVisible(st.enrolled)
        self.device_id.setText(st.device_id)
        self.device_fingerprint.setText(st.device_fingerprint)
        if st.enrolled:
            self.central.setText(self.tr("{name} — clés enregistrées dans ce coffre").format(name=st.central_name))
            self.central_fingerprint.setText(st.central_fingerprint or "—")
        else:
            self.central.setText(self.tr("pas encore inscrit : les clés du siège ne sont pas enregistrées"))
            self.central_fingerprint.setText("—")
        self.reference_version.setText(reference_label(st.reference_label))
        networked = bool(st.enrolled and st.central_url)
        self.network_box.setVisible(networked)
        if networked and self.exchange.auto_minutes == 0 and not self._auto_loaded:
            self._auto_loaded = True
            self.worker.submit(ops.auto_minutes, on_done=lambda m: self._show_auto(m, generation))
        self.network_hint.setText(self.tr(
            "Par le réseau ({url}) : le même paquet chiffré et signé que sur une clé USB. Sans connexion, rien "
            "n'est perdu : l'échange est refait plus tard.").format(url=st.central_url or ""))
        self.history.set_rows(st.history)
        self.history_view.setVisible(bool(st.history))
        self.history_empty.setVisible(not st.history)
        self._update_actions()

    def _when(self, value, today) -> tuple[str, str]:
        if value is None:
            return self.tr("jamais"), ""
        days = days_ago(value, today)
        if days is None or days <= 0:
            ago = self.tr("aujourd'hui")
        elif days == 1:
            ago = self.tr("hier")
        else:
            ago = self.tr("il y a {n} jours").format(n=days)
        day, time = stamp(value).split(" ")
        return day, self.tr("{ago}, à {time}").format(ago=ago, time=time)

    def _update_actions(self) -> None:
        st = self.status
        ready = st is not None and not self._busy
        enrolled = bool(st and st.enrolled)
        demo = bool(st and st.demo)
        self.export_button.setEnabled(ready and enrolled)
        self.overdue_export.setEnabled(ready and enrolled)
        self.import_button.setEnabled(ready and enrolled)
        self.enroll_button.setEnabled(ready)
        exchanging = self.exchange.busy
        self.push_button.setEnabled(ready and enrolled and not exchanging)
        self.pull_button.setEnabled(ready and enrolled and not exchanging)
        self.replace_button.setEnabled(ready)
        if st is None:
            self.actions_hint.clear()
        elif demo and not enrolled:
            self.actions_hint.setText(self.tr("Inscrivez d'abord ce coffre de démonstration auprès d'un siège de "
                                              "formation (ci-dessus) : le siège réel refuse ses paquets."))
        elif not enrolled:
            self.actions_hint.setText(self.tr("Inscrivez d'abord ce poste auprès du siège (ci-dessus)."))
        else:
            self.actions_hint.setText(self.tr(
                "Le paquet reprend tout ce que le siège n'a pas encore confirmé : un paquet perdu ne perd rien, "
                "le suivant le remplace. Il est chiffré pour le siège seul et son nom ne contient que "
                "l'identifiant du poste et un numéro."))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_actions()

    # --- network exchange ----------------------------------------------------------------------

    def _show_exchange_state(self, text: str, kind: str) -> None:
        self.exchange_state.setText(text)
        self.exchange_progress.setVisible(kind == "busy")
        colours = {"ok": "#1e4d2b", "offline": "#5a3a00", "error": "#7a1c15"}
        self.exchange_state.setStyleSheet(f"color: {colours[kind]}; font-weight: bold;" if kind in colours else "")
        self._update_actions()

    def _exchanged(self, what: str, result: Pushed | Pulled) -> None:
        if isinstance(result, Pushed) and result.quarantine:
            self.result_banner.show_message(self.tr("Paquet reçu par le siège, en attente d'approbation"),
                                            result.message, "info")
        self.refresh()

    def _show_auto(self, minutes: int, generation: int) -> None:
        if not self._current(generation):
            return
        self.auto_check.blockSignals(True)
        self.auto_check.setChecked(minutes > 0)
        self.auto_check.blockSignals(False)
        if minutes > 0:
            self.auto_minutes.setValue(minutes)
        self.exchange.set_auto(minutes)

    def _auto_changed(self) -> None:
        minutes = self.auto_minutes.value() if self.auto_check.isChecked() else 0
        self.exchange.set_auto(minutes)
        self.worker.submit(ops.set_auto_minutes, minutes)

    # --- enrollment ----------------------------------------------------------------------------

    def ask_enroll(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.window(), self.tr("Fichier d'inscription du siège"), self._folders["enroll"],
            self.tr("Fichier d'inscription (*.json);;Tous les fichiers (*)"))
        if path:
            self.enroll_from(Path(path))

    def enroll_from(self, path: Path) -> None:
        """Read the enrollment file, then ask for the fingerprint comparison."""
        self._folders["enroll"] = str(Path(path).parent)
        generation = self._generation
        self._set_busy(True)
        self.worker.submit(ops.read_enrollment, path, needs_vault=False,
                           on_done=lambda info: self._confirm_enroll(path, info, generation),
                           on_error=lambda exc: self._failed(exc, generation, self.tr("Inscription impossible")))

    def _confirm_enroll(self, path: Path, info: EnrollmentInfo, generation: int) -> None:
        if not self._current(generation):
            return
        self._set_busy(False)
        st = self.status
        replacing = st.central_name if st is not None and st.enrolled else None
        dialog = EnrollDialog(info, replacing, self.window())
        self.enroll_dialog = dialog
        dialog.accepted.connect(lambda: self._enroll(path, info, bool(replacing), generation))
        dialog.finished.connect(self._enroll_dialog_closed)
        dialog.open()

    def _enroll_dialog_closed(self) -> None:
        if self.enroll_dialog is not None:
            self.enroll_dialog.deleteLater()
            self.enroll_dialog = None

    def _enroll(self, path: Path, info: EnrollmentInfo, replace: bool, generation: int) -> None:
        if not self._current(generation):
            return
        self._set_busy(True)
        self.worker.submit(ops.enroll, path, info.fingerprint_full, replace,
                           on_done=lambda result: self._enrolled(result, generation),
                           on_error=lambda exc: self._failed(exc, generation, self.tr("Inscription impossible")))

    def _enrolled(self, result: Enrolled, generation: int) -> None:
        if not self._current(generation):
            return
        self._set_busy(False)
        self.result_banner.show_message(
            self.tr("Poste inscrit auprès de « {name} »").format(name=result.name),
            self.tr("Les clés du siège sont enregistrées dans le coffre. Vous pouvez maintenant exporter un premier "
                    "paquet. Le siège vous demandera peut-être l'empreinte de ce poste : {fp}.").format(
                fp=result.device_fingerprint), "success")
        self.refresh()

    # --- export --------------------------------------------------------------------------------

    def ask_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window(), self.tr("Exporter vers… (dossier ou clé USB)"), self._folders["export"])
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        self._folders["export"] = str(folder)
        generation = self._generation
        outcome: dict[str, ExportedBundle] = {}
        self._set_busy(True)
        self.result_banner.clear()
        self._run = run_with_progress(
            self.worker, self.window(), self.tr("Préparation du paquet pour le siège…"), ops.export, Path(folder),
            outcome, with_progress=True,
            on_done=lambda result: self._exported(result, generation),
            on_error=lambda exc: self._failed(exc, generation, self.tr("Export impossible")),
            on_cancel=lambda: self._export_cancelled(outcome, generation))

    def _exported(self, result: ExportedBundle, generation: int) -> None:
        self._run = None
        if not self._current(generation):
            return
        self._set_busy(False)
        self.last_export = result
        self.result_banner.show_message(
            self.tr("Paquet n°{n} écrit : {name}").format(n=result.sequence, name=result.file_name),
            self.tr("Dans\u00a0: {folder}\n{changes} et {audit} du journal d'audit depuis le dernier accusé de "
                    "réception. Faites parvenir ce fichier au siège\u00a0: il est chiffré, seul le siège peut "
                    "l'ouvrir.").format(folder=str(Path(result.path or "").parent),
                                        changes=plural(result.changes, self.tr("changement"),
                                                       self.tr("changements")),
                                        audit=plural(result.audit, self.tr("entrée"), self.tr("entrées"))),
            "success")
        self.refresh()

    def _export_cancelled(self, outcome: dict[str, ExportedBundle], generation: int) -> None:
        """The cancel may come after the file was written: ask the worker (behind the export)."""
        self._run = None

        def settled(_st: dict) -> None:
            if "result" in outcome:
                self._exported(outcome["result"], generation)
            elif self._current(generation):
                self._set_busy(False)
                self.result_banner.show_message(self.tr("Export annulé"),
                                                self.tr("Aucun paquet n'a été écrit."), "info")
                self.refresh()

        self.worker.submit(ops.load_status, on_done=settled,
                           on_error=lambda exc: self._failed(exc, generation, self.tr("Export annulé")))

    # --- import --------------------------------------------------------------------------------

    def ask_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.window(), self.tr("Importer un paquet du siège"), self._folders["import"],
            self.tr("Paquets du siège (*.age);;Tous les fichiers (*)"))
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        self._folders["import"] = str(Path(path).parent)
        generation = self._generation
        self._set_busy(True)
        self.result_banner.clear()
        self._run = run_with_progress(
            self.worker, self.window(), self.tr("Import du paquet du siège…"), ops.import_bundle, Path(path),
            cancellable=False,
            on_done=lambda result: self._imported(result, generation),
            on_error=lambda exc: self._failed(exc, generation, self.tr("Paquet refusé"), nothing_changed=True))

    def _imported(self, result: ImportedBundle, generation: int) -> None:
        self._run = None
        if not self._current(generation):
            return
        self._set_busy(False)
        self.last_import = result
        if result.status != "importe":
            self.result_banner.show_message(self.tr("Paquet déjà importé"), result.message, "info")
            self.refresh()
            return
        r = result.records
        lines = []
        label = reference_label(result.reference_label)
        if result.reference_installed:
            lines.append(self.tr("Données de référence mises à jour ({v}).").format(v=label))
        else:
            lines.append(self.tr("Données de référence déjà à jour ({v}).").format(v=label))
        lines.append(self._confirmation_line(result.bundles_confirmed))
        lines.append(self.tr("Calendrier partagé et arbitrages du siège\u00a0: {applied} mis à jour, {same} déjà à jour.")
                     .format(applied=r.applied, same=r.same))
        if r.local:
            lines.append((self.tr("1 enregistrement gardé tel quel\u00a0: modifié ici depuis, il partira au siège "
                                  "avec le prochain paquet.") if r.local == 1 else
                          self.tr("{n} enregistrements gardés tels quels\u00a0: modifiés ici depuis, ils partiront "
                                  "au siège avec le prochain paquet.")).format(n=r.local))
        if r.refused or r.unknown:
            n = r.refused + r.unknown
            lines.append((self.tr("1 enregistrement incompatible avec ce coffre ignoré.") if n == 1 else
                          self.tr("{n} enregistrements incompatibles avec ce coffre ignorés.")).format(n=n))
        self.result_banner.show_message(
            self.tr("Paquet du siège n°{n} importé").format(n=result.sequence), "\n".join(lines), "success")
        self.refresh()

    def _confirmation_line(self, bundles: Sequence[ConfirmedBundle]) -> str:
        """What the acknowledgment confirms, in the words of the export: the bundles sent and
        their changes (not the journal rows pruned behind them)."""
        if not bundles:
            return self.tr("Accusé de réception\u00a0: aucun nouveau paquet confirmé par le siège.")
        changes = sum(b.changes for b in bundles)
        what = plural(changes, self.tr("changement"), self.tr("changements"))
        if len(bundles) == 1:
            return self.tr("Accusé de réception\u00a0: le siège a bien reçu votre paquet n°{n} ({what}).").format(
                n=bundles[0].sequence, what=what)
        numbers = ", ".join(f"n°{b.sequence}" for b in bundles)
        return self.tr("Accusé de réception\u00a0: le siège a bien reçu vos paquets {numbers} ({what} en "
                       "tout).").format(numbers=numbers, what=what)

    # --- errors --------------------------------------------------------------------------------

    def _failed(self, exc: BaseException, generation: int, title: str, nothing_changed: bool = False) -> None:
        self._run = None
        if not self._current(generation):
            return
        self._set_busy(False)
        if isinstance(exc, VaultLocked):
            return
        message = user_message(exc)
        if nothing_changed and isinstance(exc, AppError) and "Rien n'a été modifié" not in message:
            message += "\n" + self.tr("Rien n'a été modifié dans ce coffre.")
        self.result_banner.show_message(title, message, "error")
        self.refresh()
