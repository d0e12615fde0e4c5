"""The application refused a vault another process holds: a French message naming the holder, not
counted as a wrong passphrase; once the other process is gone, the vault opens."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import Qt

from conseiller_app.storage.throttle import UnlockThrottle
from conseiller_app.ui.session import State

HOLDER = r"""
import sys
from conseiller_app.storage.lock import VaultLock, set_process_holder
set_process_holder("la commande « conseiller rekey »")
lock = VaultLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def _try(qtbot, win, text: str) -> None:
    win.unlock_screen.passphrase.setText(text)
    qtbot.mouseClick(win.unlock_screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.state is not State.BUSY, timeout=15000)


def test_a_vault_held_by_a_command_is_named_then_opens_once_released(shell, vault, passphrase, qtbot):
    vault.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(shell.data_dir)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        win = shell.window()
        _try(qtbot, win, passphrase)
        assert win.session.state is State.LOCKED
        text = win.unlock_screen.message.text()
        assert "déjà ouvert par la commande « conseiller rekey »" in text
        assert "Phrase de passe incorrecte" not in text
        assert UnlockThrottle(shell.data_dir).failures == 0
    finally:
        holder.communicate("", timeout=30)
    _try(qtbot, win, passphrase)
    assert win.session.is_open
