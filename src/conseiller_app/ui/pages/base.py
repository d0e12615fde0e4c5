"""What the main window expects of a page (duck-typed; every method is optional):

* ``vault_opened()`` — the vault was opened for the first time in this run: load.
* ``lock()`` — the vault is about to close: queue draft saves, clear personal data from widgets.
* ``unlock()`` — the vault is open again: reload what ``lock()`` cleared.
* ``page_shown()`` — the page became the current one.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget


def page_header(title: str, subtitle: str = "") -> QWidget:
    """The title block every page starts with."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 4)
    layout.setSpacing(2)
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return box


def fill_with_scroll(page: QWidget, content: QWidget) -> None:
    """Lay ``content`` out as the whole of ``page``, scrolling when the window is too small."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)


def call_hook(page: QWidget, name: str) -> None:
    hook = getattr(page, name, None)
    if callable(hook):
        hook()
