"""Helpers shared by the Bénéficiaires page tests (no test here; the fixtures are in conftest.py)."""

from __future__ import annotations

import pytest

from conseiller_app.storage.services import beneficiaries

# The offscreen platform warns each time a top-level window is shown; nothing to do with us.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

PEOPLE = [
    # last, first, birth, public, commune
    ("Lefèvre", "Amélie", "12/03/1985", "rsa", "Arras"),
    ("N'Diaye", "Aïssatou", "02/07/2003", "jeune", "Lens"),
    ("Martin", "Paul", "23/11/1978", "iae", "Béthune"),
    ("Dubois", "Kévin", "05/05/1990", "rsa", "Calais"),
    ("Petit", "Sarah", "17/09/1996", "autre", "Boulogne-sur-Mer"),
    ("Lefebvre", "Marc", "30/01/1969", "rsa", "Liévin"),
]


def make_file(ctx, last="Durand", first="Claire", birth="01/02/1990", public="rsa", commune="Arras", **extra) -> str:
    data = {"last_name": last, "first_name": first, "birth_date": birth, "public": public, "commune": commune}
    data.update(extra)
    return beneficiaries.create(ctx, data)


def open_page(qtbot, worker):
    from conseiller_app.ui.beneficiaries import BeneficiariesPage

    page = BeneficiariesPage(worker)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    page.vault_opened()
    return page


def wait_results(qtbot, page, count: int, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: page.list_page.model.rowCount() == count and not page.list_page.model.is_searching(),
                    timeout=timeout)


def visible_names(page) -> list[str]:
    model = page.list_page.model
    return [model.row_data(r).last_name for r in range(model.rowCount()) if model.row_data(r)]


def type_text(qtbot, widget, text: str) -> None:
    """Type like a user, one key at a time. QTest only knows ASCII keys (it asserts on « é »):
    other characters go as key events carrying their text, as an input method would send."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))
