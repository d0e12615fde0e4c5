"""The history of bundles sent to and received from the central office (at most the last 50
of ``service.status``: a small, in-memory list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from conseiller_app.sync.service import BundleRow
from conseiller_app.ui.sync_page.when import stamp

_Index = QModelIndex | QPersistentModelIndex

STATUS_COLORS = {"exporte": "#a5460b", "accuse": "#1e6b3a", "importe": "#1f5fa8"}


class HistoryModel(QAbstractTableModel):
    COLUMNS = 5

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[BundleRow] = []

    def set_rows(self, rows: Sequence[BundleRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_data(self, row: int) -> BundleRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = (self.tr("Sens"), self.tr("N°"), self.tr("Date"), self.tr("Contenu"), self.tr("État"))
        return headers[section] if 0 <= section < len(headers) else None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        b = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(b, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(b)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return QBrush(QColor(STATUS_COLORS.get(b.status, "#1b2631")))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, b: BundleRow, column: int) -> str:
        out = b.direction == "out"
        if column == 0:
            return self.tr("Envoyé au siège") if out else self.tr("Reçu du siège")
        if column == 1:
            return str(b.sequence)
        if column == 2:
            return stamp(b.created_at)
        if column == 3:
            return self._content(b)
        return self.status_label(b)

    def _content(self, b: BundleRow) -> str:
        n = b.changes
        if b.direction == "out":
            text = self.tr("{n} changement").format(n=n) if n <= 1 else self.tr("{n} changements").format(n=n)
            if b.audit:
                text += self.tr(", {n} entrées d'audit").format(n=b.audit) if b.audit > 1 \
                    else self.tr(", 1 entrée d'audit")
            return text
        parts = []
        if b.reference_version:
            parts.append(self.tr("Données de référence\u00a0: publication n°{v} du siège").format(v=b.reference_version))
        if n:
            parts.append(self.tr("1 enregistrement reçu") if n == 1 else
                         self.tr("{n} enregistrements reçus").format(n=n))
        return ", ".join(parts) or self.tr("Accusé de réception")

    def status_label(self, b: BundleRow) -> str:
        labels = {"exporte": self.tr("Exporté, en attente d'accusé de réception"),
                  "accuse": self.tr("Reçu par le siège"), "importe": self.tr("Importé")}
        return labels.get(b.status, b.status_label or b.status)

    def _tooltip(self, b: BundleRow) -> str:
        lines = [self.tr("Fichier : {name}").format(name=b.file_name)]
        if b.acknowledged_at:
            lines.append(self.tr("Accusé de réception du siège le {when}").format(when=stamp(b.acknowledged_at)))
        return "\n".join(lines)
