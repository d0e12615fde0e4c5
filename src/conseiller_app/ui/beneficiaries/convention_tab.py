"""« Convention »: the facts of the convention's indicators on one file — Point Conseils
Intérimaire (FASTT) with its recommendations, parcours prévention, funding lines of its steps,
interest for the SAS after the découverte. Validated by the services (``storage.services.facts``),
written on the worker; a refusal shows the field in French under the form."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import (
    PciHolder,
    PciRecommendation,
    PreventionStatus,
)
from conseiller_app.storage.services import facts
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.widgets.accessibility import named
from conseiller_app.ui.widgets.feedback import ErrorLine
from conseiller_app.ui.widgets.funding_box import amount_edit, fill_funders, fill_funding_lines


def _load(ctx, beneficiary_id: str) -> tuple[list[str], list[P.Step]]:
    from conseiller_app.storage.services import access, pathway

    lines = access.indicator_fact_lines(ctx, beneficiary_id)
    steps = [s for s in pathway.get(ctx, beneficiary_id).steps if s.id]
    return lines, steps


def _date_edit(today: date) -> QLineEdit:
    edit = QLineEdit(fr_date(today))
    edit.setPlaceholderText("JJ/MM/AAAA")
    edit.setMaximumWidth(140)
    return edit


class ConventionTab(QWidget):
    changed = Signal(str)
    loaded = Signal()  # for tests

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._beneficiary_id: str | None = None
        self._today = date.today
        tr = self.tr

        self.facts_list = QListWidget()
        self.facts_list.setObjectName("conventionFacts")
        named(self.facts_list, self.tr("Indicateurs de la convention enregistrés"),
              self.tr("Diagnostics FASTT, parcours prévention, financements et intérêt pour le SAS de ce dossier."))
        self.error_line = ErrorLine()

        # Point Conseils Intérimaire
        self.pci_date = _date_edit(self._today())
        self.pci_by = QComboBox()
        for value, label in PciHolder.choices():
            self.pci_by.addItem(label, value)
        self.pci_boxes: dict[str, QCheckBox] = {}
        recs = QHBoxLayout()
        for value, label in PciRecommendation.choices():
            box = QCheckBox(label)
            self.pci_boxes[value] = box
            recs.addWidget(box)
        recs.addStretch(1)
        self.pci_button = QPushButton(tr("Enregistrer le Point Conseils Intérimaire"))
        self.pci_button.clicked.connect(self.add_pci)
        pci = QGroupBox(tr("Point Conseils Intérimaire (FASTT)"))
        form = QFormLayout(pci)
        form.addRow(tr("Date"), self.pci_date)
        form.addRow(tr("Réalisé par"), self.pci_by)
        form.addRow(tr("Préconisations"), recs)
        form.addRow("", self.pci_button)

        # Parcours prévention and interest for the SAS
        self.prev_status = QComboBox()
        for value, label in PreventionStatus.choices():
            self.prev_status.addItem(label, value)
        self.prev_start = _date_edit(self._today())
        self.prev_end = QLineEdit()
        self.prev_end.setPlaceholderText("JJ/MM/AAAA")
        self.prev_end.setMaximumWidth(140)
        self.prev_button = QPushButton(tr("Enregistrer le parcours prévention"))
        self.prev_button.clicked.connect(self.set_prevention)
        self.sas_combo = QComboBox()
        self.sas_combo.addItem(tr("Oui, intéressé(e)"), True)
        self.sas_combo.addItem(tr("Non"), False)
        self.sas_button = QPushButton(tr("Enregistrer l'intérêt pour le SAS"))
        self.sas_button.clicked.connect(self.set_sas_interest)
        prev = QGroupBox(tr("Parcours prévention et SAS préparatoire"))
        form = QFormLayout(prev)
        form.addRow(tr("Parcours prévention"), self.prev_status)
        form.addRow(tr("Début"), self.prev_start)
        form.addRow(tr("Fin"), self.prev_end)
        form.addRow("", self.prev_button)
        form.addRow(tr("Intérêt pour le SAS après la découverte"), self.sas_combo)
        form.addRow("", self.sas_button)

        # Funding lines
        self.fund_step = QComboBox()
        self.fund_funder = QComboBox()
        fill_funders(self.fund_funder)
        self.fund_line = QComboBox()
        fill_funding_lines(self.fund_line)
        self.fund_amount = amount_edit(tr("ex. 1 234,50"))
        self.fund_date = _date_edit(self._today())
        self.fund_button = QPushButton(tr("Ajouter le financement"))
        self.fund_button.clicked.connect(self.add_funding)
        fund = QGroupBox(tr("Financement d'une étape"))
        form = QFormLayout(fund)
        form.addRow(tr("Étape"), self.fund_step)
        form.addRow(tr("Financeur"), self.fund_funder)
        form.addRow(tr("Ligne"), self.fund_line)
        form.addRow(tr("Montant (€)"), self.fund_amount)
        form.addRow(tr("Date"), self.fund_date)
        form.addRow("", self.fund_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.facts_list, 1)
        layout.addWidget(self.error_line)
        row = QHBoxLayout()
        row.addWidget(pci, 3)
        row.addWidget(prev, 2)
        row.addWidget(fund, 2)
        layout.addLayout(row)

    # --- data ----------------------------------------------------------------------------------

    def set_today(self, today) -> None:
        self._today = today
        for edit in (self.pci_date, self.prev_start, self.fund_date):
            edit.setText(fr_date(today()))

    def set_file(self, beneficiary_id: str | None) -> None:
        self._beneficiary_id = beneficiary_id
        if beneficiary_id is None:
            self.clear()
            return
        self._worker.submit(_load, beneficiary_id, on_done=self._show, on_error=self.error_line.show_failure)

    def _show(self, result: tuple[list[str], list[P.Step]]) -> None:
        lines, steps = result
        self.facts_list.clear()
        self.facts_list.addItems(lines or [self.tr("Rien d'enregistré pour les indicateurs de la convention.")])
        self.fund_step.clear()
        for s in steps:
            when = s.actual_start or s.planned_start or s.proposed_on
            label = f"{s.stage.label} — {s.status.label}" + (f" ({fr_date(when)})" if when else "")
            self.fund_step.addItem(label, s.id)
        self.loaded.emit()

    def clear(self) -> None:
        self.facts_list.clear()
        self.fund_step.clear()
        self.error_line.show_error("")

    # --- changes -------------------------------------------------------------------------------

    def _submit(self, fn, *args, done: str) -> None:
        if not self._beneficiary_id:
            return
        self.error_line.show_error("")
        def saved(_: object) -> None:
            self.changed.emit(done)
            self.set_file(self._beneficiary_id)  # the file shown then (reloaded)

        self._worker.submit(fn, *args, on_done=saved, on_error=self.error_line.show_failure)

    def add_pci(self) -> None:
        recs = [{"code": code, "followed": None} for code, box in self.pci_boxes.items() if box.isChecked()]
        self._submit(facts.add_pci, self._beneficiary_id,
                     {"held_on": self.pci_date.text(), "held_by": self.pci_by.currentData(), "recommendations": recs},
                     done=self.tr("Point Conseils Intérimaire enregistré."))

    def set_prevention(self) -> None:
        self._submit(facts.set_prevention, self._beneficiary_id,
                     {"status": self.prev_status.currentData(), "started_on": self.prev_start.text(),
                      "completed_on": self.prev_end.text()},
                     done=self.tr("Parcours prévention enregistré."))

    def set_sas_interest(self) -> None:
        self._submit(facts.set_sas_interest, self._beneficiary_id, {"interested": self.sas_combo.currentData()},
                     done=self.tr("Intérêt pour le SAS enregistré."))

    def add_funding(self) -> None:
        self._submit(facts.add_funding,
                     {"target_kind": "etape", "target_id": self.fund_step.currentData() or "",
                      "funder": self.fund_funder.currentData(), "line": self.fund_line.currentData(),
                      "amount": self.fund_amount.text(), "granted_on": self.fund_date.text()},
                     done=self.tr("Financement ajouté."))
