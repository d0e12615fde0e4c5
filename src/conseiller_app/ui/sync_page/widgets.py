"""Small widgets of the Synchronisation page: a coloured banner, a figure tile, a fingerprint."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

BANNER_STYLES = {
    "info": ("#e8f0fe", "#aecbfa", "#1d3f73"),
    "success": ("#e6f4ea", "#a8dab5", "#1e4d2b"),
    "warning": ("#fff4e0", "#f0b454", "#5a3a00"),
    "error": ("#fce8e6", "#f4b4ae", "#7a1c15"),
}


class Banner(QFrame):
    """A coloured message block with a bold title line; hidden when empty."""

    def __init__(self, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncBanner")
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 10.5pt;")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        texts.addWidget(self.title)
        texts.addWidget(self.body)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(14, 10, 14, 10)
        self._layout.setSpacing(12)
        self._layout.addLayout(texts, 1)
        self.kind = ""
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        if kind == self.kind:
            return
        self.kind = kind
        background, border, text = BANNER_STYLES[kind]
        self.setStyleSheet(
            f"QFrame#syncBanner {{ background: {background}; border: 1px solid {border}; border-left: 5px solid "
            f"{border}; border-radius: 6px; }} QFrame#syncBanner QLabel {{ color: {text}; background: transparent; "
            "border: none; }")

    def add_button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self._layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        return button

    def show_message(self, title: str, body: str = "", kind: str | None = None) -> None:
        if kind:
            self.set_kind(kind)
        self.title.setText(title)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.setVisible(bool(title or body))

    def text(self) -> str:
        return "\n".join(t for t in (self.title.text(), self.body.text()) if t)

    def clear(self) -> None:
        self.title.clear()
        self.body.clear()
        self.hide()


class Tile(QFrame):
    """A figure with its caption and a detail line (« 12 » / « changements en attente »)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.caption = QLabel(caption)
        self.caption.setObjectName("hint")
        self.caption.setWordWrap(True)
        self.value = QLabel()
        self.value.setObjectName("tileValue")
        self.value.setStyleSheet("font-size: 17pt; font-weight: bold; color: #1f3a5f;")
        self.detail = QLabel()
        self.detail.setObjectName("hint")
        self.detail.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def set(self, value: str, detail: str = "", warn: bool = False) -> None:
        self.value.setText(value)
        color = "#a5460b" if warn else "#1f3a5f"
        self.value.setStyleSheet(f"font-size: 17pt; font-weight: bold; color: {color};")
        self.detail.setText(detail)

    def clear(self) -> None:
        self.set("", "")


def fingerprint_label(point_size: int = 10) -> QLabel:
    """A fingerprint in a fixed-width font, selectable (to read it out or paste it)."""
    label = QLabel()
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(point_size)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def big_fingerprint(groups: str) -> QWidget:
    """Eight groups of four characters in two rows of boxes, large: easy to compare by phone."""
    box = QWidget()
    rows = QVBoxLayout(box)
    rows.setContentsMargins(0, 0, 0, 0)
    rows.setSpacing(8)
    parts = groups.split()
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(20)
    font.setBold(True)
    for start in range(0, len(parts), 4):
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addStretch(1)
        for part in parts[start:start + 4]:
            cell = QLabel(part)
            cell.setObjectName("fingerprintGroup")
            cell.setFont(font)
            cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            cell.setStyleSheet("QLabel#fingerprintGroup { background: #ffffff; border: 1px solid #b8c2cc; "
                               "border-radius: 6px; padding: 6px 12px; color: #1b2631; }")
            row.addWidget(cell)
        row.addStretch(1)
        rows.addLayout(row)
    return box
