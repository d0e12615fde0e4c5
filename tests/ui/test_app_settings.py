"""Paramètres (idle delay saved in the vault, passphrase change, backup), window state remembered
without personal data, the dashboard's model, the pages that later issues fill, French Qt."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import QApplication

from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.vault import Vault
from conseiller_app.ui.pages.dashboard import TodoTableModel
from conseiller_app.ui.session import State
from conseiller_app.ui.window_state import INI_FILE
from tests.ui.shell_helpers import unlock

NEW_PASSPHRASE = "lampadaire violet sous la pluie 42"


@pytest.fixture
def closed_vault(vault):
    vault.close()
    return vault


def test_idle_minutes_are_saved_in_the_vault_and_applied(shell, closed_vault, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    page = win.settings_page
    win.workspace.show_page("settings")
    qtbot.waitUntil(lambda: page.name.text() == "Marie Dupont")
    assert page.territory.currentText() == "Arrageois"
    assert page.office.text() == "MDS Arras"
    assert page.folder.text() == str(shell.data_dir)
    assert page.reference_version.text()  # the shipped reference data's version
    assert page.idle_minutes.value() == 5

    page.idle_minutes.setValue(12)
    page.save_idle_minutes()  # what the debounce timer does 0.6 s after the last change
    qtbot.waitUntil(lambda: "12 min" in page.idle_saved.text())
    assert win.idle.timeout_seconds == 12 * 60

    # Bounds come from the spin box (1–60) and the operation refuses anything else.
    assert (page.idle_minutes.minimum(), page.idle_minutes.maximum()) == (1, 60)

    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    assert page.name.text() == "" and page.folder.text() == ""
    vault = Vault.open(shell.data_dir, passphrase)
    try:
        with vault.session() as s:
            assert get_setting(s, "idle_lock_minutes") == "12"
    finally:
        vault.close()

    again = shell.unlocked(passphrase)  # a later start reads it back
    assert again.idle.timeout_seconds == 12 * 60
    qtbot.waitUntil(lambda: again.settings_page.idle_minutes.value() == 12)


def test_backup_to_a_chosen_file_opens_with_the_passphrase(shell, closed_vault, passphrase, qtbot, tmp_path,
                                                          monkeypatch):
    win = shell.unlocked(passphrase)
    page = win.settings_page
    target = tmp_path / "cle-usb" / "ma-sauvegarde"
    monkeypatch.setattr(page, "choose_backup_path", lambda: target)
    win.menu_actions.backup.trigger()
    qtbot.waitUntil(lambda: page.last_backup is not None)
    written = Path(page.last_backup)
    assert written == target.with_name("ma-sauvegarde.db") and written.exists()
    assert "Sauvegarde chiffrée enregistrée" in page.vault_status.text()
    assert win.workspace.current_key() == "settings"
    copy_dir = tmp_path / "copie"
    copy_dir.mkdir()
    written.rename(copy_dir / "coffre.db")
    Vault.open(copy_dir, passphrase).close()


def test_passphrase_change_then_unlock_with_the_new_one(shell, closed_vault, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    page = win.settings_page
    page.ask_passphrase_change()
    dialog = page.passphrase_dialog
    qtbot.waitUntil(dialog.isVisible)

    dialog.current.setText("pas la bonne du tout")
    dialog.new.setText(NEW_PASSPHRASE)
    dialog.confirm.setText(NEW_PASSPHRASE)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.current_error.isVisible())
    assert dialog.current_error.text() == "Ce n'est pas la phrase de passe actuelle du coffre."

    dialog.current.setText(passphrase)
    dialog.new.setText("court")
    dialog.confirm.setText("court")
    dialog.submit()
    assert "refusée" in dialog.new_error.text()

    dialog.new.setText(NEW_PASSPHRASE)
    dialog.confirm.setText(NEW_PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.submit()
    assert "a été changée" in page.vault_status.text()

    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    win.unlock_screen.passphrase.setText(passphrase)
    win.unlock_screen.submit()
    qtbot.waitUntil(lambda: win.unlock_screen.message.isVisible())
    assert win.unlock_screen.message.text() == "Phrase de passe incorrecte."
    unlock(qtbot, win, NEW_PASSPHRASE)


def test_window_geometry_and_page_are_remembered_without_personal_data(shell, closed_vault, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    win.resize(790, 590)  # within the offscreen screen (800 × 600)
    win.workspace.show_page("ateliers")
    win.menu_actions.toggle_navigation.setChecked(False)
    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    win.close()

    ini = (shell.data_dir / INI_FILE).read_text(encoding="utf-8", errors="replace")
    assert "Marie" not in ini and "Dupont" not in ini and "Arras" not in ini
    again = shell.unlocked(passphrase)
    assert again.size() == QSize(790, 590)
    assert again.workspace.current_key() == "ateliers"
    assert not again.workspace.nav.isVisible()
    assert not again.menu_actions.toggle_navigation.isChecked()


def test_the_conseiller_edits_name_territory_office_phone_and_email(shell, closed_vault, passphrase, qtbot):
    from conseiller_app.storage.services import owner

    win = shell.unlocked(passphrase)
    page = win.settings_page
    win.workspace.show_page("settings")
    qtbot.waitUntil(lambda: page.name.text() == "Marie Dupont")
    page.phone.setText("12")
    page.save_profile()
    assert "Téléphone" in page.profile_error.text() and page.profile_status.text() == ""
    page.name.setText("Marie Dupont-Leroy")
    page.territory.setCurrentIndex(page.territory.findText("Lens-Liévin"))
    page.office.setText("MDS Lens")
    page.phone.setText("03 21 21 62 62")
    page.email.setText("marie.dupont@exemple.fr")
    qtbot.keyClick(page.email, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.profile_status.text() == "Enregistré.")
    assert not page.profile_error.isVisible()
    card = owner.get(win.worker.ctx)
    assert card.phone == "03 21 21 62 62" and card.territory == "lens_lievin" and card.office == "MDS Lens"


def test_a_visible_navigation_stays_visible_after_a_restart(shell, closed_vault, passphrase, qtbot):
    """Closing locks first, which hides the workspace: the navigation's own visibility is then
    false although the conseiller never hid it. What is saved is the menu's choice."""
    win = shell.unlocked(passphrase)
    assert win.workspace.nav.isVisible()
    win.close()  # locks, then closes once locked
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    win.close()

    again = shell.unlocked(passphrase)
    assert again.menu_actions.toggle_navigation.isChecked()
    assert again.workspace.nav.isVisible()


