"""The start: the unlock screen comes up alone (no page built, no storage layer imported), the
page shown after the unlock is built then, and each other page only when the conseiller goes
to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from conseiller_app.ui.session import State
from tests.ui.shell_helpers import unlock

PAGE_CLASSES = {"DashboardPage", "BeneficiariesPage", "AteliersPage", "OrientationsPage", "IndicatorsPage", "SyncPage",
                "SettingsPage"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_vault(vault):
    vault.close()
    return vault


def _pages_alive() -> set[str]:
    return {type(w).__name__ for w in QApplication.allWidgets()} & PAGE_CLASSES


def test_only_the_unlock_screen_exists_before_the_unlock(shell, closed_vault, passphrase, qtbot):
    before = _pages_alive()
    win = shell.window()
    assert win.session.state is State.LOCKED
    assert win.current_screen() is win.unlock_screen and win.unlock_screen.isVisible()
    assert win.workspace.each_page() == [] and _pages_alive() == before
    # The navigation already lists every page, and the menus are there (disabled while locked).
    assert [win.workspace.nav.item(i).text() for i in range(win.workspace.nav.count())] == [
        "Tableau de bord", "Bénéficiaires", "Ateliers", "Orientations", "Indicateurs", "Synchronisation",
        "Paramètres"]
    assert not win.menu_actions.new_file.isEnabled()

    unlock(qtbot, win, passphrase)
    # The page on screen after the unlock is built and loads; the others are not built yet.
    assert win.workspace.current_key() == "dashboard"
    assert [type(p).__name__ for p in win.workspace.each_page()] == ["DashboardPage"]
    qtbot.waitUntil(lambda: win.dashboard.loaded, timeout=20_000)
    assert "Relances à faire" in win.dashboard.followups_title.text()
    # An empty vault: the dashboard says where to begin.
    assert win.dashboard.first_steps.isVisible() and "Nouveau dossier" in win.dashboard.first_steps.text()

    # A page is built when first shown, and loads then.
    win.workspace.show_page("ateliers")
    ateliers = win.workspace.current_page()
    assert type(ateliers).__name__ == "AteliersPage" and ateliers.isVisible()
    qtbot.waitUntil(lambda: ateliers.env is not None, timeout=20_000)
    assert {type(p).__name__ for p in win.workspace.each_page()} == {"DashboardPage", "AteliersPage"}

    # Ctrl+N goes to the Bénéficiaires page, built for the occasion, and opens a blank file.
    win.menu_actions.new_file.trigger()
    page = win.workspace.current_page()
    assert type(page).__name__ == "BeneficiariesPage"
    qtbot.waitUntil(lambda: len(page.editors()) == 1, timeout=20_000)


def test_the_page_left_before_the_lock_comes_back_first_after_a_restart(shell, closed_vault, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    win.workspace.show_page("orientations")
    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    win.close()  # remembers the page

    again = shell.window()
    assert again.workspace.each_page() == []
    unlock(qtbot, again, passphrase)
    assert again.workspace.current_key() == "orientations"
    page = again.workspace.current_page()
    assert type(page).__name__ == "OrientationsPage" and page.isVisible()
    assert [type(p).__name__ for p in again.workspace.each_page()] == ["OrientationsPage"]
    qtbot.waitUntil(lambda: page.env is not None, timeout=20_000)  # loaded without being clicked


def test_the_unlock_screen_is_shown_without_the_storage_layer(tmp_path):
    """Through the real start-up code, in a fresh process: nothing of SQLAlchemy, the models, the
    services or the heavy libraries is imported before the unlock screen is painted."""
    data_dir = tmp_path / "profil"
    data_dir.mkdir()
    (data_dir / "coffre.db").write_bytes(b"")  # a vault is there: the unlock screen, not the first run
    code = f"""
import json, sys
from PySide6.QtCore import QTimer
from conseiller_app.ui import app as app_module
from conseiller_app.ui.main_window import MainWindow
from conseiller_app.ui.worker import DbWorker

app = app_module.create_application(["test"])
worker = DbWorker()
window = MainWindow({str(data_dir)!r}, worker, watch_session_lock=False)
window.show()
painted = []
app_module.after_first_paint(window.unlock_screen, lambda: (painted.append(True), app.quit()))
QTimer.singleShot(20_000, app.quit)
app.exec()
heavy = ("sqlalchemy", "alembic", "conseiller_app.storage.models", "conseiller_app.storage.services",
         "conseiller_app.storage.vault", "reportlab", "holidays", "phonenumbers", "zxcvbn")
print(json.dumps({{"painted": bool(painted), "screen": type(window.current_screen()).__name__,
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in heavy or m in heavy)}}))
worker.shutdown()
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["painted"] and report["screen"] == "UnlockScreen"
    assert report["loaded"] == []


def test_dashboard_left_at_once_loads_when_shown_again(shell, closed_vault, passphrase, qtbot, monkeypatch):
    """Leaving the dashboard right after the unlock drops its loads not started yet (the worker
    serves the page on screen); coming back computes its lists and suggestions, once each."""
    from conseiller_app.storage.services import pathway as pathway_service
    from conseiller_app.storage.services import todo as todo_service
    from conseiller_app.ui import worker as worker_module

    # Background loads wait this long after the last other job: the page is left well before.
    monkeypatch.setattr(worker_module, "BACKGROUND_GRACE", 1.5)
    runs: list[str] = []

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            runs.append(name)
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(todo_service, "todo", counted("todo", todo_service.todo))
    monkeypatch.setattr(pathway_service, "caseload_guidance",
                        counted("guidance", pathway_service.caseload_guidance))

    win = shell.unlocked(passphrase, synchronous=False)
    dashboard = win.workspace.current_page()
    win.workspace.show_page("beneficiaries")
    assert runs == []  # still waiting for their turn
    win.workspace.show_page("dashboard")
    qtbot.waitUntil(lambda: dashboard.loaded, timeout=20_000)
    qtbot.waitUntil(lambda: dashboard.guidance_more.text() == "Aucune action conseillée pour l'instant.",
                    timeout=20_000)
    # The loads queued before leaving were dropped: each list was computed once, for the return.
    assert sorted(runs) == ["guidance", "todo"]
