"""« Dossiers à purger »: the dry-run list of the files past their retention, with check boxes,
and the purge of the ticked ones after a plain confirmation. Work runs on the DB worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.retention import TO_PURGE
from conseiller_app.storage.services import retention
from conseiller_app.storage.services.retention import PurgeResult, RetentionReview
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import fr_date, plural
from conseiller_app.ui.worker import DbWorker

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class RetentionDialog(QDialog):
    """Emits ``purged(count)`` after a purge (so that pages listing files can reload)."""

    purged = Signal(int)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle(self.tr("Dossiers à purger"))
        self.resize(900, 520)
        self.found: RetentionReview | None = None
        self.confirmation: QMessageBox | None = None
        self.loading = False

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.hint = QLabel(self.tr(
            "Cette liste ne modifie rien. Les dossiers « à vérifier » ont encore une étape, une orientation ou une "
            "inscription en cours : ils ne sont pas cochés, cochez-les seulement après vérification."))
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")

        self.model = QStandardItemModel(0, 5, self)
        self.model.setHorizontalHeaderLabels([self.tr("Nom"), self.tr("Dernier contact"), self.tr("Étape"),
                                              self.tr("Catégorie"), self.tr("Motif")])
        self.model.itemChanged.connect(lambda _item: self._update_button())
        self.table = QTableView()
        table(self.table, self.tr("Dossiers à supprimer"),
              self.tr("Les dossiers sans activité depuis la durée de conservation ; cochez ceux à supprimer."))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((190, 110, 150, 90)):
            self.table.setColumnWidth(col, width)

        self.banner = Banner("info")
        self.check_all = QPushButton(self.tr("Tout cocher"))
        self.check_all.clicked.connect(lambda: self._check_every(True))
        self.check_none = QPushButton(self.tr("Tout décocher"))
        self.check_none.clicked.connect(lambda: self._check_every(False))
        self.purge_button = QPushButton(self.tr("Purger la sélection"))
        self.purge_button.setObjectName("danger")
        self.purge_button.clicked.connect(self.ask_purge)
        self.close_button = QPushButton(self.tr("Fermer"))
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.check_all)
        buttons.addWidget(self.check_none)
        buttons.addStretch(1)
        buttons.addWidget(self.purge_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self._update_button()

    # --- the list ------------------------------------------------------------------------------

    def load(self) -> None:
        self.loading = True
        self.summary.setText(self.tr("Recherche des dossiers dont la durée de conservation est dépassée…"))
        self.purge_button.setEnabled(False)
        self.worker.submit(retention.candidates, on_done=self.show_candidates, on_error=self._failed)

    def show_candidates(self, found: RetentionReview) -> None:
        self.loading = False
        self.found = found
        self.model.removeRows(0, self.model.rowCount())
        for f in found.files:
            name = QStandardItem(f.name or self.tr("(sans nom)"))
            name.setCheckable(True)
            name.setCheckState(Qt.CheckState.Checked if f.kind == TO_PURGE else Qt.CheckState.Unchecked)
            name.setData(f.id, ID_ROLE)
            cells = [name, QStandardItem(fr_date(f.last_contact)), QStandardItem(f.stage_label),
                     QStandardItem(f.kind_label), QStandardItem(f.reason)]
            cells[4].setToolTip("\n".join(f.reasons))
            for c in cells:
                c.setEditable(False)
            self.model.appendRow(cells)
        n = len(found.files)
        if n:
            text = (self.tr("Durée de conservation\u00a0: {months} mois. 1 dossier sans contact depuis le {cutoff}\u00a0: "
                            "{purge} à purger, {check} à vérifier.") if n == 1 else
                    self.tr("Durée de conservation\u00a0: {months} mois. {n} dossiers sans contact depuis le "
                            "{cutoff}\u00a0: {purge} à purger, {check} à vérifier."))
        else:
            text = self.tr("Durée de conservation : {months} mois. Aucun dossier sans contact depuis le {cutoff} : "
                           "rien à purger.")
        self.summary.setText(text.format(months=found.months, n=n, cutoff=fr_date(found.cutoff),
                                         purge=found.to_purge, check=found.to_check))
        self._update_button()

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.banner.show_message(user_message(exc), "error")
        self._update_button()

    def checked_ids(self) -> list[str]:
        out = []
        for row in range(self.model.rowCount()):
            item = self.model.item(row, 0)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(ID_ROLE))
        return out

    def _check_every(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for row in range(self.model.rowCount()):
            self.model.item(row, 0).setCheckState(state)

    def _update_button(self) -> None:
        n = len(self.checked_ids())
        self.purge_button.setEnabled(bool(n) and not self.loading)
        self.purge_button.setText(self.tr("Purger la sélection ({n})").format(n=n) if n
                                  else self.tr("Purger la sélection"))

    # --- the purge -----------------------------------------------------------------------------

    def ask_purge(self) -> None:
        ids = self.checked_ids()
        if not ids:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, (self.tr("Purger 1 dossier\u00a0?") if len(ids) == 1
                                                          else self.tr("Purger {n} dossiers\u00a0?")).format(n=len(ids)),
                          self.tr("Les données personnelles de {n} vont être effacées du coffre\u00a0: nom, "
                                  "coordonnées, notes, freins, consentements, parcours, inscriptions et "
                                  "orientations.\n\nCette opération est définitive : elle ne peut pas être annulée."
                                  "\n\nLa suppression sera aussi transmise au siège (Mission Insertion par l'Emploi) "
                                  "à la prochaine synchronisation.").format(
                              n=plural(len(ids), self.tr("1 dossier").replace("1 ", ""), self.tr("dossiers"))),
                          QMessageBox.StandardButton.NoButton, self)
        self.confirm_button = box.addButton(self.tr("Purger définitivement"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.finished.connect(lambda _r: self._confirmed(box, ids))
        self.confirmation = box
        box.open()

    def _confirmed(self, box: QMessageBox, ids: list[str]) -> None:
        self.confirmation = None
        box.deleteLater()
        if box.clickedButton() is not self.confirm_button:
            return
        self.purge(ids)

    def purge(self, ids: list[str]) -> None:
        self.loading = True
        self._update_button()
        self.banner.clear()
        self.worker.submit(retention.purge, ids, today=self.found.today if self.found else None, on_done=self._purged,
                           on_error=self._failed)

    def _purged(self, result: PurgeResult) -> None:
        n = result.purged
        self.banner.show_message((self.tr("1 dossier purgé.") if n == 1 else self.tr("{n} dossiers purgés.")).format(n=n)
                                 + " " + self.tr("La suppression sera transmise au siège à la prochaine "
                                                 "synchronisation."), "success")
        self.purged.emit(n)
        self.load()
