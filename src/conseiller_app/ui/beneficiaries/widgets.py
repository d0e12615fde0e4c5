"""Small shared widgets of the file editor: read-only tables, banners, error lines."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from conseiller_app.ui.beneficiaries.errors import sentence

_BANNER_STYLES = {
    "info": "background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 4px;",
    "warning": "background: #fef7e0; border: 1px solid #f9d67a; border-radius: 4px;",
    "error": "background: #fce8e6; border: 1px solid #f4b4ae; border-radius: 4px;",
}


def read_only_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def fill_table(table: QTableWidget, rows: list[list[str]], data: list[object] | None = None) -> None:
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c == 0 and data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data[r])
            table.setItem(r, c, item)
    table.resizeRowsToContents()


class Banner(QFrame):
    """A coloured message line with optional buttons (never modal)."""

    def __init__(self, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 10, 6)
        self._layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        self.setStyleSheet(f"QFrame#banner {{ {_BANNER_STYLES[kind]} }}")

    def add_button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self._layout.addWidget(button)
        self.buttons.append(button)
        return button

    def show_message(self, text: str, kind: str | None = None) -> None:
        if kind:
            self.set_kind(kind)
        self.label.setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.label.clear()
        self.hide()


class ErrorLine(QLabel):
    """A red message line under a small form, hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("color: #b3261e;")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str, label: str | None = None) -> None:
        text = sentence(message)
        if message and label:
            text = f"{label} : {message}"
        self.setText(text)
        self.setVisible(bool(message))


def alive(obj) -> bool:
    """False once Qt has deleted the C++ side of ``obj`` (a tab closed while work was running)."""
    import shiboken6

    return shiboken6.isValid(obj)


def left_aligned(widget: QWidget) -> QWidget:
    """A button at its natural width, not stretched across a form's field column."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addStretch(1)
    return holder
