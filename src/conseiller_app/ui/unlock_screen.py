"""The unlock screen: the passphrase, a plain message when it is wrong, and a countdown while
repeated failures impose a wait (the wait is stored beside the vault and survives a restart)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from conseiller_app.ui.session import State, VaultSession, format_wait
from conseiller_app.ui.widgets.passphrase import PassphraseField


class UnlockScreen(QWidget):
    def __init__(self, session: VaultSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("unlockScreen")

        self.title = QLabel(self.tr("Ouvrir votre coffre"))
        self.title.setObjectName("screenTitle")
        self.subtitle = QLabel(self.tr("Saisissez votre phrase de passe pour retrouver vos dossiers."))
        self.subtitle.setWordWrap(True)
        self.subtitle.setObjectName("screenIntro")
        self.passphrase = PassphraseField(self.tr("Phrase de passe"))
        self.passphrase.returnPressed.connect(self.submit)
        self.unlock_button = QPushButton(self.tr("Déverrouiller"))
        self.unlock_button.setObjectName("primary")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        self.message = QLabel()
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        self.countdown = QLabel()
        self.countdown.setObjectName("hint")
        self.countdown.hide()
        reassure = QLabel(self.tr(
            "Le coffre se verrouille après quelques minutes sans activité : vos saisies en cours sont gardées "
            "et vous retrouvez l'écran où vous étiez."))
        reassure.setWordWrap(True)
        reassure.setObjectName("hint")

        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.unlock_button)
        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(520)
        layout = QVBoxLayout(card)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.countdown)
        layout.addSpacing(8)
        layout.addWidget(reassure)
        centred = QHBoxLayout()  # stretches rather than an alignment: wrapped labels keep their height
        centred.addStretch(1)
        centred.addWidget(card)
        centred.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(centred)
        outer.addStretch(3)

        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self.refresh_countdown)
        session.unlock_failed.connect(self._failed)
        session.opened.connect(self._opened)
        session.state_changed.connect(self._state_changed)
        self.setFocusProxy(self.passphrase)

    def set_owner(self, name: str) -> None:
        """Once the vault has been open in this run: the screen now means "locked"."""
        self.title.setText(self.tr("Coffre verrouillé"))
        self.subtitle.setText(self.tr("Coffre de {name} : saisissez votre phrase de passe pour retrouver vos dossiers.")
                              .format(name=name))

    # --- attempts ------------------------------------------------------------------------------

    def submit(self) -> None:
        if self.session.throttle.remaining() > 0:
            self.refresh_countdown()
            return
        text = self.passphrase.text()
        if not text:
            self._show_message(self.tr("Saisissez votre phrase de passe."))
            return
        self.session.unlock(text, parent=self.window())

    def _failed(self, message: str, wait: float) -> None:
        self.passphrase.clear()
        self._show_message(message)
        self.refresh_countdown()
        self.passphrase.setFocus()

    def _opened(self, _info: dict, _first: bool) -> None:
        self.passphrase.clear()
        self._show_message("")
        self._tick.stop()
        self.countdown.hide()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _state_changed(self, state: State) -> None:
        self.passphrase.setEnabled(state is not State.BUSY)
        self.refresh_countdown()

    # --- countdown -----------------------------------------------------------------------------

    def refresh_countdown(self) -> None:
        """Enable the form, or show how long until the next attempt (reads the throttle's clock)."""
        wait = self.session.throttle.remaining()
        busy = self.session.state is State.BUSY
        self.unlock_button.setEnabled(wait <= 0 and not busy)
        if wait > 0:
            self.countdown.setText(self.tr("Nouvel essai possible dans {wait}.").format(wait=format_wait(wait)))
            self.countdown.show()
            if not self._tick.isActive():
                self._tick.start()
        else:
            self.countdown.hide()
            self._tick.stop()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.refresh_countdown()
