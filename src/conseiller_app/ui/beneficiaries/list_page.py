"""The list of beneficiary files: search as you type (debounced, run on the worker), filters,
result count and the lazy table; double click or Entrée opens a file."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import BarrierType, Public, Stage
from conseiller_app.storage.services.search import Filters, Query
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.formatting import fr_number
from conseiller_app.ui.beneficiaries.list_model import COLUMNS, BeneficiaryListModel, column_of_sort
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401

SEARCH_DELAY_MS = 200
_FIXED_COLUMNS = ("age", "last_contact")  # short, known widths; the others share the rest:
_WEIGHTS = {"last_name": 1.2, "first_name": 0.9, "commune_name": 1.3, "public_label": 1.6, "stage_label": 1.9}


def _fit_popup(combo: QComboBox) -> None:
    """The drop-down list as wide as its longest choice, even when the box itself is narrow."""
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)


class ResultsView(QTableView):
    """The results table: Entrée / Retour and double click ask to open the current file."""

    open_requested = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doubleClicked.connect(lambda index: self.open_requested.emit(index.row()))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the width between the text columns, the longest texts getting more room."""
        fixed = sum(self.columnWidth(i) for i, (key, _, _) in enumerate(COLUMNS) if key in _FIXED_COLUMNS)
        available = max(self.viewport().width() - fixed, 300)
        total = sum(_WEIGHTS.values())
        for i, (key, _, _) in enumerate(COLUMNS):
            if key in _WEIGHTS:
                self.setColumnWidth(i, int(available * _WEIGHTS[key] / total))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class BeneficiaryListPage(QWidget):
    """Search box, filters, count and results. Emits ``open_requested(id)`` and ``new_requested``."""

    open_requested = Signal(str)
    new_requested = Signal()
    status_message = Signal(str)

    def __init__(self, worker, parent: QWidget | None = None, *, page_size: int = 100) -> None:
        super().__init__(parent)
        self._worker = worker
        self.model = BeneficiaryListModel(worker, page_size=page_size, parent=self)
        self._restore_scroll: int | None = None
        self._restore_id: str | None = None
        self._locked_text: str | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("beneficiarySearch")
        self.search_edit.setPlaceholderText(self.tr("Rechercher : nom, prénom, commune, code postal ou n° CAF"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Recherche de dossiers"))
        self.search_edit.installEventFilter(self)
        self.new_button = QPushButton(self.tr("Nouveau dossier"))
        self.new_button.setToolTip(self.tr("Créer un dossier bénéficiaire (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_requested)

        self.territory_combo = self._combo(self.tr("Tous les territoires"))
        self.public_combo = self._combo(self.tr("Tous les publics"), Public.choices())
        self.stage_combo = self._combo(self.tr("Toutes les étapes"), Stage.choices())
        self.barrier_combo = self._combo(self.tr("Tous (avec ou sans frein)"), BarrierType.choices())
        self.referent_combo = self._combo(self.tr("Tous les référents"))
        self.reset_button = QPushButton(self.tr("Effacer les filtres"))
        self.reset_button.setFlat(True)
        self.reset_button.clicked.connect(self.reset_filters)

        self.count_label = QLabel()
        self.count_label.setObjectName("resultCount")

        self.view = ResultsView()
        self.view.setModel(self.model)
        self.view.setObjectName("beneficiaryTable")
        table(self.view, self.tr("Bénéficiaires"),
              self.tr("Un dossier par ligne : nom, commune, étape, dernier contact. Entrée ouvre le dossier."))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        # Fixed row heights: the view never measures 60,000 rows.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        metrics = self.view.fontMetrics()
        for i, (key, _, _) in enumerate(COLUMNS):
            if key in _FIXED_COLUMNS:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Fixed)
                sample = "Dernier contact" if key == "last_contact" else "Âge"
                self.view.setColumnWidth(i, metrics.horizontalAdvance(sample) + 32)

        header.setSortIndicator(column_of_sort(self.model.query().sort), Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.view.open_requested.connect(self._open_row)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.new_button)
        filters = QHBoxLayout()
        for label, combo in (
            (self.tr("Territoire"), self.territory_combo),
            (self.tr("Public"), self.public_combo),
            (self.tr("Étape"), self.stage_combo),
            (self.tr("Frein ouvert"), self.barrier_combo),
            (self.tr("Référent"), self.referent_combo),
        ):
            box = QVBoxLayout()
            box.setSpacing(2)
            caption = QLabel(label)
            caption.setBuddy(combo)
            box.addWidget(caption)
            box.addWidget(combo)
            filters.addLayout(box, 1)
            combo.setAccessibleName(label)
        filters.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.count_label)
        layout.addWidget(self.view, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_query)
        self.search_edit.textEdited.connect(lambda _: self._debounce.start())
        self.search_edit.textChanged.connect(self._text_changed)
        for combo in self._filter_combos():
            combo.currentIndexChanged.connect(self.run_query)
        self.model.query_started.connect(self._query_started)
        self.model.query_finished.connect(self._query_finished)
        self.model.query_failed.connect(self._query_failed)

    # --- setup ----------------------------------------------------------------------------------

    def _combo(self, everything: str, choices: Sequence[tuple[str, str]] = ()) -> QComboBox:
        combo = QComboBox()
        combo.addItem(everything, None)
        for value, label in choices:
            combo.addItem(label, value)
        # Equal shares of the row; a long choice is elided in the box, never in the list.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        _fit_popup(combo)
        return combo

    def _filter_combos(self) -> tuple[QComboBox, ...]:
        return (self.territory_combo, self.public_combo, self.stage_combo, self.barrier_combo, self.referent_combo)

    def set_reference(self, territories: list[tuple[str, str]], conseillers: list[tuple[str, str]]) -> None:
        """Fill the territory and référent filters, keeping the current choices."""
        for combo, choices in ((self.territory_combo, territories), (self.referent_combo, conseillers)):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value, label in choices:
                combo.addItem(label, value)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            _fit_popup(combo)

    # --- queries -------------------------------------------------------------------------------

    def current_query(self) -> Query:
        filters = Filters(
            territory=self.territory_combo.currentData(),
            public=self.public_combo.currentData(),
            stage=self.stage_combo.currentData(),
            barrier_type=self.barrier_combo.currentData(),
            referent_id=self.referent_combo.currentData(),
        )
        sort = self.model.query()
        return Query(text=self.search_edit.text(), filters=filters, sort=sort.sort, descending=sort.descending)

    def run_query(self) -> None:
        self._debounce.stop()
        if self._locked_text is not None:
            return
        self.model.set_query(self.current_query())

    def refresh(self) -> None:
        """Run the same query again, keeping the scroll position (a file was saved)."""
        if self._locked_text is None:
            self._remember_position()
            self.model.refresh()

    def _remember_position(self) -> None:
        """Scroll position and current file, restored when the next results arrive."""
        self._restore_scroll = self.view.verticalScrollBar().value()
        self._restore_id = self.model.id_at(self.view.currentIndex().row())

    def reset_filters(self) -> None:
        for combo in self._filter_combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.run_query()

    def _text_changed(self, text: str) -> None:
        if not text and self._locked_text is None:  # the clear button: no need to wait
            self.run_query()

    def _sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.is_sortable(column):
            # Put the indicator back where the list is really sorted.
            q = self.model.query()
            current = column_of_sort(q.sort)
            wanted = Qt.SortOrder.DescendingOrder if q.descending else Qt.SortOrder.AscendingOrder
            self.view.horizontalHeader().setSortIndicator(current, wanted)
            self.status_message.emit(self.tr("Le tri n'est pas disponible sur cette colonne."))

    def _query_started(self) -> None:
        if self.model.rowCount() == 0:
            self.count_label.setText(self.tr("Recherche…"))

    def _query_finished(self, count: int) -> None:
        q = self.model.query()
        narrowed = bool(q.text.strip()) or any(c.currentIndex() > 0 for c in self._filter_combos())
        if count == 0:
            text = (self.tr("Aucun dossier ne correspond à la recherche.") if narrowed
                    else self.tr("Aucun dossier pour l'instant : créez le premier avec « Nouveau dossier »."))
        elif count == 1:
            text = self.tr("1 dossier")
        else:
            text = self.tr("%1 dossiers").replace("%1", fr_number(count))
        self.count_label.setText(text)
        if self._restore_scroll is not None:
            value, current = self._restore_scroll, self._restore_id
            self._restore_scroll = self._restore_id = None
            row = self.model.row_of(current) if current else -1
            if row >= 0:
                self.view.setCurrentIndex(self.model.index(row, 0))
            # After the layout the reset scheduled, or the scroll bar's range is still the old one.
            bar = self.view.verticalScrollBar()
            QTimer.singleShot(0, bar, lambda: bar.setValue(value))  # dropped if the page goes away

    def _query_failed(self, exc: BaseException) -> None:
        message = user_message(exc, "recherche de dossiers")
        self.count_label.setText(message)
        self.status_message.emit(message)

    def _open_row(self, row: int) -> None:
        beneficiary_id = self.model.id_at(row)
        if beneficiary_id:
            self.open_requested.emit(beneficiary_id)

    # --- keyboard -----------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # From the search box, ↓ or Entrée go to the results, so the keyboard never leaves.
        if (watched is self.search_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount()):
            if self._debounce.isActive():
                self.run_query()
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0, 0))
            return True
        return super().eventFilter(watched, event)

    # --- lock -------------------------------------------------------------------------------------

    def lock(self) -> None:
        """Forget every row and hide what was typed (a name is personal data); keep it in memory."""
        if self._locked_text is not None:
            return
        self._debounce.stop()
        self._remember_position()
        self._locked_text = self.search_edit.text()
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.model.clear()
        self.count_label.clear()

    def unlock(self) -> None:
        if self._locked_text is None:
            return
        text, self._locked_text = self._locked_text, None
        self.search_edit.blockSignals(True)
        self.search_edit.setText(text)
        self.search_edit.blockSignals(False)
        self.run_query()


