"""Tells the application when the computer's session is locked or about to sleep, so that the
vault locks too. Qt itself has no such signal; we listen where the platform tells us:

* Linux: the desktop's screen saver on the session bus (``ActiveChanged(true)`` of
  ``org.freedesktop.ScreenSaver`` — KDE, Xfce and others — and of ``org.gnome.ScreenSaver``), and
  logind on the system bus (``Lock`` of our session, ``PrepareForSleep(true)`` before suspend).
* Windows: ``WM_WTSSESSION_CHANGE`` with ``WTS_SESSION_LOCK`` after registering the main window
  with ``WTSRegisterSessionNotification``.
* macOS: nothing reachable from Qt; the idle lock still applies.

Every listener is best effort: a missing bus or API is silently skipped.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QAbstractNativeEventFilter, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

_SCREENSAVERS = (
    ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)
_LOGIND = "org.freedesktop.login1"


class SessionLockWatcher(QObject):
    """Emits ``session_locked`` when the platform reports the session locked or going to sleep."""

    session_locked = Signal()

    def __init__(self, parent: QObject | None = None, *, session_bus=None, system_bus=None) -> None:
        super().__init__(parent)
        self.sources: list[str] = []
        self._native_filter = None
        if sys.platform.startswith("linux") or session_bus is not None or system_bus is not None:
            self._listen_dbus(session_bus, system_bus)

    # --- Linux / D-Bus -----------------------------------------------------------------------

    def _listen_dbus(self, session_bus, system_bus) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # pragma: no cover - QtDBus not built
            return
        from PySide6.QtCore import SLOT

        if session_bus is None and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            session_bus = QDBusConnection.sessionBus()
        if session_bus is not None and session_bus.isConnected():
            for path, interface in _SCREENSAVERS:
                if session_bus.connect("", path, interface, "ActiveChanged", self,
                                       SLOT("_on_screensaver_active(bool)")):
                    self.sources.append(f"{interface} {path}")
        if system_bus is None and os.path.exists("/run/dbus/system_bus_socket"):
            system_bus = QDBusConnection.systemBus()
        if system_bus is not None and system_bus.isConnected():
            session_path = self._logind_session_path(system_bus)
            if session_path and system_bus.connect(_LOGIND, session_path, f"{_LOGIND}.Session", "Lock",
                                                   self, SLOT("_on_lock()")):
                self.sources.append("logind Lock")
            if system_bus.connect(_LOGIND, "/org/freedesktop/login1", f"{_LOGIND}.Manager", "PrepareForSleep",
                                  self, SLOT("_on_prepare_for_sleep(bool)")):
                self.sources.append("logind PrepareForSleep")

    @staticmethod
    def _logind_session_path(system_bus) -> str | None:
        from PySide6.QtDBus import QDBusInterface, QDBusMessage

        iface = QDBusInterface(_LOGIND, "/org/freedesktop/login1", f"{_LOGIND}.Manager", system_bus)
        if not iface.isValid():
            return None
        iface.setTimeout(1000)
        reply = iface.call("GetSessionByPID", os.getpid())
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
            return None
        path = reply.arguments()[0]
        return getattr(path, "path", lambda: str(path))()

    @Slot(bool)
    def _on_screensaver_active(self, active: bool) -> None:
        if active:
            self._report("screen saver")

    @Slot()
    def _on_lock(self) -> None:
        self._report("logind")

    @Slot(bool)
    def _on_prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if going_to_sleep:
            self._report("sleep")

    # --- Windows -----------------------------------------------------------------------------

    def watch_window(self, win_id: int) -> None:
        """Windows only: ask for session notifications for this top-level window."""
        if sys.platform != "win32" or self._native_filter is not None:
            return
        try:
            import ctypes

            if not ctypes.windll.wtsapi32.WTSRegisterSessionNotification(int(win_id), 0):  # NOTIFY_FOR_THIS_SESSION
                return
            self._native_filter = _WindowsSessionFilter(self._report)
            QApplication.instance().installNativeEventFilter(self._native_filter)
            self.sources.append("WTS session notification")
        except Exception:  # noqa: BLE001 - best effort; the idle lock still applies
            log.info("Notification de verrouillage de session Windows indisponible.")

    def _report(self, source: str) -> None:
        log.info("Session verrouillée (%s) : verrouillage du coffre.", source)
        self.session_locked.emit()


class _WindowsSessionFilter(QAbstractNativeEventFilter):
    WM_WTSSESSION_CHANGE = 0x02B1
    WTS_SESSION_LOCK = 0x7

    def __init__(self, callback) -> None:
        super().__init__()
        self._callback = callback

    def nativeEventFilter(self, event_type, message):  # noqa: N802 - Qt API
        try:
            if bytes(event_type) == b"windows_generic_MSG":
                import ctypes.wintypes

                msg = ctypes.wintypes.MSG.from_address(int(message))
                if msg.message == self.WM_WTSSESSION_CHANGE and msg.wParam == self.WTS_SESSION_LOCK:
                    self._callback("Windows")
        except Exception:  # noqa: BLE001 - never break event dispatch
            pass
        return False, 0
