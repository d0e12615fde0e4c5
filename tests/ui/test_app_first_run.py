"""First run: no vault in the data folder → the assistant creates one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from conseiller_app.storage.paths import vault_exists
from conseiller_app.storage.vault import Vault
from conseiller_app.ui import first_run
from conseiller_app.ui.session import State

GOOD = "cheval agrafe batterie correcte 7"


def _fill(assistant, passphrase: str, confirm: str | None = None, name: str = "Marie Dupont",
          territory: str = "Arrageois", office: str = "MDS Arras") -> None:
    assistant.passphrase.setText(passphrase)
    assistant.confirm.setText(passphrase if confirm is None else confirm)
    assistant.name.setText(name)
    index = assistant.territory.findText(territory)
    assistant.territory.setCurrentIndex(index)
    assistant.office.setText(office)


def test_the_assistant_shows_when_no_vault_exists(shell):
    win = shell.window()
    assert win.session.state is State.NO_VAULT
    assert win.current_screen() is win.first_run
    territories = [win.first_run.territory.itemText(i) for i in range(1, win.first_run.territory.count())]
    assert territories == sorted(territories) and len(territories) == 8
    assert "Lens-Liévin" in territories and "Montreuillois-Ternois" in territories
    # Nothing needing a vault is reachable.
    assert not win.menu_actions.lock.isEnabled() and not win.menu_actions.new_file.isEnabled()


def test_weak_passphrase_refused_with_reasons_then_a_good_one_creates_the_vault(shell, qtbot):
    win = shell.window()
    assistant = win.first_run

    _fill(assistant, "soleil")
    qtbot.mouseClick(assistant.create_button, Qt.MouseButton.LeftButton)

    assert not vault_exists(shell.data_dir)
    assert win.current_screen() is assistant
    error = assistant.passphrase_error
    assert error.isVisible()
    assert "refusée" in error.text()
    assert "au moins 12 caractères (6 saisis)" in error.text()
    assert "trop facile à deviner" in error.text()

    # The meter follows the typing (debounced).
    assistant.passphrase.setText(GOOD)
    qtbot.waitUntil(lambda: "excellente" in assistant.meter.label.text() or "bonne" in assistant.meter.label.text())
    assert not error.isVisible()

    _fill(assistant, GOOD, confirm=GOOD + "x")
    assistant.submit()
    assert assistant.confirm_error.isVisible() and "identiques" in assistant.confirm_error.text()
    assert not vault_exists(shell.data_dir)

    _fill(assistant, GOOD)
    qtbot.mouseClick(assistant.create_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: win.session.is_open)
    assert vault_exists(shell.data_dir)
    assert win.first_run is None  # the assistant is gone, secrets with it
    assert win.current_screen() is win.workspace
    assert win.session.info["name"] == "Marie Dupont"
    assert win.session.info["territory"] == "arrageois"
    assert "Marie Dupont" in win.status.owner.text()
    assert win.menu_actions.lock.isEnabled()

    win.lock()
    qtbot.waitUntil(lambda: win.worker.ctx is None)
    vault = Vault.open(shell.data_dir, GOOD)  # the file really is a vault opening with that passphrase
    vault.close()


def test_missing_name_and_territory_are_reported_at_their_fields(shell):
    win = shell.window()
    assistant = win.first_run
    _fill(assistant, GOOD, name="  ")
    assistant.territory.setCurrentIndex(0)
    assistant.submit()
    assert assistant.name_error.isVisible() and "obligatoire" in assistant.name_error.text()
    assert assistant.territory_error.isVisible()
    assert not vault_exists(shell.data_dir)


def test_demo_option_fills_the_new_vault_on_the_real_worker_thread(shell, qtbot, monkeypatch):
    monkeypatch.setattr(first_run, "DEMO_FILES", 40)
    win = shell.window(synchronous=False)
    assistant = win.first_run
    _fill(assistant, GOOD)
    assistant.demo.setChecked(True)
    assistant.submit()

    qtbot.waitUntil(lambda: win.session.is_open, timeout=60_000)
    win.workspace.show_page("dashboard")
    qtbot.waitUntil(lambda: win.dashboard.loaded, timeout=20_000)

    counts = {}
    win.worker.submit(_count_files, on_done=counts.update)
    qtbot.waitUntil(lambda: bool(counts))
    assert counts["files"] == 40
    assert "Relances à faire" in win.dashboard.followups_title.text()


def _count_files(ctx) -> dict:
    from sqlalchemy import func, select

    from conseiller_app.storage import models as m

    with ctx.vault.session() as s:
        return {"files": s.scalar(select(func.count()).select_from(m.Beneficiary))}


def test_enter_in_the_form_creates_the_vault_and_the_title_names_the_application_once(shell, qtbot):
    from conseiller_app.ui.app import APP_NAME

    win = shell.window()
    assistant = win.first_run
    _fill(assistant, GOOD)
    qtbot.keyClick(assistant.office, Qt.Key.Key_Return)  # Enter in the last field, as a keyboard user would
    qtbot.waitUntil(lambda: win.session.is_open, timeout=20_000)
    assert vault_exists(shell.data_dir)
    # The application sets its display name (ui/app.py); Qt appends it to a window title that differs.
    title = win.windowTitle()
    shown = title if title == APP_NAME else f"{title} — {APP_NAME}"
    assert shown.count("Parcours Grands Chantiers") == 1 and "Marie Dupont" in shown
