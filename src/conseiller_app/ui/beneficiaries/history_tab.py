"""« Historique »: the audit journal of the file (who opened it, who changed what, when), and the
« Relevé droit d'accès… » button (everything held about the person, RGPD article 15)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from conseiller_app.storage.services.followup import AuditRow, describe_audit
from conseiller_app.ui.beneficiaries.formatting import fr_local_datetime
from conseiller_app.ui.beneficiaries.widgets import fill_table, read_only_table
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401


class HistoryTab(QWidget):
    access_report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = read_only_table([self.tr("Date"), self.tr("Par"), self.tr("Action"), self.tr("Détail")])
        self.table.setObjectName("historyTable")
        table(self.table, self.tr("Historique du dossier"),
              self.tr("Qui a fait quoi et quand sur ce dossier, le plus récent d'abord."))
        note = QLabel(self.tr("Chaque consultation et chaque modification du dossier sont tracées ; "
                              "ce journal ne peut pas être modifié."))
        note.setStyleSheet("color: #5f6368;")
        note.setWordWrap(True)
        self.access_button = QPushButton(self.tr("Relevé droit d'accès…"))
        self.access_button.setObjectName("accessReportButton")
        self.access_button.setToolTip(self.tr("Imprimer tout ce que le dossier contient sur la personne "
                                              "(droit d'accès, article 15 du RGPD). Cette consultation est tracée."))
        self.access_button.clicked.connect(self.access_report_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(self.access_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._offers: dict[str, str] = {}

    def set_offers(self, offers: list[dict]) -> None:
        self._offers = {o["code"]: o["name"] for o in offers}

    def set_entries(self, entries: list[AuditRow]) -> None:
        rows = [
            [fr_local_datetime(e.at), e.who, e.action_label, describe_audit(e, self._offers)] for e in entries
        ]
        fill_table(self.table, rows)

    def entries(self) -> list[tuple[str, str]]:
        """(who, action label) of each row, for tests and accessibility checks."""
        def text(r: int, c: int) -> str:
            item = self.table.item(r, c)
            return item.text() if item is not None else ""

        return [(text(r, 1), text(r, 2)) for r in range(self.table.rowCount())]

    def clear(self) -> None:
        self.set_entries([])
