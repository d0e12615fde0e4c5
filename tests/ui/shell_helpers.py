"""Helpers for the application-shell tests (tests/ui/test_app_*.py): controllable clocks, main
windows on a temporary data folder (the ``shell`` fixture in conftest.py), and probes for personal
data left in widgets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TODAY = date(2026, 11, 28)


class FakeClock:
    """Seconds, advanced by hand (monotonic for idle, wall-clock for unlock delays)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Shell:
    """Builds main windows on one data folder with shared fake clocks; cleans up after the test."""

    def __init__(self, qtbot, data_dir: Path) -> None:
        self.qtbot = qtbot
        self.data_dir = Path(data_dir)
        self.monotonic = FakeClock(1000.0)
        self.wall = FakeClock()
        self.windows: list = []
        self.workers: list = []

    def window(self, synchronous: bool = True):
        from conseiller_app.ui.main_window import MainWindow
        from conseiller_app.ui.worker import DbWorker

        worker = DbWorker(synchronous=synchronous)
        self.workers.append(worker)
        win = MainWindow(self.data_dir, worker, monotonic=self.monotonic, wall_clock=self.wall,
                         today=lambda: TODAY, watch_session_lock=False)
        # Not given to qtbot.addWidget: qtbot would close it before this fixture's teardown, while
        # the vault may still be open (and a dirty file would ask a question in a modal box).
        self.windows.append(win)
        win.show()
        self.qtbot.waitExposed(win)
        return win

    def unlocked(self, passphrase: str, synchronous: bool = True):
        win = self.window(synchronous)
        unlock(self.qtbot, win, passphrase)
        return win

    def close_all(self) -> None:
        for win in self.windows:
            try:
                if win.session.is_open:
                    win.session.lock()
                    self.qtbot.waitUntil(lambda w=win: not w.session.is_open and w.worker.ctx is None)
                win.idle.detach()
                win.close()
                win.deleteLater()
            except RuntimeError:
                pass  # already deleted
        for worker in self.workers:
            worker.shutdown()


def unlock(qtbot, win, passphrase: str) -> None:
    from conseiller_app.ui.session import State

    qtbot.waitUntil(lambda: win.session.state is State.LOCKED)
    win.unlock_screen.passphrase.setText(passphrase)
    win.unlock_screen.submit()
    qtbot.waitUntil(lambda: win.session.is_open, timeout=20_000)


def visible_texts(root: QWidget) -> list[str]:
    """Every text a widget under ``root`` shows: labels, line edits, and item views' cells."""
    texts: list[str] = []
    for w in root.findChildren(QLabel):
        texts.append(w.text())
    for w in root.findChildren(QLineEdit):
        texts.append(w.text())
    for w in root.findChildren(QPlainTextEdit):
        texts.append(w.toPlainText())
    for w in root.findChildren(QTextEdit):
        texts.append(w.toPlainText())
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        root_index = QModelIndex()
        try:
            columns = model.columnCount(root_index)
        except TypeError:  # list models keep columnCount private: one column
            columns = 1
        for row in range(min(model.rowCount(root_index), 200)):
            for col in range(columns):
                value = model.index(row, col).data()
                if value is not None:
                    texts.append(str(value))
    return texts
