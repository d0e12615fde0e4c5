"""Remembers the window's size, position and layout in an INI file beside the vault
(``interface.ini``). It holds geometry and the last page's key: no personal data."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

INI_FILE = "interface.ini"


class WindowStateStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / INI_FILE
        self.settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow) -> bool:
        geometry = self.settings.value("fenetre/geometrie")
        restored = bool(geometry) and window.restoreGeometry(geometry)
        state = self.settings.value("fenetre/disposition")
        if state:
            window.restoreState(state)
        return restored

    def save(self, window: QMainWindow, page: str | None, navigation_visible: bool) -> None:
        if not self.path.parent.exists():
            return  # no vault folder yet (first run abandoned): write nothing
        self.settings.setValue("fenetre/geometrie", window.saveGeometry())
        self.settings.setValue("fenetre/disposition", window.saveState())
        if page:
            self.settings.setValue("navigation/page", page)
        self.settings.setValue("navigation/visible", navigation_visible)
        self.settings.sync()

    def last_page(self, default: str) -> str:
        return str(self.settings.value("navigation/page", default))

    def navigation_visible(self) -> bool:
        value = self.settings.value("navigation/visible", True)
        return value not in (False, "false", "0", 0)
