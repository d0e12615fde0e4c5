"""Keyboard focus is visible on every kind of widget the screens use: each looks different
with the focus than without (rendered with the application's style sheet)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.ui.app import style_sheet
from tests.ui.pages_support import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE


def _navigation() -> QListWidget:
    w = QListWidget()
    w.setObjectName("navigation")
    w.addItems(["Tableau de bord", "Bénéficiaires"])
    w.setCurrentRow(0)
    return w


def _primary() -> QPushButton:
    b = QPushButton("Enregistrer")
    b.setObjectName("primary")
    return b


def _table() -> QTableWidget:
    t = QTableWidget(2, 2)
    t.setCurrentCell(0, 0)
    return t


def _tree() -> QTreeWidget:
    t = QTreeWidget()
    t.addTopLevelItem(QTreeWidgetItem(["Mobilité"]))
    t.setCurrentItem(t.topLevelItem(0))
    return t


def _combo() -> QComboBox:
    c = QComboBox()
    c.addItems(["Arrageois", "Artois"])
    return c


KINDS = {
    "bouton": lambda: QPushButton("Annuler"),
    "bouton principal": _primary,
    "navigation": _navigation,
    "champ": QLineEdit,
    "zone de texte": QPlainTextEdit,
    "tableau": _table,
    "arbre": _tree,
    "liste": lambda: QListWidget(),
    "liste déroulante": _combo,
    "nombre": QSpinBox,
    "date": QDateEdit,
    "case à cocher": lambda: QCheckBox("Places libres"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_focus_changes_how_the_widget_looks(qtbot, kind):
    window = QWidget()
    window.setStyleSheet(style_sheet())
    other = QLineEdit()  # holds the focus first
    widget = KINDS[kind]()
    layout = QVBoxLayout(window)
    layout.addWidget(other)
    layout.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    before = widget.grab().toImage()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    after = widget.grab().toImage()
    assert before != after, f"« {kind} » : le focus clavier ne se voit pas"
