"""« Parcours »: the steps of the person's pathway, read-only (the guided pathway comes with a
later version)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from PySide6.QtGui import QBrush, QColor

from conseiller_app.domain.enums import OutcomeCategory, StepReason, StepStatus
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.widgets import fill_table, read_only_table


_STATUS_COLORS = {
    StepStatus.DONE.value: "#188038",
    StepStatus.IN_PROGRESS.value: "#1967d2",
    StepStatus.PLANNED.value: "#1967d2",
    StepStatus.PROPOSED.value: "#5f6368",
    StepStatus.ABANDONED.value: "#b3261e",
    StepStatus.NOT_DONE.value: "#b3261e",
    StepStatus.REDIRECTED.value: "#b06000",
    StepStatus.SKIPPED.value: "#5f6368",
}


def _reason(step: dict) -> str:
    parts = []
    if step.get("outcome"):
        try:
            parts.append(OutcomeCategory(step["outcome"]).label)
        except ValueError:
            parts.append(step["outcome"])
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
                                      self.tr("Début"), self.tr("Fin"), self.tr("Résultat, motif ou commentaire")])
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
        current = self.tr("Étape actuelle : <b>%1</b>").replace("%1", stage_label) if stage_label else ""
        self.current_label.setText(current)
        rows = [
            [s["stage_label"], s["status_label"], fr_date(s["proposed_on"]),
             fr_date(s["actual_start"] or s["planned_start"]), fr_date(s["actual_end"] or s["planned_end"]),
             _reason(s)]
            for s in steps
        ]
        fill_table(self.table, rows)
        for r, step in enumerate(steps):
            color = _STATUS_COLORS.get(step["status"])
            if color:
                self.table.item(r, 1).setForeground(QBrush(QColor(color)))

    def clear(self) -> None:
        self.set_steps("", [])
