"""Errors shown to the conseiller (known error: its message; bug: a generic message and a log entry
without personal data) and the delayed, cancellable progress dialog."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from conseiller_app.domain.errors import WrongPassphrase
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.progress import SHOW_AFTER_MS, run_with_progress
from conseiller_app.ui.worker import DbWorker


def test_known_error_shows_its_own_message():
    assert user_message(WrongPassphrase()) == "Phrase de passe incorrecte : le coffre n'a pas été ouvert."


def test_bug_gives_a_generic_message_and_a_log_without_the_data(caplog):
    try:
        raise KeyError("DUPONT Ana 0612345678")
    except KeyError as exc:
        bug = exc
    with caplog.at_level(logging.ERROR):
        text = user_message(bug)
    assert "erreur inattendue" in text.lower() and "DUPONT" not in text
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "KeyError" in logged
    assert "DUPONT" not in logged and "0612345678" not in logged


def _slow(seconds: float, outcomes: list | None = None, token=None) -> str:
    """Work of ``seconds`` that stops early when its token is cancelled; says in ``outcomes`` how it ended."""
    end = time.monotonic() + seconds
    result = "fini"
    while time.monotonic() < end:
        if token is not None and token.cancelled:
            result = "interrompu"
            break
        time.sleep(0.01)  # a slice of the simulated work
    if outcomes is not None:
        outcomes.append(result)
    return result


def test_progress_dialog_only_for_long_work_and_cancel_drops_the_result(qtbot):
    worker = DbWorker()
    try:
        quick: list = []
        run = run_with_progress(worker, None, "Court", _slow, 0.05, needs_vault=False, on_done=quick.append)
        assert not run.dialog.isVisible()
        qtbot.waitUntil(lambda: quick == ["fini"])
        assert run.dialog is None  # finished before the delay: closed without ever showing

        done, cancelled, outcomes = [], [], []
        run = run_with_progress(worker, None, "Long", _slow, 10, outcomes, needs_vault=False,
                                on_done=done.append, on_cancel=lambda: cancelled.append(True))
        qtbot.waitUntil(lambda: run.dialog is not None and run.dialog.isVisible(), timeout=SHOW_AFTER_MS + 3000)
        qtbot.mouseClick(run.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
        assert cancelled == [True]
        # The token reached the operation: it stopped long before its 10 seconds.
        qtbot.waitUntil(lambda: outcomes == ["interrompu"], timeout=3000)
        # Its result is not delivered: a job queued after it reports, and nothing came before.
        after: list = []
        worker.submit(lambda: "après", needs_vault=False, on_done=after.append)
        qtbot.waitUntil(lambda: after == ["après"])
        assert done == []

        # Work that cannot stop: no cancel button at all (it used to be a blank, clickable one).
        results: list = []
        run = run_with_progress(worker, None, "Sans annulation", _slow, 1.0, needs_vault=False,
                                cancellable=False, on_done=results.append)
        qtbot.waitUntil(lambda: run.dialog is not None and run.dialog.isVisible(), timeout=SHOW_AFTER_MS + 3000)
        assert run.dialog.findChildren(QPushButton) == []
        qtbot.keyClick(run.dialog, Qt.Key.Key_Escape)  # does not stop it either
        qtbot.waitUntil(lambda: results == ["fini"], timeout=5000)
    finally:
        worker.shutdown()
