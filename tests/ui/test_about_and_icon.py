"""What an IT department and the support look at on an installed build: the version in
« À propos », the application's icon, and the test-only switch the installers' smoke test uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from conseiller_app import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_about_box_shows_the_version(shell, vault, qtbot):
    vault.close()
    win = shell.window()
    seen: list[str] = []

    def read_and_close() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                seen.append(w.text())
                w.accept()

    QTimer.singleShot(200, read_and_close)
    win.menu_actions.about.trigger()
    assert seen, "la boîte « À propos » ne s'est pas ouverte"
    assert f"Version {__version__}" in seen[0]
    assert "Parcours Grands Chantiers" in seen[0]


def test_the_application_has_its_icon(qapp):
    from conseiller_app.ui.app import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 48, 256}


def test_test_switch_quits_once_the_unlock_screen_is_painted(tmp_path):
    """CONSEILLER_QUIT_AFTER_FIRST_SCREEN (tests only): the real entry point shows the unlock screen
    on an existing vault, says so, and exits 0 — what the smoke test runs on the built binary."""
    data_dir = tmp_path / "profil"
    data_dir.mkdir()
    (data_dir / "coffre.db").write_bytes(b"")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONSEILLER_QUIT_AFTER_FIRST_SCREEN="1")
    out = subprocess.run([sys.executable, "-m", "conseiller_app", "--data-dir", str(data_dir)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "premier écran : UnlockScreen" in out.stdout
