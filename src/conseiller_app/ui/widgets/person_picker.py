"""Choose a beneficiary by name: search as you type (accent- and case-insensitive, on the
worker), the matches with age and commune; ``chosen`` once one is picked."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from conseiller_app.storage.services import search
from conseiller_app.storage.services.search import FileRow
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.formatting import display_name

DEBOUNCE_MS = 250
LIMIT = 30


def describe(row: FileRow) -> str:
    parts = [display_name(row.last_name, row.first_name)]
    if row.age is not None:
        parts.append(QCoreApplication.translate("PersonPicker", "{n} ans").format(n=row.age))
    if row.commune_name:
        parts.append(row.commune_name)
    return " — ".join(parts)


class PersonPicker(QWidget):
    chosen = Signal(dict)  # the row (id, last_name, first_name, age, commune_name, territory...)
    selection_changed = Signal()

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._generation = 0
        self._rows: list[FileRow] = []
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("Nom, prénom ou commune…"))
        self.edit.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("personResults")
        named(self.edit, self.tr("Chercher une personne"))
        named(self.results, self.tr("Personnes trouvées"))
        self.results.setMinimumHeight(90)
        self.results.setMaximumHeight(130)
        self.status = QLabel()
        self.status.setObjectName("hint")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.returnPressed.connect(self._enter)
        self.edit.installEventFilter(self)
        self.results.itemActivated.connect(lambda item: self._choose(item))
        self.results.currentItemChanged.connect(lambda *_: self.selection_changed.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        """Down (or Up) in the search field goes into the results, on the row below the current."""
        if watched is self.edit and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
            if self._timer.isActive():
                self.search_now()
            row = self.results.currentRow()
            if event.key() == Qt.Key.Key_Down and row < self.results.count() - 1 and self.results.hasFocus():
                row += 1
            self.results.setCurrentRow(max(row, 0))
            self.results.setFocus()
            return True
        return super().eventFilter(watched, event)

    def search_now(self) -> None:
        self._timer.stop()
        text = self.edit.text().strip()
        self._generation += 1
        generation = self._generation
        if len(text) < 2:
            self._show([], self.tr("Tapez au moins deux lettres du nom."))
            return
        self.status.setText(self.tr("Recherche…"))
        self._worker.submit(search.search, text, limit=LIMIT,
                            on_done=lambda rows: self._found(generation, rows),
                            on_error=lambda exc: self._failed(generation, exc))

    def _found(self, generation: int, rows: list[FileRow]) -> None:
        if generation != self._generation:
            return
        if not rows:
            note = self.tr("Aucun dossier ne correspond.")
        elif len(rows) >= LIMIT:
            note = self.tr("Les {n} premiers dossiers sont affichés : précisez la recherche.").format(n=LIMIT)
        else:
            note = ""
        self._show(rows, note)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._show([], user_message(exc))

    def _show(self, rows: list[FileRow], note: str) -> None:
        self._rows = list(rows)
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(describe(row))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.results.addItem(item)
        if rows:
            self.results.setCurrentRow(0)
        self.status.setText(note)
        self.selection_changed.emit()

    def selected(self) -> FileRow | None:
        item = self.results.currentItem()
        if item is None:
            return None
        wanted = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self._rows if r.id == wanted), None)

    def _enter(self) -> None:
        if self._timer.isActive():
            self.search_now()
            return
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        row = self.selected() if item is self.results.currentItem() else None
        if row is not None:
            self.chosen.emit(row)

    def clear(self) -> None:
        self._generation += 1
        self.edit.clear()
        self._timer.stop()
        self._show([], "")
