"""The database worker: results by signal, cancelled jobs forgotten, vault required."""

from __future__ import annotations

from conseiller_app.ui.worker import DbWorker, VaultLocked


def test_cancelled_job_is_forgotten_and_busy_clears(qtbot):
    worker = DbWorker(synchronous=False)
    try:
        states = []
        worker.busy_changed.connect(states.append)
        got = []
        worker.submit(lambda: __import__("time").sleep(0.2), needs_vault=False)
        token = worker.submit(lambda: 42, on_done=got.append, needs_vault=False)
        token.cancel()
        qtbot.waitUntil(lambda: states and states[-1] is False, timeout=5000)
        assert got == [] and worker._callbacks == {}
    finally:
        worker.shutdown()


def test_operations_need_an_open_vault(qtbot):
    worker = DbWorker(synchronous=True)
    errors = []
    worker.submit(lambda ctx: 1, on_error=errors.append)
    assert len(errors) == 1 and isinstance(errors[0], VaultLocked)
    assert errors[0].message == "Le coffre est verrouillé."
