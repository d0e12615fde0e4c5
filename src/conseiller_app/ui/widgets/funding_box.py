"""Funding lines of a session or a referral (article 5-1, indicators 6 to 8): a box listing the
lines recorded, with add and remove. Nothing is written while the box is edited: the dialog that
holds it writes its ``changes()`` when saved (``apply_funding``, on the worker), so « Annuler »
really cancels. A line is checked as soon as it is added (``domain.facts.check_funding``: French
amounts such as « 1 234,50 », a date not in the future), so a bad amount is refused at once.

The funder and line choices and the amount field are shared with the file's « Convention » tab
(``fill_funders``, ``fill_funding_lines``, ``amount_edit``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import facts as F
from conseiller_app.domain.enums import FUNDING_FUNDERS, Funder, FundingLine
from conseiller_app.domain.errors import ValidationError
from conseiller_app.ui.widgets.accessibility import named, table
from conseiller_app.ui.widgets.feedback import ErrorLine
from conseiller_app.ui.widgets.formatting import fr_date

#: Stands for the target's id while a line is checked before its session exists.
_PENDING = "-"


def fill_funders(combo: QComboBox) -> None:
    """The funders a line can name (FPETT, AKTO, Département, autre)."""
    combo.clear()
    for f in FUNDING_FUNDERS:
        combo.addItem(f.label, f.value)


def fill_funding_lines(combo: QComboBox) -> None:
    """The budget lines (CIPI, CDPI, SPOTT, Tremplin RSA, AKTIV compétences…)."""
    combo.clear()
    for value, label in FundingLine.choices():
        combo.addItem(label, value)


def amount_edit(placeholder: str = "ex. 1 234,50") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMaximumWidth(140)
    return edit


def date_edit(today: date) -> QLineEdit:
    edit = QLineEdit(fr_date(today))
    edit.setPlaceholderText("JJ/MM/AAAA")
    edit.setMaximumWidth(140)
    return edit


@dataclass(frozen=True)
class FundingChanges:
    """What a funding box asks to write: clean lines to add (``check_funding`` values without their
    target) and the ids of recorded lines to remove."""

    add: tuple[dict[str, Any], ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


@dataclass
class _Row:
    values: dict[str, Any]
    id: str | None = None  # None: added here, not written yet


# --- operations (run on the worker: ``op(ctx, ...)``) ----------------------------------------------


def load_funding(ctx, target_kind: str, target_id: str) -> list[dict[str, Any]]:
    from conseiller_app.storage.services import facts

    return [asdict(line) for line in facts.funding_for(ctx, target_kind, target_id)]


def check_changes(ctx, target_kind: str, changes: FundingChanges | None) -> None:
    """Refuse bad lines before anything is written (the dialog's other writes included)."""
    for values in (changes.add if changes else ()):
        F.check_funding({**values, "target_kind": target_kind, "target_id": _PENDING}, ctx.today())


def apply_funding(ctx, target_kind: str, target_id: str, changes: FundingChanges | None) -> int:
    """Write a box's changes on ``target_id``; returns the number of lines written or removed."""
    from conseiller_app.storage.services import facts

    if not changes:
        return 0
    check_changes(ctx, target_kind, changes)
    for funding_id in changes.remove:
        facts.remove_funding(ctx, funding_id)
    for values in changes.add:
        facts.add_funding(ctx, {**values, "target_kind": target_kind, "target_id": target_id})
    return len(changes.add) + len(changes.remove)


# --- the box -------------------------------------------------------------------------------------


class FundingBox(QGroupBox):
    """The funding lines of one session or referral, edited before the dialog is saved."""

    COLUMNS = ("Financeur", "Ligne", "Montant", "Date")
    edited = Signal()

    def __init__(self, target_kind: str, today: Callable[[], date] = date.today,
                 title: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(title or self.tr("Financements"), parent)
        self.setObjectName("fundingBox")
        self._target_kind = target_kind
        self._today = today
        self._rows: list[_Row] = []
        self._removed: list[str] = []
        tr = self.tr

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("fundingLines")
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        table(self.table, tr("Lignes de financement"),
              tr("Une ligne par financement : financeur, ligne budgétaire, montant, date."))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.empty = QLabel(tr("Aucun financement enregistré."))
        self.empty.setObjectName("hint")

        self.funder = QComboBox()
        fill_funders(self.funder)
        self.line = QComboBox()
        fill_funding_lines(self.line)
        self.amount = amount_edit(tr("ex. 1 234,50"))
        self.amount.returnPressed.connect(self.add_line)
        self.granted_on = date_edit(today())
        for widget, name in ((self.funder, tr("Financeur")), (self.line, tr("Ligne de financement")),
                             (self.amount, tr("Montant en euros")), (self.granted_on, tr("Date du financement"))):
            named(widget, name)
        self.add_button = QPushButton(tr("Ajouter"))
        self.add_button.setObjectName("fundingAdd")
        self.add_button.clicked.connect(self.add_line)
        self.remove_button = QPushButton(tr("Retirer la ligne choisie"))
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.error_line = ErrorLine()

        # Two rows, so the amount and the date keep their width in a 620 px dialog.
        entry = QGridLayout()
        for i, (text, field) in enumerate(((tr("Financeur"), self.funder), (tr("Ligne"), self.line),
                                           (tr("Montant (€)"), self.amount), (tr("Date"), self.granted_on))):
            label = QLabel(text)
            label.setBuddy(field)
            entry.addWidget(label, i // 2, 2 * (i % 2))
            entry.addWidget(field, i // 2, 2 * (i % 2) + 1)
        self.amount.setMinimumWidth(120)
        self.granted_on.setMinimumWidth(110)
        entry.addWidget(self.add_button, 1, 4)
        entry.setColumnStretch(3, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.empty, 1)
        bottom.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addLayout(entry)
        layout.addWidget(self.error_line)
        self._refresh()

    # --- data ----------------------------------------------------------------------------------

    def set_lines(self, lines: Iterable[dict[str, Any]]) -> None:
        """The lines recorded (``facts.funding_for(...)`` as dicts); forgets the removals."""
        recorded = [_Row({"funder": d["funder"], "line": d["line"], "amount_cents": d["amount_cents"],
                          "granted_on": d["granted_on"]}, id=d["id"]) for d in lines]
        self._rows = recorded + [r for r in self._rows if r.id is None]  # lines added while loading stay
        self._removed = []
        self.error_line.show_error("")
        self._refresh()

    def changes(self) -> FundingChanges:
        added = tuple({"funder": r.values["funder"], "line": r.values["line"],
                       "amount": f"{r.values['amount_cents'] // 100},{r.values['amount_cents'] % 100:02d}",
                       "granted_on": r.values["granted_on"]} for r in self._rows if r.id is None)
        return FundingChanges(added, tuple(self._removed))

    def total_cents(self) -> int:
        return sum(r.values["amount_cents"] for r in self._rows)

    # --- editing -------------------------------------------------------------------------------

    def add_line(self) -> bool:
        """Check the line being typed and list it (written when the dialog is saved)."""
        values = {"target_kind": self._target_kind, "target_id": _PENDING, "funder": self.funder.currentData(),
                  "line": self.line.currentData(), "amount": self.amount.text(),
                  "granted_on": self.granted_on.text()}
        try:
            clean = F.check_funding(values, self._today())
        except ValidationError as exc:
            self.error_line.show_failure(exc)
            (self.amount if exc.field == "amount" else self.granted_on if exc.field == "granted_on"
             else self.funder).setFocus()
            return False
        self.error_line.show_error("")
        self._rows.append(_Row({k: clean[k] for k in ("funder", "line", "amount_cents", "granted_on")}))
        self.amount.clear()
        self._refresh()
        self.edited.emit()
        return True

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._rows):
            return
        gone = self._rows.pop(row)
        if gone.id is not None:
            self._removed.append(gone.id)
        self._refresh()
        self.edited.emit()

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(self.table.currentRow() >= 0 and bool(self.table.selectedItems()))

    def _refresh(self) -> None:
        self.table.setRowCount(len(self._rows))
        for i, r in enumerate(self._rows):
            v = r.values
            new = r.id is None
            cells = (Funder(v["funder"]).label, FundingLine(v["line"]).label + (self.tr(" (à enregistrer)") if new
                                                                                  else ""),
                     F.format_euros(v["amount_cents"]), fr_date(v["granted_on"]))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, col, item)
        if self._rows:
            self.empty.setText(self.tr("Total : {total}").format(total=F.format_euros(self.total_cents())))
        else:
            self.empty.setText(self.tr("Aucun financement enregistré."))
        self._selection_changed()


class FundingDialog(QDialog):
    """« Financements » of one referral (or session) on its own: loads its lines on the worker,
    writes the changes on « Enregistrer ». Emits ``saved(n)`` with the number of changes."""

    saved = Signal(int)
    loaded = Signal()  # for tests

    def __init__(self, worker, target_kind: str, target_id: str, title: str,
                 today: Callable[[], date] = date.today, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._kind, self._id = target_kind, target_id
        self._busy = True  # until the lines are loaded
        self._ready = False
        self.setWindowTitle(title)
        self.setMinimumSize(760, 380)
        intro = QLabel(self.tr("Les lignes ajoutées ou retirées sont écrites quand vous enregistrez."))
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        self.box = FundingBox(target_kind, today, title)
        self.error_line = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Enregistrer"))
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.box, 1)
        layout.addWidget(self.error_line)
        layout.addWidget(self.buttons)
        worker.submit(load_funding, target_kind, target_id, on_done=self._loaded, on_error=self._failed)

    def _loaded(self, lines: list[dict[str, Any]]) -> None:
        self._busy = False
        self._ready = True
        self.box.set_lines(lines)
        self.save_button.setEnabled(True)
        self.loaded.emit()

    def submit(self) -> None:
        if self._busy:
            return
        changes = self.box.changes()
        if not changes:
            self.accept()
            return
        self._busy = True
        self.save_button.setEnabled(False)
        self.error_line.show_error("")
        self._worker.submit(apply_funding, self._kind, self._id, changes, on_done=self._done, on_error=self._failed)

    def _done(self, n: int) -> None:
        self._busy = False
        self.saved.emit(n)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = not self._ready  # lines not loaded: nothing to save against
        self.save_button.setEnabled(self._ready)
        self.error_line.show_failure(exc)
