"""Status bar of the main window: whose vault is open, the automatic-lock countdown, and whether
the worker is busy."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class ShellStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = QLabel()
        self.busy.setObjectName("statusBusy")
        self.owner = QLabel()
        self.owner.setObjectName("statusOwner")
        self.countdown = QLabel()
        self.countdown.setObjectName("statusCountdown")
        self.countdown.setToolTip(self.tr("Le coffre se verrouille après ce délai sans activité (Paramètres)."))
        for label in (self.busy, self.owner, self.countdown):
            self.addPermanentWidget(label)
        self.set_locked()

    def set_owner(self, name: str) -> None:
        self.owner.setText(self.tr("Coffre de {name}").format(name=name))

    def set_locked(self) -> None:
        self.owner.setText(self.tr("Coffre verrouillé"))
        self.countdown.clear()
        self.busy.clear()

    def set_countdown(self, seconds: int) -> None:
        minutes, secs = divmod(max(0, int(seconds)), 60)
        self.countdown.setText(self.tr("Verrouillage auto dans {m}:{s:02d}").format(m=minutes, s=secs))

    def set_busy(self, busy: bool) -> None:
        self.busy.setText(self.tr("Travail en cours…") if busy else "")
