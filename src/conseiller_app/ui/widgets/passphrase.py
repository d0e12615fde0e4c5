"""Passphrase input with a show/hide toggle, and a live strength meter (zxcvbn score 0–4)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QProgressBar, QToolButton, QWidget

from conseiller_app.domain.validation import MIN_ZXCVBN_SCORE, passphrase_strength
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401


class PassphraseField(QWidget):
    """A password-mode line edit with an "Afficher" toggle."""

    textChanged = Signal(str)  # noqa: N815 - mirrors QLineEdit
    returnPressed = Signal()  # noqa: N815

    def __init__(self, placeholder: str = "", parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        # The form's label names this composite widget; the screen reader is on the line edit.
        self.edit.setAccessibleName(name or self.tr("Phrase de passe"))
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.edit.textChanged.connect(self.textChanged)
        self.edit.returnPressed.connect(self.returnPressed)
        self.toggle = QToolButton(self)
        self.toggle.setText(self.tr("Afficher"))
        self.toggle.setCheckable(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle.setToolTip(self.tr("Afficher ou masquer la phrase de passe"))
        self.toggle.toggled.connect(self._toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)
        self.setFocusProxy(self.edit)

    def _toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText(self.tr("Masquer") if shown else self.tr("Afficher"))

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - mirrors QLineEdit
        self.edit.setText(text)

    def clear(self) -> None:
        self.edit.clear()
        self.toggle.setChecked(False)


class StrengthMeter(QWidget):
    """Shows how hard a passphrase is to guess; recomputed 150 ms after the last keystroke."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score = 0
        self._pending = ""
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 5)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.label = QLabel(self)
        self.label.setMinimumWidth(150)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_now)
        self._show(0, empty=True)

    def set_passphrase(self, text: str) -> None:
        self._pending = text
        self._timer.start()

    def update_now(self) -> None:
        self._timer.stop()
        text = self._pending
        self._show(passphrase_strength(text), empty=not text)

    def _show(self, score: int, empty: bool = False) -> None:
        self.score = score
        self.bar.setValue(0 if empty else score + 1)
        level = "vide" if empty else ("ok" if score >= MIN_ZXCVBN_SCORE else "faible")
        self.bar.setProperty("niveau", level)
        self.bar.style().unpolish(self.bar)
        self.bar.style().polish(self.bar)
        if empty:
            self.label.setText(self.tr("Solidité : —"))
        else:
            levels = (self.tr("très faible"), self.tr("faible"), self.tr("moyenne"), self.tr("bonne"),
                      self.tr("excellente"))
            self.label.setText(self.tr("Solidité : {level}").format(level=levels[score]))
