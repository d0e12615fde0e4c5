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
    QApplication,
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


def _open_guided_orientation(qtbot, ctx, worker):
    """A fresh file with a barrier that has offers, an atelier today the person is registered to
    (its attendance to note), an agency with a consent: every step has its widgets."""
    from conseiller_app.domain import orientation_wizard as W
    from conseiller_app.storage.services import followup, referrals, sessions
    from tests.ui.test_beneficiaries_support import make_file
    from tests.ui.test_parcours_orientation import choose, click, editor_for, open_wizard

    bid = make_file(ctx, "Lefèvre", "Amélie")
    followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP Arras",
                                "start_date": ctx.today().isoformat(), "commune": "Arras", "capacity": 12,
                                "chantier": "csne"}).id
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    dlg = open_wizard(qtbot, editor_for(qtbot, ctx, worker, bid).pathway)
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    dlg.wizard.go(W.Page.SESSION)
    dlg.refresh()
    dlg.select_session(sid)
    click(qtbot, dlg.register_button)
    return dlg, sid


def test_every_step_of_the_guided_orientation_names_its_widgets(qtbot, ctx, sync_worker):
    """The widgets a step builds from the file (offers, attendance, the end of the open step and its
    reason, the reason for passing steps) have names too, and say what they are about."""
    from conseiller_app.domain import orientation_wizard as W
    from tests.ui.test_parcours_orientation import click

    dlg, sid = _open_guided_orientation(qtbot, ctx, sync_worker)
    found = {}
    # The close step while the atelier is open, then the attendance noted (the atelier done), so
    # that orienting now passes découverte and SAS and asks for its reason.
    for page in (W.Page.CONSENT, W.Page.BARRIERS, W.Page.SESSION, W.Page.CLOSE, W.Page.ATTENDANCE,
                 W.Page.REFERRAL, W.Page.SUMMARY):
        dlg.wizard.go(page)
        dlg.refresh()
        if page is W.Page.CLOSE:  # a step ending otherwise than « réalisée » asks for its reason
            dlg.end_status.setCurrentIndex(dlg.end_status.count() - 1)
            assert dlg.end_reason.isVisibleTo(dlg)
            assert dlg.end_status.accessibleName().startswith("Fin de « ")
        if page is W.Page.REFERRAL:
            assert dlg.skip_row.isVisibleTo(dlg)
            assert "« Découverte métiers »" in dlg.skip_reason.accessibleName()
        found[page.value] = unnamed_widgets(dlg)
        if page is W.Page.ATTENDANCE:
            present = dlg.attendance_buttons[(sid, "present")]
            assert present.accessibleName().startswith("Présent")
            assert "Atelier BTP Arras" in present.accessibleName()
            click(qtbot, present)
    assert found == {page.value: [] for page in W.PAGES}
    assert dlg.offer_buttons
    assert dlg.nav.item(0).data(Qt.ItemDataRole.AccessibleTextRole) == "1. Consentement, fait"


def _current_step_as_drawn(dlg) -> tuple[float, float, str]:
    """(contrast of the darkest pixel of the current step's row on the row's background, contrast
    of the row's left edge on the list's background, the left edge's colour on another row)."""
    from tests.ui.test_contrast import contrast

    nav = dlg.nav
    image = nav.viewport().grab().toImage()
    rect = nav.visualItemRect(nav.currentItem())
    y = rect.center().y()
    back = image.pixelColor(rect.right() - 6, y).name()
    inside = rect.adjusted(6, 3, -6, -3)  # the text and its mark, not the focus frame
    darkest = min((image.pixelColor(x, yy) for x in range(inside.left(), inside.right())
                   for yy in range(inside.top(), inside.bottom())), key=lambda c: c.lightness()).name()
    other = nav.visualItemRect(nav.item(0 if nav.currentRow() else 1))
    list_back = image.pixelColor(other.right() - 6, other.center().y()).name()
    return (contrast(darkest, back), contrast(image.pixelColor(rect.left() + 1, y).name(), list_back),
            image.pixelColor(other.left() + 1, other.center().y()).name())


def test_the_step_shown_stays_marked_when_the_wizard_loses_the_focus(qtbot, ctx, sync_worker):
    """With the application's style sheet, the current step of the list is drawn readable (its
    text at 4.5:1 at least, as measured on the pixels) and marked (an edge at 3:1 at least on the
    list), in the active window with the list focused, and in a window that lost the focus."""
    from conseiller_app.domain import orientation_wizard as W
    from conseiller_app.ui.app import style_sheet

    app = QApplication.instance()
    app.setStyleSheet(style_sheet())
    try:
        dlg, _sid = _open_guided_orientation(qtbot, ctx, sync_worker)
        dlg.wizard.go(W.Page.SESSION)
        dlg.refresh()
        dlg.activateWindow()
        qtbot.waitUntil(dlg.isActiveWindow)
        dlg.nav.setFocus()
        qtbot.waitUntil(dlg.nav.hasFocus)
        active = _current_step_as_drawn(dlg)
        other = QWidget()
        qtbot.addWidget(other)
        other.show()
        other.activateWindow()
        qtbot.waitUntil(lambda: not dlg.isActiveWindow())
        inactive = _current_step_as_drawn(dlg)
    finally:
        app.setStyleSheet("")
    for text, edge, other_edge in (active, inactive):
        assert text >= 4.5
        assert edge >= 3.0
        assert other_edge == "#ffffff"  # only the current step has the edge


def test_the_guided_orientation_reads_without_clipping_at_1024x700(qtbot, ctx, sync_worker):
    """At 1024 × 700: every step's name fits the step list in bold (the step shown); the sessions'
    title has room and no column leaves the table; the chantier is named, not coded; no label
    stands alone (« Parcours » without its reason)."""
    from PySide6.QtGui import QFontMetrics

    from conseiller_app.domain import orientation_wizard as W

    dlg, _sid = _open_guided_orientation(qtbot, ctx, sync_worker)
    dlg.resize(1024, 700)
    bold = dlg.nav.font()
    bold.setBold(True)
    for i in range(dlg.nav.count()):
        text = dlg.nav.item(i).text()
        assert QFontMetrics(bold).horizontalAdvance(text) + dlg.nav.iconSize().width() + 16 <= \
            dlg.nav.viewport().width(), text
    dlg.wizard.go(W.Page.SESSION)
    dlg.refresh()
    dlg.f_territory.setCurrentIndex(dlg.f_territory.findData(W.ALL_TERRITORIES))
    table = dlg.session_table
    qtbot.waitUntil(lambda: table.viewport().width() > 500)
    header = table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(table.columnCount())]
    assert sum(widths) <= table.viewport().width()
    assert widths[0] >= table.viewport().width() // 7
    assert "Canal Seine-Nord Europe" in table.item(0, 4).text() and "csne" not in table.item(0, 4).text()
    dlg.wizard.go(W.Page.REFERRAL)  # the atelier is open: nothing is passed, the row is hidden
    dlg.refresh()
    assert not dlg.skip_row.isVisibleTo(dlg)
    assert not dlg.ref_form.labelForField(dlg.skip_row).isVisibleTo(dlg)
