"""Open files by keyboard, the Qt way: Ctrl+Tab / Ctrl+PgDown to the next open file (even from
inside a file, whose own tabs would otherwise take the keys), Ctrl+Shift+Tab / Ctrl+PgUp back,
Ctrl+W closes the current file."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_beneficiaries_support import OFFSCREEN_NOISE, open_page

pytestmark = OFFSCREEN_NOISE


def test_ctrl_tab_moves_between_open_files_and_ctrl_w_closes_one(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    for name in ("Dubois", "Martin"):
        page.open_file(people[name])
        qtbot.waitUntil(lambda: page.current_editor() is not None and page.current_editor()._data is not None)
    assert page.tabs.count() == 3 and page.tabs.currentIndex() == 2
    editor = page.current_editor()
    editor.identity.widget_of("last_name").setFocus()  # typing in the second file
    qtbot.waitUntil(lambda: editor.identity.widget_of("last_name").hasFocus())

    inner = editor.tabs.currentIndex()
    qtbot.keyClick(editor.identity.widget_of("last_name"), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentIndex() == 0  # round to the list
    assert editor.tabs.currentIndex() == inner  # the file's own tabs did not move
    qtbot.keyClick(page.tabs.currentWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentIndex() == 1
    qtbot.keyClick(page.tabs.currentWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentIndex() == 0
    page.tabs.setCurrentIndex(1)
    field = page.current_editor().identity.widget_of("first_name")
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)

    qtbot.keyClick(field, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.count() == 2 and "MARTIN" in page.tabs.tabText(1)
    page.tabs.setCurrentIndex(0)
    page.list_page.setFocus()
    qtbot.keyClick(page.tabs.currentWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.count() == 2  # the list itself never closes
