"""Helpers of the Ateliers, Orientations and documents tests (no test here; the fixtures are in conftest.py)."""

from __future__ import annotations

import pytest

from conseiller_app.storage.services import beneficiaries, followup, sessions

# The offscreen platform warns each time a top-level window is shown; nothing to do with us.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

ARRAS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"
ARRAS_AGENCY_NAME = "Intérim Exemple Arras (fictive)"


def make_person(ctx, last="Lefèvre", first="Zoé", commune="Arras", birth="1990-04-05", public="rsa") -> str:
    return beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": birth,
                                      "commune": commune, "public": public})


def make_session(ctx, title="Atelier BTP — Arras", start="2026-12-07", end=None, capacity=12, **kw) -> str:
    data = {"kind": "sensibilisation", "title": title, "start_date": start, "end_date": end or start,
            "commune": "Arras", "place": "MDS d'Arras, salle 2", "capacity": capacity, "chantier": "csne",
            "trades": ["macon"]}
    data.update(kw)
    return sessions.create(ctx, data).id


def give_consent(ctx, bid, agency=ARRAS_AGENCY, name=ARRAS_AGENCY_NAME, scope=("identite", "contact")) -> str:
    return followup.record_consent(ctx, bid, partner_kind="agence", partner_name=name, partner_id=agency,
                                   scope=list(scope))


def show(qtbot, widget, size=(1200, 800)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def open_ateliers(qtbot, worker):
    from conseiller_app.ui.sessions import AteliersPage

    page = show(qtbot, AteliersPage(worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.env is not None and not page.model.is_searching())
    return page


def open_orientations(qtbot, worker):
    from conseiller_app.ui.referrals import OrientationsPage

    page = show(qtbot, OrientationsPage(worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.env is not None and not page.model.is_searching())
    return page


def column_texts(model, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def click_cell(qtbot, view, row: int, column: int) -> None:
    from PySide6.QtCore import Qt

    index = view.model().index(row, column)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def press(qtbot, widget, key) -> None:
    qtbot.keyClick(widget, key)
