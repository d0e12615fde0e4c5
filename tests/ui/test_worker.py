"""The database worker: results by signal, cancelled jobs forgotten, vault required."""

from __future__ import annotations

import threading

from conseiller_app.ui.worker import BACKGROUND, INTERACTIVE, DbWorker, VaultLocked


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


def test_waiting_jobs_run_by_priority_and_barriers_keep_their_place(qtbot):
    """While the worker is busy: what the conseiller waits for overtakes the dashboard's work
    queued before it; a barrier (closing the vault) runs after everything queued before it
    and before everything queued after it, whatever the priorities."""
    worker = DbWorker(synchronous=False)
    try:
        started, release = threading.Event(), threading.Event()
        ran: list[str] = []

        def busy() -> None:
            started.set()
            release.wait(5)

        worker.submit(busy, needs_vault=False)
        assert started.wait(5)
        for name, options in (("todo", {"priority": BACKGROUND}), ("guidance", {"priority": BACKGROUND}),
                              ("settings", {}), ("list", {"priority": INTERACTIVE}), ("close", {"barrier": True}),
                              ("late dashboard", {"priority": BACKGROUND}), ("reopen", {})):
            worker.submit(lambda n=name: n, on_done=ran.append, needs_vault=False, **options)
        release.set()
        qtbot.waitUntil(lambda: len(ran) == 7, timeout=5000)
        assert ran == ["list", "settings", "todo", "guidance", "close", "reopen", "late dashboard"]
    finally:
        worker.shutdown()


def test_operations_need_an_open_vault(qtbot):
    worker = DbWorker(synchronous=True)
    errors = []
    worker.submit(lambda ctx: 1, on_error=errors.append)
    assert len(errors) == 1 and isinstance(errors[0], VaultLocked)
    assert errors[0].message == "Le coffre est verrouillé."


def test_the_worker_keeps_one_keyed_connection_between_operations(qtbot, vault, ctx):
    """The key is derived once per unlock, not once per operation: each operation on the worker
    thread finds the SQLCipher connection the previous one left (0.25 s saved per click)."""
    worker = DbWorker(synchronous=False)
    try:
        worker.submit(worker.set_context, ctx, needs_vault=False)
        seen = []

        def connection_of_this_thread(c):
            with c.vault.raw() as raw:
                return id(raw), raw.execute("SELECT count(*) FROM beneficiary").fetchone()[0]

        for _ in range(3):
            worker.submit(connection_of_this_thread, on_done=seen.append)
        qtbot.waitUntil(lambda: len(seen) == 3, timeout=10_000)
        assert len({conn for conn, _ in seen}) == 1
    finally:
        worker.shutdown()


def test_a_result_for_a_widget_deleted_meanwhile_is_dropped(qtbot):
    """A page torn down by the auto-lock while its job runs: its answer is dropped, not
    delivered to a deleted widget (« Internal C++ object already deleted »)."""
    import shiboken6
    from PySide6.QtWidgets import QListWidget

    worker = DbWorker(synchronous=False)
    try:
        started, release = threading.Event(), threading.Event()
        widget = QListWidget()

        def slow() -> list[str]:
            started.set()
            release.wait(5)
            return ["une ligne"]

        states = []
        worker.busy_changed.connect(states.append)
        worker.submit(slow, on_done=widget.addItems, on_error=widget.addItems, needs_vault=False)
        assert started.wait(5)
        shiboken6.delete(widget)
        release.set()
        qtbot.waitUntil(lambda: states and states[-1] is False, timeout=5000)  # raised before the fix
        alive = QListWidget()
        worker.submit(lambda: ["une ligne"], on_done=alive.addItems, needs_vault=False)
        qtbot.waitUntil(lambda: alive.count() == 1, timeout=5000)
    finally:
        worker.shutdown()


def test_closing_imports_the_storage_layer_on_the_worker_thread_only(qtbot, monkeypatch):
    """Quitting right after the start (the worker's preload still importing SQLAlchemy) must not
    import the storage layer on the GUI thread too: two threads importing it in opposite orders
    end in Python's import deadlock error (« Erreur inattendue » at 3 % of such starts)."""
    import importlib.abc
    import sys

    importers: list[str] = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "conseiller_app.ui.vault_ops":
                importers.append(threading.current_thread().name)
            return None

    monkeypatch.delitem(sys.modules, "conseiller_app.ui.vault_ops", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Watch(), *sys.meta_path])
    worker = DbWorker(synchronous=False)
    worker.close_vault()
    worker.shutdown()
    assert importers, "the vault was closed without its operations"
    assert threading.main_thread().name not in importers
