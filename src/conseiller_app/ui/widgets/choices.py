"""Reference choices in widgets: combo boxes with an optional « all » entry first, and lists of
check boxes; the values ride in the items' data."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget, QListWidgetItem, QWidget


def fill_combo(combo: QComboBox, choices: Iterable[tuple[str, str]], all_label: str | None = None,
               keep: bool = True) -> None:
    """Fill with (value, label); with ``all_label`` a first entry of value None. Keeps the
    current value when it is still offered."""
    current = combo.currentData() if keep else None
    combo.blockSignals(True)
    combo.clear()
    if all_label is not None:
        combo.addItem(all_label, None)
    for value, label in choices:
        combo.addItem(label, value)
    index = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def select_data(combo: QComboBox, value) -> bool:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


class CheckList(QListWidget):
    """A list of (value, label) choices, each with a check box (trades aimed at, for instance)."""

    def __init__(self, choices: Iterable[tuple[Any, str]] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for value, label in choices:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)

    def checked(self) -> list:
        """The values checked, in list order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def check(self, values: Collection, *, only: bool = False) -> None:
        """Check ``values``; with ``only``, uncheck the others (else they stay as they are)."""
        for i in range(self.count()):
            item = self.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in values:
                item.setCheckState(Qt.CheckState.Checked)
            elif only:
                item.setCheckState(Qt.CheckState.Unchecked)
