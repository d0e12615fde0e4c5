"""What runs inside the fresh subprocesses of the cold measurements. Each probe prints one line
``RESULT <json>`` on stdout; the parent process times and parses it.

Only the standard library is imported at module level: what a probe imports is part of what it
measures (or deliberately done before its clock starts).

    python -c "from benchmarks.probes import start; start('/data/dir')"
"""

from __future__ import annotations

import json
import os
import sys
import time


def _report(**values) -> None:
    sys.stdout.write("RESULT " + json.dumps(values) + "\n")
    sys.stdout.flush()


def _hook_application(on_created) -> None:
    """Run ``on_created(app)`` on the application the real entry point creates."""
    import importlib

    app_module = importlib.import_module("conseiller_app.ui.app")
    create = app_module.create_application

    def create_application(argv=None):
        app = create(argv)
        on_created(app)
        return app

    app_module.create_application = create_application


def _watch_first_paint(app, object_name: str, then) -> None:
    """Call ``then()`` once the widget called ``object_name`` has been painted for the first time
    (on the next turn of the event loop, so that the whole window's paint is finished)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, watched, event):  # noqa: N802 - Qt API
            if not self.done and event.type() == QEvent.Type.Paint and watched.objectName() == object_name:
                self.done = True
                QTimer.singleShot(0, then)
            return False

    watcher = FirstPaint(app)
    app.installEventFilter(watcher)
    app._bench_watcher = watcher  # keep it alive


def start(data_dir: str) -> None:
    """Process start → unlock screen shown, through the real entry point (``conseiller``)."""
    sys.argv = ["conseiller", "--data-dir", data_dir]
    import conseiller_app.cli as cli

    real_start_gui = cli._start_gui

    def start_gui(args):
        def created(app):
            def shown():
                _report(shown_at=time.monotonic())
                app.quit()

            _watch_first_paint(app, "unlockScreen", shown)

        _hook_application(created)
        return real_start_gui(args)

    cli._start_gui = start_gui
    cli.main(sys.argv[1:])


def qt_import() -> None:
    """The baseline of ``start``: ``python -c "import PySide6.QtWidgets"``."""
    import PySide6.QtWidgets  # noqa: F401

    _report(shown_at=time.monotonic())


def _evict(paths) -> None:
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _vault_files(data_dir: str) -> list[str]:
    base = os.path.join(data_dir, "coffre.db")
    return [base, base + "-wal", base + "-shm"]


def unlock(data_dir: str, passphrase: str) -> None:
    """The application's unlock operation (``vault_ops.open_vault``: key derivation, open,
    migrations check, vault information) on a cold vault file."""
    from conseiller_app.resources import migrations_dir
    from conseiller_app.ui import vault_ops
    from conseiller_app.ui.app import preload

    preload()  # what the application does on its worker while the unlock screen waits
    class Worker:  # what open_vault needs of the database worker
        ctx = None

        def set_context(self, ctx):
            self.ctx = ctx

    worker = Worker()
    migrations = [os.path.join(dp, n) for dp, _, names in os.walk(migrations_dir()) for n in names]
    _evict(_vault_files(data_dir) + migrations)
    t = time.perf_counter()
    vault_ops.open_vault(worker, data_dir, passphrase)
    seconds = time.perf_counter() - t
    worker.ctx.vault.close()
    _report(seconds=seconds)


def unlock_baseline(data_dir: str, passphrase: str) -> None:
    """SQLCipher alone: ``PRAGMA key`` and a first read, on the same cold file."""
    import sqlcipher3

    path = os.path.join(data_dir, "coffre.db")
    literal = "'" + passphrase.replace("'", "''") + "'"
    _evict(_vault_files(data_dir))
    t = time.perf_counter()
    conn = sqlcipher3.connect(path)
    conn.execute(f"PRAGMA key = {literal}")
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    seconds = time.perf_counter() - t
    conn.close()
    _report(seconds=seconds)


def _memory_status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value, _unit = line.split()
                out[name[:-1]] = int(value) * 1024
    return out


def memory(data_dir: str, passphrase: str, files: int) -> None:
    """Open the application on the vault, unlock it, go to the list, scroll to its end; report the
    resident memory (current and peak) and, on the way, how long the list's first page took after
    the unlock in the whole application (the dashboard's work shares the database worker)."""
    sys.argv = ["conseiller", "--data-dir", data_dir]
    import conseiller_app.cli as cli

    real_start_gui = cli._start_gui
    started = time.perf_counter()

    def start_gui(args):
        def created(app):
            from PySide6.QtCore import QTimer

            state = {"step": "unlock"}
            times: dict[str, float] = {}
            poll = QTimer(app)

            def window():
                from conseiller_app.ui.main_window import MainWindow

                return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

            def finish(**extra):
                poll.stop()
                _report(**_memory_status(), **extra)
                os._exit(0)  # a scratch copy of the vault: no need for a tidy shutdown

            def step():
                if time.perf_counter() - started > 300:
                    finish(error="délai dépassé à l'étape " + state["step"])
                w = window()
                if state["step"] == "unlock":
                    model = w.beneficiaries.list_page.model

                    def first_rows(_count):
                        times.setdefault("first_page", time.perf_counter())

                    model.query_finished.connect(first_rows)
                    w.session.opened.connect(lambda *_: times.setdefault("opened", time.perf_counter()))
                    times["unlock"] = time.perf_counter()
                    w.session.unlock(passphrase)
                    state["step"] = "opening"
                elif state["step"] == "opening" and w.session.is_open:
                    w.workspace.show_page("beneficiaries")
                    state["step"] = "list"
                elif state["step"] == "list":
                    model = w.beneficiaries.list_page.model
                    if model.rowCount() == files and model.row_data(0) is not None:
                        state["first_page"] = _memory_status()
                        w.beneficiaries.list_page.view.scrollToBottom()
                        state["step"] = "end"
                elif state["step"] == "end":
                    model = w.beneficiaries.list_page.model
                    if model.row_data(model.rowCount() - 1) is not None:
                        state["step"] = "settle"
                        QTimer.singleShot(500, lambda: finish(
                            first_page_rss=state["first_page"]["VmRSS"],
                            unlock_seconds=times["opened"] - times["unlock"],
                            list_after_unlock_seconds=times["first_page"] - times["opened"]))

            def shown():
                poll.timeout.connect(step)
                poll.start(20)

            _watch_first_paint(app, "unlockScreen", shown)

        _hook_application(created)
        return real_start_gui(args)

    cli._start_gui = start_gui
    cli.main(sys.argv[1:])
