"""Accessibility: every interactive widget of every screen and dialog of the tour has a name a
screen reader can say (its own accessible name, its text, or a label whose buddy it is); tables
have a name and a description; the style sheet's text colours reach a 4.5:1 contrast."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCalendarWidget,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextEdit,
    QTreeView,
    QWidget,
)

from tests.ui.pages_support import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QTextEdit, QPlainTextEdit)
# Parts of a compound widget: the compound one carries the name.
INSIDE_OF = (QAbstractSpinBox, QComboBox, QCalendarWidget, QAbstractItemView, QTabBar)


def _inside_compound(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, INSIDE_OF):
            return True
        p = p.parentWidget()
    return False


def spoken_name(w: QWidget, buddies: dict[int, str]) -> str:
    """What a screen reader says for the widget: its accessible name, a button's text, or the
    text of the label it is the buddy of."""
    if w.accessibleName().strip():
        return w.accessibleName().strip()
    if isinstance(w, QAbstractButton) and w.text().replace("&", "").strip():
        return w.text()
    return buddies.get(id(w), "")


def unnamed_widgets(root: QWidget) -> list[str]:
    buddies = {}
    for label in root.findChildren(QLabel):
        if label.buddy() is not None and re.sub(r"<[^>]+>|&", "", label.text()).strip():
            buddies[id(label.buddy())] = label.text()
    problems = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, INTERACTIVE) or _inside_compound(w) or w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if w.objectName().startswith("qt_"):  # Qt's own parts (scroll area corners, dialog internals)
            continue
        if w.window() is not root.window():  # a dialog of its own, walked at its own stop
            continue
        where = f"{type(w).__name__} « {w.objectName() or '?'} » dans {type(w.parentWidget()).__name__}"
        if not spoken_name(w, buddies):
            problems.append("sans nom : " + where)
        if isinstance(w, (QTableView, QTreeView)) and not w.accessibleDescription().strip():
            problems.append("tableau sans description : " + where)
    return problems


@pytest.fixture(scope="module")
def stops(tmp_path_factory):
    """Every stop of the tour, with the problems found on it (one tour for the module: it is slow)."""
    from conseiller_app.ui.app import create_application
    from conseiller_app.ui.tour import tour

    app = create_application(["tests"])
    found: dict[str, list[str]] = {}
    try:
        for stop in tour(tmp_path_factory.mktemp("tour"), (1024, 700), demo_files=40):
            found[stop.name] = unnamed_widgets(stop.widget)
    finally:  # the other tests run with the bare application: no catalogues, no style sheet
        for translator in getattr(app, "_translators", []):
            app.removeTranslator(translator)
        app.setStyleSheet("")
    return found


def test_the_tour_covers_every_screen_and_dialog(stops):
    assert len(stops) >= 29
    assert {"02-deverrouillage", "05-fiche-1-identite", "06-ateliers-5b-participant-imprevu",
            "07-parametres-3-conservation", "08-synchronisation-2-inscription"} <= set(stops)


def test_every_interactive_widget_has_a_name(stops):
    problems = {name: found for name, found in stops.items() if found}
    assert problems == {}


def test_the_guided_orientation_widgets_have_names(stops):
    """The tour's stop: every page of the wizard is built (and walked) when it opens."""
    assert stops["05-fiche-4b-orientation-guidee"] == []
