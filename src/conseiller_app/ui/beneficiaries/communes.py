"""The 887 communes of the Pas-de-Calais for the commune field: an accent-insensitive completer
(« bethune » proposes « Béthune (62400) ») and a resolver matching the services' own."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QCompleter

from conseiller_app.domain.text import fold

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
INSEE_ROLE = Qt.ItemDataRole.UserRole + 2


def _key(text: str) -> str:
    return fold(text).replace("-", " ").replace("'", " ").replace("’", " ").strip()


class CommuneResolver:
    """INSEE code, postal code or name → matching INSEE codes (as ``commune_resolver`` does)."""

    def __init__(self, communes: list[dict]) -> None:
        self._by_insee = {c["insee"]: c for c in communes}
        self._by_name: dict[str, list[str]] = {}
        for c in communes:
            self._by_name.setdefault(_key(c["name"]), []).append(c["insee"])
        self._communes = communes

    def __call__(self, text: str) -> list[str]:
        text = (text or "").strip()
        if text.isdigit() and len(text) == 5:
            if text in self._by_insee:
                return [text]
            return [c["insee"] for c in self._communes if text in c["postal_codes"]]
        return list(self._by_name.get(_key(text), []))

    def get(self, insee: str) -> dict | None:
        return self._by_insee.get(insee)


class CommuneListModel(QAbstractListModel):
    """Display « Béthune (62400) », edit « Béthune », search on the folded name and postal codes."""

    def __init__(self, communes: list[dict] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str]] = []
        self.set_communes(communes or [])

    def set_communes(self, communes: list[dict]) -> None:
        self.beginResetModel()
        self._rows = [
            (c["insee"], c["name"], f"{c['name']} ({(c['postal_codes'].split() or [c['insee']])[0]})",
             f"{_key(c['name'])} {c['postal_codes']}")
            for c in communes
        ]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        insee, name, display, search = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display
        if role == Qt.ItemDataRole.EditRole:
            return name
        if role == SEARCH_ROLE:
            return search
        if role == INSEE_ROLE:
            return insee
        return None


class CommuneCompleter(QCompleter):
    """Matches what is typed, folded, anywhere in the name or postal codes; inserts the name."""

    def __init__(self, model: CommuneListModel, parent=None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setCompletionRole(SEARCH_ROLE)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setMaxVisibleItems(12)

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 - Qt API
        return [_key(path)]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:  # noqa: N802 - Qt API
        return index.data(Qt.ItemDataRole.EditRole) or ""
