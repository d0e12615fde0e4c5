"""Screen readers (NVDA, Orca): names for widgets that have no label of their own, names and
descriptions for tables, and announcements of changes that are only shown (« Enregistré »,
an error line)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QAbstractItemView, QFormLayout, QLabel, QLayout, QWidget


def named(widget: QWidget, name: str, description: str = "") -> QWidget:
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
        w = item.widget()
        if w is not None and w.focusPolicy() != Qt.FocusPolicy.NoFocus:
            return w
        if item.layout() is not None:
            found = _first_focusable(item.layout())
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
        if target is None and field_item.layout() is not None:
            target = _first_focusable(field_item.layout())
        elif target is not None and target.focusPolicy() == Qt.FocusPolicy.NoFocus and target.layout() is not None:
            target = _first_focusable(target.layout())
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
