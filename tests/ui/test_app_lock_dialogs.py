"""Issue 12, bug 2: a lock keeps the dialogs that hold typed input. They are hidden while the
vault is locked (no name left on screen) and come back after the unlock with what was typed, and
still work on the reopened vault: « Nouvelle orientation », a new session, the guided
orientation."""

from __future__ import annotations

from PySide6.QtCore import Qt

from conseiller_app.storage.services import beneficiaries, referrals
from conseiller_app.ui.session import State
from tests.ui.shell_helpers import unlock

SUMMARY = "Permis B en cours ; garde d'enfants trouvée."


def _person(ctx) -> str:
    return beneficiaries.create(ctx, {"last_name": "N'Diaye", "first_name": "Aïssatou", "birth_date": "1992-07-14",
                                      "commune": "Arras", "public": "rsa"})


def shown_texts(win) -> list[str]:
    """The texts of the widgets on screen (a hidden dialog keeps its texts, off screen)."""
    from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit

    out = []
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for w in top.findChildren(QLabel) + top.findChildren(QLineEdit) + top.findChildren(QPlainTextEdit):
            if w.isVisible():
                out.append(w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())
    return out


def _lock(win, qtbot) -> None:
    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    assert win.current_screen() is win.unlock_screen


def test_new_referral_with_a_person_and_a_summary_survives_the_lock(shell, vault, ctx, passphrase, qtbot):
    bid = _person(ctx)
    vault.close()
    win = shell.unlocked(passphrase)
    win.workspace.show_page("orientations")
    page = win.orientations
    qtbot.waitUntil(lambda: page.env is not None)
    dialog = page.new_referral()
    qtbot.waitExposed(dialog)
    dialog.picker.edit.setText("ndiaye")
    dialog.picker.search_now()
    qtbot.waitUntil(lambda: dialog.person is not None)
    dialog.summary.setPlainText(SUMMARY)

    _lock(win, qtbot)
    assert not dialog.isVisible()
    assert not any("DIAYE" in t.upper() for t in shown_texts(win))

    unlock(qtbot, win, passphrase)
    qtbot.waitUntil(lambda: dialog.isVisible())
    assert dialog.summary.toPlainText() == SUMMARY and dialog.person.id == bid
    assert "N'DIAYE" in dialog.person_label.text().upper()
    # It still works on the reopened vault: refused without consent, explained in the dialog.
    assert dialog.create_button.isEnabled()
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.consent_button.isVisible())
    assert dialog.isVisible() and referrals.list_referrals(ctx) == []


def test_new_session_dialog_survives_the_lock(shell, vault, passphrase, qtbot):
    vault.close()
    win = shell.unlocked(passphrase)
    win.workspace.show_page("ateliers")
    page = win.ateliers
    qtbot.waitUntil(lambda: page.env is not None)
    dialog = page.new_session()
    qtbot.waitExposed(dialog)
    dialog.title_edit.setText("Atelier BTP de décembre")
    _lock(win, qtbot)
    assert not dialog.isVisible()
    unlock(qtbot, win, passphrase)
    qtbot.waitUntil(lambda: dialog.isVisible())
    assert dialog.title_edit.text() == "Atelier BTP de décembre"


def test_guided_orientation_survives_the_lock(shell, vault, ctx, passphrase, qtbot):
    bid = _person(ctx)
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    vault.close()
    win = shell.unlocked(passphrase)
    win.open_beneficiary(bid)
    qtbot.waitUntil(lambda: win.beneficiaries.editor_of(bid) is not None
                    and win.beneficiaries.editor_of(bid).pathway._state is not None, timeout=10_000)
    editor = win.beneficiaries.editor_of(bid)
    editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
    tab = editor.pathway
    qtbot.mouseClick(tab.wizard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.wizard is not None and tab.wizard.wizard is not None)
    dlg = tab.wizard
    dlg.consent_agency.setCurrentIndex(dlg.consent_agency.findData(agency))
    dlg.consent_button.click()
    assert len(dlg.wizard.operations) == 1

    _lock(win, qtbot)
    assert not dlg.isVisible()
    unlock(qtbot, win, passphrase)
    qtbot.waitUntil(lambda: dlg.isVisible())
    assert tab.wizard is dlg and len(dlg.wizard.operations) == 1
    dlg.save_button.click()
    qtbot.waitUntil(lambda: tab.wizard is None)
    assert beneficiaries.get(ctx, bid, record_read=False).consents[0].partner_id == agency
