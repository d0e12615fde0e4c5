"""Unlock screen: wrong then right passphrase; growing delays after repeated failures, which
survive a restart (a new window reading the same data folder)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from conseiller_app.storage import throttle as throttle_mod
from conseiller_app.storage.throttle import MAX_DELAY, STATE_FILE, UnlockThrottle, delay_after
from conseiller_app.ui.session import State, format_wait
from tests.ui.shell_helpers import FakeClock

WRONG = "ce n'est pas la bonne phrase"


def _try(qtbot, win, text: str) -> None:
    screen = win.unlock_screen
    screen.passphrase.setText(text)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.state is not State.BUSY)


def test_wrong_then_right_passphrase(shell, vault, passphrase, qtbot):
    vault.close()
    win = shell.window()
    screen = win.unlock_screen
    assert win.current_screen() is screen
    assert not win.menu_actions.new_file.isEnabled()

    _try(qtbot, win, WRONG)
    assert win.session.state is State.LOCKED
    assert screen.message.isVisible()
    assert screen.message.text() == "Phrase de passe incorrecte."
    assert screen.passphrase.text() == ""  # never left in the field
    assert screen.unlock_button.isEnabled()  # no delay after one failure

    _try(qtbot, win, passphrase)
    assert win.session.is_open
    assert win.current_screen() is win.workspace
    assert not screen.message.isVisible()
    assert win.worker.ctx is not None
    assert UnlockThrottle(shell.data_dir).failures == 0


def test_empty_passphrase_is_not_an_attempt(shell, vault):
    vault.close()
    win = shell.window()
    win.unlock_screen.submit()
    assert win.unlock_screen.message.text() == "Saisissez votre phrase de passe."
    assert UnlockThrottle(shell.data_dir).failures == 0


def test_delay_after_repeated_failures_survives_a_restart(shell, vault, passphrase, qtbot):
    vault.close()
    win = shell.window()
    screen = win.unlock_screen
    for _ in range(3):
        _try(qtbot, win, WRONG)

    assert "attendez 5 s" in screen.message.text()
    assert not screen.unlock_button.isEnabled()
    assert screen.countdown.isVisible() and "5 s" in screen.countdown.text()
    # During the wait even the right passphrase is not tried.
    screen.passphrase.setText(passphrase)
    assert win.session.unlock(passphrase) is False
    assert not win.session.is_open

    # "Restart": a new window (new session, new throttle) on the same folder, same wall clock.
    win.close()
    again = shell.window()
    again_screen = again.unlock_screen
    assert not again_screen.unlock_button.isEnabled()
    assert again_screen.countdown.text() == "Nouvel essai possible dans 5 s."

    shell.wall.advance(3)
    again_screen.refresh_countdown()
    assert again_screen.countdown.text() == "Nouvel essai possible dans 2 s."

    shell.wall.advance(2)
    qtbot.waitUntil(again_screen.unlock_button.isEnabled)  # the screen's own timer notices
    assert not again_screen.countdown.isVisible()

    _try(qtbot, again, WRONG)  # 4th failure in a row: the delay doubles
    assert "attendez 10 s" in again_screen.message.text()
    shell.wall.advance(10)
    again_screen.refresh_countdown()
    _try(qtbot, again, passphrase)
    assert again.session.is_open
    assert json.loads((shell.data_dir / STATE_FILE).read_text()) == {"echecs": 0, "prochain_essai": 0.0}


def test_delays_grow_then_stop_at_the_cap():
    assert [delay_after(n) for n in range(1, 8)] == [0, 0, 5, 10, 20, 40, 80]
    assert delay_after(30) == MAX_DELAY


def test_throttle_file_holds_no_personal_data_and_is_written_atomically(tmp_path, monkeypatch):
    writes = []
    real = throttle_mod.write_bytes_atomic
    monkeypatch.setattr(throttle_mod, "write_bytes_atomic", lambda p, d: (writes.append(p), real(p, d)))
    clock = FakeClock(100.0)
    t = UnlockThrottle(tmp_path, clock=clock)
    for _ in range(3):
        t.record_failure()
    assert writes and all(p == tmp_path / STATE_FILE for p in writes)
    assert json.loads((tmp_path / STATE_FILE).read_text()) == {"echecs": 3, "prochain_essai": 105.0}


def test_a_damaged_state_file_applies_the_longest_delay(tmp_path):
    (tmp_path / STATE_FILE).write_text("{pas du json")
    t = UnlockThrottle(tmp_path, clock=FakeClock(100.0))
    assert t.remaining() == MAX_DELAY


def test_a_clock_set_back_cannot_lock_out_for_longer_than_the_cap(tmp_path):
    clock = FakeClock(10_000.0)
    t = UnlockThrottle(tmp_path, clock=clock)
    for _ in range(3):
        t.record_failure()
    clock.now = 0.0  # someone set the computer's clock back
    assert UnlockThrottle(tmp_path, clock=clock).remaining() == MAX_DELAY


@pytest.mark.parametrize("seconds, text", [(0.2, "1 s"), (5, "5 s"), (60, "1 min"), (150, "2 min 30 s")])
def test_wait_is_said_in_plain_french(seconds, text):
    assert format_wait(seconds) == text
