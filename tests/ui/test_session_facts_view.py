"""What issue 9's facts look like once recorded, on the Ateliers page's session view: a SPOTT
session's chantier, FPETT validation, OPCO and agencies, any session's funding total; on a
preparatory action, the agency that positioned each registered person, changed or cleared from
the GUI (« Modifier le positionnement… »), which moves indicator 2. Real widgets, a real vault."""

from __future__ import annotations

import os

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from conseiller_app.storage import models as m
from conseiller_app.storage.services import facts, indicators, sessions
from tests.ui.pages_support import ARRAS_AGENCY, ARRAS_AGENCY_NAME, OFFSCREEN_NOISE, make_person, make_session, open_ateliers

pytestmark = OFFSCREEN_NOISE

LENS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000002"


def _grab(widget, name: str) -> None:
    """Screenshots for a reviewer: set CONSEILLER_GRAB_DIR to keep them."""
    folder = os.environ.get("CONSEILLER_GRAB_DIR")
    if folder:
        widget.grab().save(os.path.join(folder, f"{name}.png"))


def _open(qtbot, page, session_id: str):
    page.open_session(session_id)
    qtbot.waitUntil(lambda: page.session_view.session is not None and page.session_view.session.id == session_id)
    return page.session_view


def _cell(view, row: int, column: int) -> str:
    return view.participants.index(row, column).data()


def test_spott_session_shows_its_details_and_funding_total(qtbot, ctx, clock, sync_worker):
    sid = make_session(ctx, kind="spott", title="SPOTT coffrage", chantier="csne", start="2026-12-14")
    plain = make_session(ctx, title="Atelier BTP")
    page = open_ateliers(qtbot, sync_worker)

    view = _open(qtbot, page, sid)
    text = view.details.text()
    assert "Canal Seine-Nord" in text or "CSNE" in text, text
    assert "validation FPETT à obtenir" in text
    assert "aucune agence associée" in text and "aucun financement enregistré" in text

    facts.set_spott(ctx, sid, {"fpett_validated_on": "12/03/2026", "opco": "akto",
                               "agencies": [ARRAS_AGENCY, LENS_AGENCY]})
    facts.add_funding(ctx, {"target_kind": "session", "target_id": sid, "funder": "fpett", "line": "spott",
                            "amount": "12 000", "granted_on": "2026-03-12"})
    line = facts.add_funding(ctx, {"target_kind": "session", "target_id": sid, "funder": "akto", "line": "spott",
                                   "amount": "340", "granted_on": "2026-03-15"})
    removed = facts.add_funding(ctx, {"target_kind": "session", "target_id": sid, "funder": "akto",
                                      "line": "spott", "amount": "999", "granted_on": "2026-03-15"})
    facts.remove_funding(ctx, removed.id)  # a line entered by mistake does not count
    assert line.amount_cents == 34000
    page.show_browser()
    view = _open(qtbot, page, sid)
    text = view.details.text()
    assert "validée par le FPETT le 12/03/2026" in text, text
    assert "OPCO AKTO" in text and ARRAS_AGENCY_NAME in text
    assert "validation FPETT à obtenir" not in text
    assert "12\u202f340,00\u00a0€ (2 lignes)" in text, text
    page.resize(1180, 760)
    _grab(page, "ateliers_spott_session")

    # Any session shows its funding; only a SPOTT one its SPOTT line.
    facts.add_funding(ctx, {"target_kind": "session", "target_id": plain, "funder": "departement",
                            "line": "autre", "amount": "1 234,50", "granted_on": "2026-03-15"})
    view = _open(qtbot, page, plain)
    text = view.details.text()
    assert "1\u202f234,50\u00a0€ (1 ligne)" in text, text
    assert "FPETT" not in text and "OPCO" not in text


def _select(view, row: int) -> None:
    model = view.participants
    view.participants_view.selectionModel().select(
        model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def _positioned(ctx, session_id: str) -> dict[str, str | None]:
    with ctx.vault.session() as s:
        return {r.beneficiary_id: r.positioned_by_agency_id for r in s.scalars(
            select(m.Registration).where(m.Registration.session_id == session_id))}


def test_positioning_changed_and_cleared_from_the_participants_list(qtbot, ctx, clock, sync_worker):
    taster = make_session(ctx, kind="decouverte", title="Découverte coffrage")
    aubry = make_person(ctx, last="Aubry")
    caron = make_person(ctx, last="Caron")
    sessions.register(ctx, taster, aubry)
    sessions.register(ctx, taster, caron)
    facts.set_positioning(ctx, taster, caron, ARRAS_AGENCY)
    assert indicators.compute(ctx).positioned_by_agencies == 1
    page = open_ateliers(qtbot, sync_worker)
    view = _open(qtbot, page, taster)

    column = view.participants.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    assert column == "Positionné·e par" and not view.participants_view.isColumnHidden(4)
    rows = {_cell(view, r, 0): r for r in range(view.participants.rowCount())}
    assert _cell(view, rows["AUBRY"], 4) == "—" and _cell(view, rows["CARON"], 4) == ARRAS_AGENCY_NAME
    assert view.positioning_button.isVisible() and not view.positioning_button.isEnabled()

    # Aubry: positioned by the Lens agency, from the button.
    _select(view, rows["AUBRY"])
    assert view.positioning_button.isEnabled()
    view.positioning_button.click()
    dialog = page.dialog
    qtbot.waitExposed(dialog)
    assert dialog.agency.currentData() is None
    dialog.agency.setCurrentIndex(dialog.agency.findData(LENS_AGENCY))
    lens_name = dialog.agency.currentText()
    _grab(dialog, "positioning_dialog")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _positioned(ctx, taster) == {aubry: LENS_AGENCY, caron: ARRAS_AGENCY}
    assert indicators.compute(ctx).positioned_by_agencies == 2
    rows = {_cell(view, r, 0): r for r in range(view.participants.rowCount())}
    assert _cell(view, rows["AUBRY"], 4) == lens_name
    assert view.banner.isVisible() and f"positionné·e par {lens_name}" in view.banner.text()
    assert view.selected_person() is not None and view.selected_person().beneficiary_id == aubry

    # Caron: cleared (came through the Département); the dialog opens on the current agency.
    _select(view, rows["CARON"])
    dialog = page.ask_positioning(view.session, view.selected_person())
    qtbot.waitExposed(dialog)
    assert dialog.agency.currentData() == ARRAS_AGENCY
    dialog.agency.setCurrentIndex(0)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _positioned(ctx, taster) == {aubry: LENS_AGENCY, caron: None}
    assert indicators.compute(ctx).positioned_by_agencies == 1
    rows = {_cell(view, r, 0): r for r in range(view.participants.rowCount())}
    assert _cell(view, rows["CARON"], 4) == "—"
    assert "plus aucune agence" in view.banner.text()
    with ctx.vault.session() as s:
        actions = s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.action == "registration_positioned")).all()
        changes = s.scalars(select(m.ChangeEntry.op).where(m.ChangeEntry.entity == "registration")).all()
    assert len(actions) == 3  # the CLI-style setup, then the two changes from the GUI
    assert changes.count("update") >= 3


def test_no_positioning_outside_a_preparatory_action(qtbot, ctx, clock, sync_worker):
    awareness = make_session(ctx, title="Atelier BTP")
    sessions.register(ctx, awareness, make_person(ctx, last="Aubry"))
    page = open_ateliers(qtbot, sync_worker)
    view = _open(qtbot, page, awareness)
    _select(view, 0)
    assert view.participants_view.isColumnHidden(4)
    assert not view.positioning_button.isVisible()
    view.ask_positioning()
    assert page.dialog is None
