"""« Parcours »: the steps of the person's pathway, read-only (the guided pathway comes with a
later version)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from conseiller_app.domain.enums import StepReason
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.widgets import fill_table, read_only_table


def _reason(step: dict) -> str:
    parts = []
    if step.get("reason"):
        try:
            parts.append(StepReason(step["reason"]).label)
        except ValueError:
            parts.append(step["reason"])
    if step.get("comment"):
        parts.append(step["comment"])
    return " — ".join(parts)


class PathwayTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = read_only_table([self.tr("Étape"), self.tr("Statut"), self.tr("Proposée le"),
                                      self.tr("Début"), self.tr("Fin"), self.tr("Motif / commentaire")])
        self.table.setObjectName("pathwayTable")
        self.current_label = QLabel()
        note = QLabel(self.tr("Consultation seulement : la mise à jour guidée du parcours arrive dans une "
                              "prochaine version."))
        note.setStyleSheet("color: #5f6368;")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)

    def set_steps(self, stage_label: str, steps: list[dict]) -> None:
        self.current_label.setText(self.tr("Étape actuelle : <b>%1</b>").replace("%1", stage_label) if stage_label else "")
        rows = [
            [s["stage_label"], s["status_label"], fr_date(s["proposed_on"]),
             fr_date(s["actual_start"] or s["planned_start"]), fr_date(s["actual_end"] or s["planned_end"]),
             _reason(s)]
            for s in steps
        ]
        fill_table(self.table, rows)

    def clear(self) -> None:
        self.set_steps("", [])
