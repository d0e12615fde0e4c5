"""Combo boxes filled with reference choices: an optional « all » entry first, values in data."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox


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