def test_menus_and_shortcuts(shell, closed_vault, passphrase):
    win = shell.unlocked(passphrase)
    titles = [a.text() for a in win.menuBar().actions()]
    assert titles == ["&Fichier", "É&dition", "&Affichage", "Ai&de"]
    a = win.menu_actions
    assert a.new_file.shortcut().toString() == "Ctrl+N"
    assert a.search.shortcut().toString() == "Ctrl+F"
    assert a.save.shortcut().toString() == "Ctrl+S"
    assert a.lock.shortcut().toString() == "Ctrl+L"
    a.pages["sync"].trigger()
    assert win.workspace.current_key() == "sync"
    a.search.trigger()
    assert win.workspace.current_key() == "beneficiaries"


@pytest.mark.parametrize("key, class_name", [("ateliers", "AteliersPage"), ("orientations", "OrientationsPage")])
def test_pages_of_issue_4_are_hosted_and_load_when_shown(shell, closed_vault, passphrase, qtbot, key, class_name):
    win = shell.unlocked(passphrase)
    page = win.workspace.pages[key]
    assert type(page).__name__ == class_name
    assert page.env is None  # nothing read before the page is shown
    win.workspace.show_page(key)
    qtbot.waitUntil(lambda: page.env is not None)


def test_dashboard_todo_model(qtmodeltester):
    from datetime import date

    from conseiller_app.storage.services.todo import FollowupDue
    from conseiller_app.ui.widgets.columns import ID_ROLE

    model = TodoTableModel([("Personne", "name"), ("Depuis", lambda r: f"{r.days} jours")])
    model.set_rows([FollowupDue("a", "DUPONT Ana", "Repérage", date(2026, 9, 1), 40),
                    FollowupDue("b", "MARTIN Léo", "Repérage", date(2026, 9, 10), 31)])
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "40 jours"
    assert model.index(1, 0).data() == "MARTIN Léo" and model.index(1, 0).data(ID_ROLE) == "b"
    assert model.row_of("b") == 1
    model.clear()
    qtmodeltester.check(model)


def test_qt_standard_texts_are_french(qapp):
    from conseiller_app.ui.app import install_translations

    translators = install_translations(QApplication.instance())
    try:
        assert translators, "qtbase_fr.qm not loaded"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"
        # Qt's own file dialog (used where the desktop has no native one): « Voir dans », not « Look in ».
        from PySide6.QtWidgets import QFileDialog, QLabel

        dialog = QFileDialog(None, "Exporter vers…")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        texts = {label.text() for label in dialog.findChildren(QLabel)}
        dialog.deleteLater()
        assert "&Voir dans\u00a0:" in texts and "&Fichiers de type\u00a0:" in texts
        assert not any(t.startswith(("Look in", "Files of type")) for t in texts)
        # Our own texts get French spacing: no line break before « : » or inside « ».
        said = QCoreApplication.translate("SettingsPage", "Données de référence : « {v} » ; à jour ?")
        assert said == "Données de référence\u00a0: «\u00a0{v}\u00a0»\u202f; à jour\u202f?"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"  # Qt's own untouched
    finally:
        for t in translators:
            QApplication.instance().removeTranslator(t)
