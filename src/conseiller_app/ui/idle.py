"""Idle detection for the automatic lock: an application-wide event filter notes the time of the
last keyboard, mouse or touch input; a timer compares it with the allowed idle time.

The time source is injectable (tests advance a fake clock and call :meth:`IdleMonitor.poll`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

# Events that prove someone is at the keyboard. Paint, timer and focus events do not.
_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
    QEvent.Type.InputMethod,
    QEvent.Type.Shortcut,
})


class IdleMonitor(QObject):
    """Emits ``timed_out`` once after ``timeout_seconds`` without user input while running.

    ``remaining_changed(int)`` reports the whole seconds left, about once a second, for the
    status bar's countdown.
    """

    timed_out = Signal()
    remaining_changed = Signal(int)

    def __init__(self, timeout_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None, tick_ms: int = 1000) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timeout = float(timeout_seconds)
        self._last_input = clock()
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.poll)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # --- configuration -----------------------------------------------------------------------

    @property
    def timeout_seconds(self) -> float:
        return self._timeout

    def set_timeout_minutes(self, minutes: int) -> None:
        self._timeout = float(minutes) * 60.0
        self.poll()

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._last_input = self._clock()
        self._running = True
        self._timer.start()
        self.remaining_changed.emit(self.remaining_whole_seconds())

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._running

    def detach(self) -> None:
        """Remove the application-wide filter (before the monitor is thrown away)."""
        self.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # --- measurement -------------------------------------------------------------------------

    def note_activity(self) -> None:
        self._last_input = self._clock()

    def remaining(self) -> float:
        return max(0.0, self._timeout - (self._clock() - self._last_input))

    def remaining_whole_seconds(self) -> int:
        return math.ceil(self.remaining())

    def poll(self) -> None:
        """Check the idle time now (called by the timer every second)."""
        if not self._running:
            return
        left = self.remaining()
        self.remaining_changed.emit(math.ceil(left))
        if left <= 0:
            self.stop()
            self.timed_out.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self._running and event.type() in _INPUT_EVENTS:
            self._last_input = self._clock()
        return False
