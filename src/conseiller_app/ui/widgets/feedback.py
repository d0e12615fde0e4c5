"""Non-modal feedback shared by the Ateliers and Orientations pages: a coloured banner with
optional buttons, and a red error line under a form."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from conseiller_app.ui.widgets.accessibility import announce

_STYLES = {
    "info": "background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 5px;",
    "success": "background: #e6f4ea; border: 1px solid #a8dab5; border-radius: 5px;",
    "warning": "background: #fef7e0; border: 1px solid #f9d67a; border-radius: 5px;",
    "error": "background: #fce8e6; border: 1px solid #f4b4ae; border-radius: 5px;",
}


def sentence(message: str) -> str:
    """Service messages are fragments (« ce champ est obligatoire. »): capitalise for display."""
    return message[:1].upper() + message[1:] if message else message


class Banner(QFrame):
    """A coloured message line with optional buttons; hidden when empty."""

    def __init__(self, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 10, 6)
        self._layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        self.kind = kind
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.setStyleSheet(f"QFrame#banner {{ {_STYLES[kind]} }} QFrame#banner QLabel {{ border: none; }}")

    def add_button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self._layout.addWidget(button)
        self.buttons.append(button)
        return button

    def show_message(self, text: str, kind: str | None = None) -> None:
        if kind:
            self.set_kind(kind)
        self.label.setText(text)
        self.setVisible(bool(text))
        announce(self, text, assertive=self.kind == "error")

    def text(self) -> str:
        return self.label.text()

    def clear(self) -> None:
        self.label.clear()
        self.hide()


class ErrorLine(QLabel):
    """A red message line under a form, hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str, label: str | None = None) -> None:
        text = sentence(message)
        if message and label:
            text = f"{label} : {message}"
        self.setText(text)
        self.setVisible(bool(message))
        announce(self, text, assertive=True)

    def show_failure(self, exc: BaseException) -> None:
        """A failed operation: every invalid field with its label, else the error's message."""
        from conseiller_app.domain.errors import ValidationError, ValidationErrors
        from conseiller_app.ui.errors import user_message

        if isinstance(exc, ValidationErrors):
            self.show_error("\n".join(f"{e.label} : {e.message}" for e in exc.errors))
        elif isinstance(exc, ValidationError):
            self.show_error(exc.message, exc.label)
        else:
            self.show_error(sentence(user_message(exc)))
