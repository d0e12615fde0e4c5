"""Screen readers (NVDA, Orca): names for widgets that have no label of their own, names and
descriptions for tables, and announcements of changes that are only shown (« Enregistré »,
an error line)."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QAbstractItemView, QFormLayout, QLabel, QLayout, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, description: str = "") -> W:
    """Give ``widget`` the name a screen reader says (and an optional description); returns it."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def table(view: QAbstractItemView, name: str, description: str) -> QAbstractItemView:
    """A table's name (« Relances à faire ») and what it holds and how to use it."""
    return named(view, name, description)


def _first_focusable(layout: QLayout) -> QWidget | None:
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        w = item.widget()
        if w is not None and w.focusPolicy() != Qt.FocusPolicy.NoFocus:
            return w
        inner = item.layout()
        if inner is not None:
            found = _first_focusable(inner)
            if found is not None:
                return found
    return None


def label_layout_rows(form: QFormLayout) -> None:
    """``QFormLayout.addRow(text, layout)`` makes a label without a buddy: give each such label
    the first focusable widget of its row, so the row's field is named by its label."""
    for row in range(form.rowCount()):
        label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label_item is None or field_item is None:
            continue
        label = label_item.widget()
        if not isinstance(label, QLabel) or label.buddy() is not None:
            continue
        target = field_item.widget()
        field_layout = field_item.layout() if target is None else target.layout()
        container = target is None or target.focusPolicy() == Qt.FocusPolicy.NoFocus
        if container and field_layout is not None:  # a row of several widgets: name its first
            target = _first_focusable(field_layout)
        if target is not None:
            label.setBuddy(target)


#: Called with (widget, text) on each announcement, screen reader or not (tests listen here).
listeners: list = []


def announce(widget: QWidget, text: str, assertive: bool = False) -> None:
    """Say ``text`` through the screen reader (a state change shown only on screen)."""
    if not text:
        return
    for listener in list(listeners):
        listener(widget, text)
    if not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    if assertive:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)
