"""Locking: after the idle time (controllable clock), on Ctrl+L, on the platform's session lock;
every connection closed, every view holding personal data cleared, the unlock screen shown; and
unlocking brings the conseiller back to the same page with unsaved edits intact."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlcipher3
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from conseiller_app.storage.services import beneficiaries
from conseiller_app.ui.session import State
from conseiller_app.ui.worker import VaultLocked
from tests.ui.shell_helpers import unlock, visible_texts

PEOPLE = [("Lefèvre", "Aïcha"), ("Vandenbroucke", "Théo"), ("N'Diaye", "Moussa")]


@pytest.fixture
def filled(vault, ctx):
    """A vault with three files; closed so that the application opens it."""
    for last, first in PEOPLE:
        beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": "1991-03-02",
                                   "public": "rsa", "commune": "Arras", "spotting_date": "2026-01-05"})
    vault.close()
    return vault


def _shows_a_name(win) -> bool:
    texts = " ".join(visible_texts(win))
    return any(last.upper() in texts.upper() for last, _ in PEOPLE)


def _open_with_data_shown(shell, qtbot, passphrase, synchronous=True):
    win = shell.unlocked(passphrase, synchronous=synchronous)
    win.workspace.show_page("beneficiaries")
    qtbot.waitUntil(lambda: _shows_a_name(win), timeout=20_000)
    return win


def _connections(vault) -> list:
    """The DBAPI connections the vault's pool holds (one per thread that used it)."""
    pool = vault.engine.pool
    return [entry.dbapi_connection for entry in list(pool._all_conns)]  # SingletonThreadPool's registry


def _assert_closed(connections: list) -> None:
    assert connections, "the vault had no open connection before the lock"
    for conn in connections:
        with pytest.raises(sqlcipher3.ProgrammingError):
            conn.execute("SELECT 1")


def _assert_locked(win, vault_before, qtbot, connections):
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    assert win.worker.ctx is None
    assert win.current_screen() is win.unlock_screen
    # Every connection was closed, and none was opened since.
    _assert_closed(connections)
    assert _connections(vault_before) == []
    # No view keeps a name.
    assert not _shows_a_name(win)
    assert win.dashboard.followups.rowCount() == 0 and win.dashboard.referrals.rowCount() == 0
    assert "Verrouillé" in win.status.owner.text() or "verrouillé" in win.status.owner.text()
    assert not win.menu_actions.new_file.isEnabled()
    # Further operations are refused.
    errors = []
    win.worker.submit(lambda ctx: None, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], VaultLocked)


def test_idle_timeout_locks_with_a_controllable_clock(shell, filled, passphrase, qtbot):
    win = _open_with_data_shown(shell, qtbot, passphrase)
    vault = win.worker.ctx.vault
    connections = _connections(vault)
    assert win.idle.timeout_seconds == 5 * 60  # the default setting

    shell.monotonic.advance(4 * 60)
    win.idle.poll()
    assert win.session.is_open
    assert win.status.countdown.text() == "Verrouillage auto dans 1:00"

    # Input counts as activity: typing restarts the delay.
    QTest.keyClick(win.workspace.nav, Qt.Key.Key_Down)
    shell.monotonic.advance(4 * 60)
    win.idle.poll()
    assert win.session.is_open

    shell.monotonic.advance(60 + 1)
    win.idle.poll()
    _assert_locked(win, vault, qtbot, connections)
    assert not win.idle.running


def test_idle_lock_timer_fires_by_itself_on_the_threaded_worker(shell, filled, passphrase, qtbot):
    win = _open_with_data_shown(shell, qtbot, passphrase, synchronous=False)
    vault = win.worker.ctx.vault
    connections = _connections(vault)
    shell.monotonic.advance(5 * 60 + 1)
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED, timeout=5_000)  # the 1 s timer polls
    _assert_locked(win, vault, qtbot, connections)


def test_ctrl_l_locks_and_unlocking_returns_to_the_same_page(shell, filled, passphrase, qtbot):
    win = _open_with_data_shown(shell, qtbot, passphrase)
    win.workspace.show_page("orientations")
    vault = win.worker.ctx.vault
    connections = _connections(vault)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)

    QTest.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    _assert_locked(win, vault, qtbot, connections)

    unlock(qtbot, win, passphrase)
    assert win.current_screen() is win.workspace
    assert win.workspace.current_key() == "orientations"
    assert win.idle.running and win.status.owner.text() == "Coffre de Marie Dupont"


def test_unsaved_edit_survives_a_lock(shell, filled, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    page = win.beneficiaries
    win.menu_actions.new_file.trigger()
    qtbot.waitUntil(lambda: len(page.editors()) == 1)
    editor = page.editors()[0]
    last_name = editor.identity.widget_of("last_name")
    last_name.setText("Zerbib")
    assert page.has_unsaved_changes()

    win.lock()
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    assert last_name.text() == ""  # cleared from the widget while locked

    unlock(qtbot, win, passphrase)
    assert win.workspace.current_key() == "beneficiaries"
    qtbot.waitUntil(lambda: editor.identity.widget_of("last_name").text() == "Zerbib")
    assert page.has_unsaved_changes()


def test_session_lock_reported_by_the_platform_locks(shell, filled, passphrase, qtbot):
    from conseiller_app.ui.session_lock import SessionLockWatcher

    win = shell.unlocked(passphrase)
    watcher = SessionLockWatcher(win, session_bus=None, system_bus=None)
    watcher.session_locked.connect(win.lock)
    watcher._on_screensaver_active(False)
    assert win.session.is_open
    watcher._on_screensaver_active(True)
    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon absent")
def test_screensaver_signal_on_a_private_dbus_session_bus(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtDBus import QDBusConnection, QDBusMessage

    from conseiller_app.ui.session_lock import SessionLockWatcher

    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = daemon.stdout.readline().strip()
        listener = QDBusConnection.connectToBus(address, "ecoute-verrouillage")
        sender = QDBusConnection.connectToBus(address, "envoi-verrouillage")
        watcher = SessionLockWatcher(session_bus=listener, system_bus=None)
        assert any("ScreenSaver" in s for s in watcher.sources)
        # The watcher's match rules reach the bus asynchronously: one blocking round trip on the
        # listening connection makes sure the daemon has them before anything is sent, and the
        # signal is repeated until it arrives (a loaded CI machine may be slow, never wrong).
        listener.interface().isServiceRegistered("org.freedesktop.DBus")
        message = QDBusMessage.createSignal("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver",
                                            "ActiveChanged")
        message.setArguments([True])
        resend = QTimer()
        resend.setInterval(250)
        resend.timeout.connect(lambda: sender.send(message))
        with qtbot.waitSignal(watcher.session_locked, timeout=20_000):
            sender.send(message)
            resend.start()
        resend.stop()
    finally:
        QDBusConnection.disconnectFromBus("ecoute-verrouillage")
        QDBusConnection.disconnectFromBus("envoi-verrouillage")
        daemon.terminate()
        daemon.wait(5)


def test_closing_the_window_saves_and_closes_the_vault(shell, filled, passphrase, qtbot):
    win = shell.unlocked(passphrase)
    connections = _connections(win.worker.ctx.vault)
    win.close()
    qtbot.waitUntil(lambda: not win.isVisible())
    assert win.worker.ctx is None
    _assert_closed(connections)
