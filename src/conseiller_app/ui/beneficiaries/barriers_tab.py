"""« Situation & freins »: the file's barriers (freins périphériques) with their status and the
actions taken (each pointing to an offer); add a barrier, change its status, add an action.

Each change is its own unit of work, saved at once (it is not part of the identity form)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import BarrierStatus, BarrierType, MobilitySubtype
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage.services import followup
from conseiller_app.storage.services.beneficiaries import FileBarrier
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.widgets import ErrorLine
from conseiller_app.ui.beneficiaries.widgets import left_aligned as _left
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401

BARRIER_ROLE = Qt.ItemDataRole.UserRole


class BarriersTab(QWidget):
    """Emits ``changed(message)`` after a change was saved, so the editor reloads the file."""

    changed = Signal(str)

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._beneficiary_id: str | None = None
        self._offers: list[dict] = []
        self._barriers: Sequence[FileBarrier] = ()
        self._select_after_reload: str | None = None  # the barrier just added

        self.tree = QTreeWidget()
        self.tree.setObjectName("barrierTree")
        table(self.tree, self.tr("Freins et actions"),
              self.tr("Un frein par ligne, ses actions en dessous ; choisissez un frein pour le mettre à jour."))
        self.tree.setHeaderLabels([self.tr("Frein / action"), self.tr("Statut"), self.tr("Date"), self.tr("Détail")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.empty_label = QLabel(self.tr("Aucun frein périphérique identifié pour l'instant."))
        self.empty_label.setStyleSheet("color: #5f6368;")

        # Add a barrier.
        self.type_combo = QComboBox()
        for value, label in BarrierType.choices():
            self.type_combo.addItem(label, value)
        self.subtype_combo = QComboBox()
        self.subtype_combo.addItem(self.tr("— Sans précision —"), None)
        for value, label in MobilitySubtype.choices():
            self.subtype_combo.addItem(label, value)
        self.add_button = QPushButton(self.tr("Ajouter le frein"))
        self.add_button.clicked.connect(self.add_barrier)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        add_box = QGroupBox(self.tr("Nouveau frein"))
        add_form = QFormLayout(add_box)
        add_form.addRow(self.tr("Type"), self.type_combo)
        add_form.addRow(self.tr("Précision"), self.subtype_combo)
        add_form.addRow("", _left(self.add_button))
        self.health_note = QLabel(self.tr("Santé : on note seulement qu'un frein existe, jamais de détail."))
        self.health_note.setStyleSheet("color: #5f6368;")
        self.health_note.setWordWrap(True)
        add_form.addRow("", self.health_note)

        # Act on the selected barrier.
        self.selected_label = QLabel()
        self.selected_label.setWordWrap(True)
        self.status_combo = QComboBox()
        for value, label in BarrierStatus.choices():
            self.status_combo.addItem(label, value)
        self.status_button = QPushButton(self.tr("Changer le statut"))
        self.status_button.clicked.connect(self.change_status)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_combo, 1)
        status_row.addWidget(self.status_button)
        self.offer_combo = QComboBox()
        self.comment_edit = QLineEdit()
        self.comment_edit.setMaxLength(500)
        self.comment_edit.setPlaceholderText(self.tr("Ce qui a été fait (factuel)"))
        self.action_button = QPushButton(self.tr("Ajouter l'action"))
        self.action_button.clicked.connect(self.add_action)
        self.selected_box = QGroupBox(self.tr("Frein sélectionné"))
        sel_form = QFormLayout(self.selected_box)
        sel_form.addRow(self.selected_label)
        sel_form.addRow(self.tr("Statut"), status_row)
        sel_form.addRow(self.tr("Offre mobilisée"), self.offer_combo)
        sel_form.addRow(self.tr("Commentaire"), self.comment_edit)
        sel_form.addRow("", _left(self.action_button))
        label_layout_rows(sel_form)
        label_layout_rows(add_form)

        self.error_line = ErrorLine()
        boxes = QHBoxLayout()
        boxes.addWidget(add_box, 1)
        boxes.addWidget(self.selected_box, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.error_line)
        layout.addLayout(boxes)
        self._type_changed()
        self._selection_changed()

    # --- data ----------------------------------------------------------------------------------

    def set_offers(self, offers: list[dict]) -> None:
        self._offers = list(offers)

    def set_file(self, beneficiary_id: str | None, barriers: Sequence[FileBarrier]) -> None:
        selected = self.selected_barrier()
        selected_id = selected.id if selected else None
        if self._select_after_reload and any(b.id == self._select_after_reload for b in barriers):
            selected_id, self._select_after_reload = self._select_after_reload, None
        self._beneficiary_id = beneficiary_id
        self._barriers = list(barriers)
        offers = {o["code"]: o["name"] for o in self._offers}
        self.tree.clear()
        for b in barriers:
            name = b.type_label
            if b.subtype:
                name += " — " + MobilitySubtype(b.subtype).label
            when = self.tr("levé le %1").replace("%1", fr_date(b.lifted_on)) if b.lifted_on else \
                self.tr("identifié le %1").replace("%1", fr_date(b.identified_on))
            item = QTreeWidgetItem([name, b.status_label, when, ""])
            item.setData(0, BARRIER_ROLE, b.id)
            for a in b.actions:
                offer = offers.get(a.offer_code, a.offer_code) if a.offer_code else self.tr("Sans offre")
                child = QTreeWidgetItem([offer, "", fr_date(a.done_on), a.comment])
                child.setData(0, BARRIER_ROLE, b.id)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            if b.id == selected_id:
                self.tree.setCurrentItem(item)
        self.empty_label.setVisible(not barriers)
        self._selection_changed()

    def clear(self) -> None:
        self.set_file(None, [])
        self.comment_edit.clear()
        self.error_line.show_error("")
        self.empty_label.hide()

    def selected_barrier(self) -> FileBarrier | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        wanted = item.data(0, BARRIER_ROLE)
        return next((b for b in self._barriers if b.id == wanted), None)

    def select_barrier(self, barrier_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, BARRIER_ROLE) == barrier_id:
                self.tree.setCurrentItem(item)

    def _type_changed(self) -> None:
        mobility = self.type_combo.currentData() == BarrierType.MOBILITY.value
        self.subtype_combo.setEnabled(mobility)
        if not mobility:
            self.subtype_combo.setCurrentIndex(0)
        self.health_note.setVisible(self.type_combo.currentData() == BarrierType.HEALTH.value)

    def _selection_changed(self) -> None:
        b = self.selected_barrier()
        self.selected_box.setEnabled(b is not None and self._beneficiary_id is not None)
        self.add_button.setEnabled(self._beneficiary_id is not None)
        self.offer_combo.clear()
        if b is None:
            self.selected_label.setText(self.tr("Sélectionnez un frein dans la liste pour le mettre à jour."))
            return
        self.selected_label.setText(f"<b>{b.type_label}</b> — {b.status_label}")
        self.status_combo.setCurrentIndex(max(self.status_combo.findData(b.status), 0))
        # Only the offers for this kind of barrier (a childcare offer is no answer to a housing barrier).
        for o in self._offers:
            if o["barrier"] == b.type:
                self.offer_combo.addItem(o["name"], o["code"])
        self.offer_combo.addItem(self.tr("Autre action (sans offre)"), None)
        health = b.type == BarrierType.HEALTH.value
        self.comment_edit.setEnabled(not health)
        self.comment_edit.setPlaceholderText(self.tr("Pas de commentaire sur un frein de santé") if health
                                             else self.tr("Ce qui a été fait (factuel)"))
        if health:
            self.comment_edit.clear()

    # --- changes -------------------------------------------------------------------------------

    def add_barrier(self) -> None:
        if not self._beneficiary_id:
            return
        def select_new(barrier_id: str) -> None:
            self._select_after_reload = barrier_id  # selected once the file is reloaded

        self._run(followup.add_barrier, self._beneficiary_id, self.type_combo.currentData(),
                  self.subtype_combo.currentData(), message=self.tr("Frein ajouté."), then=select_new)

    def change_status(self) -> None:
        b = self.selected_barrier()
        if b is None:
            return
        self._run(followup.set_barrier_status, b.id, self.status_combo.currentData(),
                  message=self.tr("Statut du frein mis à jour."))

    def add_action(self) -> None:
        b = self.selected_barrier()
        if b is None:
            return
        comment = self.comment_edit.text()

        def done(_action_id: str) -> None:
            self.comment_edit.clear()

        self._run(followup.add_barrier_action, b.id, self.offer_combo.currentData(), comment,
                  message=self.tr("Action enregistrée."), then=done)

    def _run(self, fn, *args, message: str, then=None) -> None:
        self.error_line.show_error("")

        def ok(result) -> None:
            if then:
                then(result)
            self.changed.emit(message)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                self.error_line.show_error(exc.message, exc.label)
            else:
                self.error_line.show_error(user_message(exc, "mise à jour d'un frein"))

        self._worker.submit(fn, *args, on_done=ok, on_error=failed)
