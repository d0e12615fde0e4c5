"""The Notes tab with its dated entries: a note is added with the day and the conseiller's name,
newest first; the former free-text notes stay editable below."""

from __future__ import annotations

from PySide6.QtCore import Qt

from conseiller_app.storage.services import followup
from conseiller_app.ui.beneficiaries.notes_tab import NotesTab
from tests.ui.pages_support import OFFSCREEN_NOISE, make_person, show

pytestmark = OFFSCREEN_NOISE


def test_a_note_is_added_dated_and_signed(qtbot, ctx, sync_worker):
    bid = make_person(ctx)
    tab = show(qtbot, NotesTab(worker=sync_worker))
    tab.set_file(bid)
    assert "Aucune note datée" in tab.entries.toPlainText()
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert "Note" in tab.error_line.text() and followup.notes(ctx, bid) == []
    tab.new_note.setPlainText("Appel : inscription à l'auto-école sociale faite.")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    assert followup.notes(ctx, bid)[0].text == "Appel : inscription à l'auto-école sociale faite."
    shown = tab.entries.toPlainText()
    assert "28/11/2026 — Marie Dupont" in shown and "auto-école sociale" in shown
    assert tab.new_note.toPlainText() == ""
    tab.set_file(None)
    assert tab.entries.toPlainText() == "" and not tab.add_button.isEnabled()
