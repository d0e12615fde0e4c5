"""The unlocked workspace: a side navigation list and the stack of pages it switches between."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from conseiller_app.ui.pages.base import call_hook


class Workspace(QWidget):
    page_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(210)
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self._keys: list[str] = []
        self.pages: dict[str, QWidget] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.nav.currentRowChanged.connect(self._row_changed)

    def add_page(self, key: str, title: str, page: QWidget) -> None:
        self._keys.append(key)
        self.pages[key] = page
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setSizeHint(QSize(0, 40))
        self.nav.addItem(item)
        self.stack.addWidget(page)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def current_page(self) -> QWidget | None:
        key = self.current_key()
        return self.pages.get(key) if key else None

    def show_page(self, key: str) -> None:
        if key in self.pages:
            self.nav.setCurrentRow(self._keys.index(key))

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            page = self.pages[self._keys[row]]
            self.stack.setCurrentWidget(page)
            call_hook(page, "page_shown")
            self.page_changed.emit(self._keys[row])

    def each_page(self):
        return list(self.pages.values())
