"""« Historique »: the audit journal of the file (who opened it, who changed what, when)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from conseiller_app.domain.beneficiary import LABELS
from conseiller_app.domain.enums import BarrierStatus, BarrierType, ConsentScope, PartnerKind
from conseiller_app.ui.beneficiaries.formatting import fr_local_datetime
from conseiller_app.ui.beneficiaries.widgets import fill_table, read_only_table


def _label(enum_cls, value: str) -> str:
    try:
        return enum_cls(value).label
    except ValueError:
        return value


def describe(entry: dict, offers: dict[str, str]) -> str:
    """The journal's details (field names and codes only, never values) in French."""
    details = entry.get("details") or {}
    action = entry.get("action")
    if action == "create":
        return ""
    if action == "update" and details.get("fields"):
        return ", ".join(LABELS.get(f, f) for f in details["fields"])
    if action == "barrier_added" and details.get("type"):
        return _label(BarrierType, details["type"])
    if action == "barrier_updated" and details.get("status"):
        return _label(BarrierStatus, details["status"])
    if action == "barrier_action":
        return offers.get(details.get("offer") or "", details.get("offer") or "")
    if action == "consent_recorded":
        kind = _label(PartnerKind, details.get("partner_kind", ""))
        scope = ", ".join(_label(ConsentScope, s) for s in details.get("scope", []))
        return f"{kind} — {scope}" if scope else kind
    return ", ".join(f"{k} : {v}" for k, v in details.items() if not isinstance(v, (dict, list)))


class HistoryTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = read_only_table([self.tr("Date"), self.tr("Par"), self.tr("Action"), self.tr("Détail")])
        self.table.setObjectName("historyTable")
        note = QLabel(self.tr("Chaque consultation et chaque modification du dossier sont tracées ; "
                              "ce journal ne peut pas être modifié."))
        note.setStyleSheet("color: #5f6368;")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self._offers: dict[str, str] = {}

    def set_offers(self, offers: list[dict]) -> None:
        self._offers = {o["code"]: o["name"] for o in offers}

    def set_entries(self, entries: list[dict]) -> None:
        rows = [[fr_local_datetime(e["at"]), e["who"], e["action_label"], describe(e, self._offers)] for e in entries]
        fill_table(self.table, rows)

    def entries(self) -> list[tuple[str, str]]:
        """(who, action label) of each row, for tests and accessibility checks."""
        return [(self.table.item(r, 1).text(), self.table.item(r, 2).text()) for r in range(self.table.rowCount())]

    def clear(self) -> None:
        self.set_entries([])
