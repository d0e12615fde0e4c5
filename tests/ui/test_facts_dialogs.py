"""The facts of the convention's indicators entered where the conseiller works (issue 9): a SPOTT
session's details and its funding lines in the session dialog, the agency that positioned a person
on a preparatory action in the registration dialog, the funding lines of a referral from the
Orientations page. Real widgets, a real vault; what was stored is read back through the services.
Bad amounts and bad dates are refused in French, naming the field, and nothing is written."""

from __future__ import annotations

import os
from datetime import date, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from conseiller_app.storage import models as m
from conseiller_app.storage.services import facts, referrals, sessions
from tests.ui.pages_support import (
    ARRAS_AGENCY,
    OFFSCREEN_NOISE,
    give_consent,
    make_person,
    make_session,
    open_ateliers,
    open_orientations,
)

pytestmark = OFFSCREEN_NOISE

LENS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000002"
BAD_AMOUNT = "Montant : montant attendu en euros, par exemple « 1 234,50 »."


def _grab(widget, name: str) -> None:
    """Screenshots for a reviewer: set CONSEILLER_GRAB_DIR to keep them."""
    folder = os.environ.get("CONSEILLER_GRAB_DIR")
    if folder:
        widget.grab().save(os.path.join(folder, f"{name}.png"))


def _count(ctx, model) -> int:
    with ctx.vault.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None)))


def _save(dialog) -> None:
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()


def _add_line(box, funder: str, line: str, amount: str, when: str | None = None) -> bool:
    box.funder.setCurrentIndex(box.funder.findData(funder))
    box.line.setCurrentIndex(box.line.findData(line))
    box.amount.setText(amount)
    if when is not None:
        box.granted_on.setText(when)
    return box.add_line()


def test_new_spott_session_records_its_details_and_funding(qtbot, ctx, clock, sync_worker):
    page = open_ateliers(qtbot, sync_worker)
    dialog = page.new_session()
    qtbot.waitExposed(dialog)
    # Another kind of session: no SPOTT tab.
    dialog.kind.setCurrentIndex(dialog.kind.findData("decouverte"))
    assert not dialog.tabs.isTabVisible(dialog.TAB_SPOTT) and not dialog.spott_group.isEnabled()
    assert dialog.spott_values() is None and not dialog.spott_hint.isVisible()
    dialog.kind.setCurrentIndex(dialog.kind.findData("spott"))
    assert dialog.tabs.isTabVisible(dialog.TAB_SPOTT) and dialog.spott_group.isEnabled()
    assert dialog.tabs.tabText(dialog.TAB_SPOTT) == "SPOTT" and dialog.spott_group.title() == "SPOTT"
    assert dialog.spott_hint.isVisible() and "onglet « SPOTT »" in dialog.spott_hint.text()
    dialog.commune.setText("Béthune (62400)")
    dialog.commune.editingFinished.emit()
    dialog.start.setDate(dialog.start.date().addDays(10))
    _grab(dialog, "session_dialog_main")

    # No chantier: refused, on the SPOTT tab, nothing written.
    _save(dialog)
    qtbot.waitUntil(dialog.error_line.isVisible)
    assert dialog.error_line.text() == "Chantier : précisez le chantier du SPOTT (CSNE, ERBM ou autre)."
    assert dialog.tabs.currentIndex() == dialog.TAB_SPOTT
    assert _count(ctx, m.AtelierSession) == 0

    dialog.spott_chantier.setCurrentIndex(dialog.spott_chantier.findData("erbm"))
    assert dialog.chantier.currentData() == "erbm"  # the Session tab shows the same chantier
    dialog.fpett_date.setText((clock() + timedelta(days=3)).strftime("%d/%m/%Y"))
    _save(dialog)
    qtbot.waitUntil(lambda: dialog.error_line.text().startswith("Validation préalable"))
    assert dialog.error_line.text() == "Validation préalable par l'équipe du FPETT : cette date est dans le futur."
    assert _count(ctx, m.AtelierSession) == 0
    dialog.fpett_date.setText("16/11/2026")
    dialog.spott_agencies.check({ARRAS_AGENCY, LENS_AGENCY})
    dialog.tabs.setCurrentIndex(dialog.TAB_SPOTT)
    _grab(dialog, "session_dialog_spott")

    # A bad amount is refused at once, in French, and not listed.
    dialog.tabs.setCurrentIndex(dialog.TAB_FUNDING)
    box = dialog.funding
    assert not _add_line(box, "fpett", "spott", "mille euros")
    assert box.error_line.isVisible() and box.error_line.text() == BAD_AMOUNT
    assert box.table.rowCount() == 0
    assert _add_line(box, "fpett", "spott", "1 234,50")
    assert not box.error_line.isVisible() and box.amount.text() == ""
    assert _add_line(box, "akto", "aktiv_competences", "800")
    assert box.table.rowCount() == 2 and box.table.item(0, 2).text() == "1\u202f234,50\u00a0€"
    assert box.empty.text() == "Total : 2\u202f034,50\u00a0€"
    _grab(dialog, "session_dialog_funding")
    _save(dialog)
    qtbot.waitUntil(lambda: page.session_view.session is not None)

    sid = page.session_view.session.id
    stored = sessions.get(ctx, sid)
    assert stored.kind == "spott" and stored.chantier == "erbm"
    assert stored.fpett_validated_on == date(2026, 11, 16) and stored.opco == "akto"
    assert set(stored.agencies) == {ARRAS_AGENCY, LENS_AGENCY}
    lines = facts.funding_for(ctx, "session", sid)
    assert [(f.funder, f.line, f.amount_cents, f.granted_on) for f in lines] == [
        ("fpett", "spott", 123450, clock()), ("akto", "aktiv_competences", 80000, clock())]
    assert all(f.beneficiary_id is None for f in lines)


def test_editing_a_spott_session_shows_its_details_and_changes_its_funding(qtbot, ctx, clock, sync_worker):
    sid = make_session(ctx, kind="spott", title="SPOTT coffrage", chantier="csne")
    facts.set_spott(ctx, sid, {"fpett_validated_on": "02/11/2026", "agencies": [LENS_AGENCY]})
    old = facts.add_funding(ctx, {"target_kind": "session", "target_id": sid, "funder": "fpett", "line": "spott",
                                  "amount": "3 000", "granted_on": "03/11/2026"})
    other = make_session(ctx, title="Atelier sans SPOTT")
    page = open_ateliers(qtbot, sync_worker)

    plain = page.edit_session(sessions.get(ctx, other))
    qtbot.waitExposed(plain)
    assert not plain.tabs.isTabVisible(plain.TAB_SPOTT)
    plain.reject()

    dialog = page.edit_session(sessions.get(ctx, sid))
    qtbot.waitExposed(dialog)
    assert dialog.tabs.isTabVisible(dialog.TAB_SPOTT)
    assert dialog.spott_chantier.currentData() == "csne" and dialog.fpett_date.text() == "02/11/2026"
    assert dialog.spott_agencies.checked() == [LENS_AGENCY] and dialog.opco.currentText() == "AKTO"
    box = dialog.funding
    qtbot.waitUntil(lambda: box.table.rowCount() == 1)
    assert box.table.item(0, 1).text() == "SPOTT" and box.table.item(0, 2).text() == "3\u202f000,00\u00a0€"

    box.table.selectRow(0)
    assert box.remove_button.isEnabled()
    qtbot.mouseClick(box.remove_button, Qt.MouseButton.LeftButton)
    assert box.table.rowCount() == 0
    assert _add_line(box, "departement", "autre", "450,5", "20/11/2026")
    dialog.spott_agencies.check({ARRAS_AGENCY}, only=True)
    dialog.fpett_date.clear()
    _save(dialog)
    qtbot.waitUntil(lambda: page.session_view.session is not None)

    stored = sessions.get(ctx, sid)
    assert stored.agencies == (ARRAS_AGENCY,) and stored.fpett_validated_on is None
    lines = facts.funding_for(ctx, "session", sid)
    assert [(f.funder, f.line, f.amount_cents, f.granted_on) for f in lines] == [
        ("departement", "autre", 45050, date(2026, 11, 20))]
    with ctx.vault.session() as s:
        assert s.get(m.FundingLine, old.id).deleted_at is not None  # tombstoned, travels to the office


def test_cancelling_the_session_dialog_writes_no_funding(qtbot, ctx, sync_worker):
    sid = make_session(ctx, kind="spott", chantier="erbm")
    page = open_ateliers(qtbot, sync_worker)
    dialog = page.edit_session(sessions.get(ctx, sid))
    qtbot.waitExposed(dialog)
    assert _add_line(dialog.funding, "fpett", "spott", "100")
    dialog.reject()
    assert facts.funding_for(ctx, "session", sid) == ()


def test_registration_to_a_preparatory_action_records_the_positioning_agency(qtbot, ctx, sync_worker):
    taster = make_session(ctx, kind="decouverte", title="Découverte coffrage")
    awareness = make_session(ctx, title="Atelier BTP")
    aubry = make_person(ctx, last="Aubry")
    caron = make_person(ctx, last="Caron")
    page = open_ateliers(qtbot, sync_worker)

    def register(session_id: str, name: str, agency: str | None):
        page.open_session(session_id)
        qtbot.waitUntil(lambda: page.session_view.session is not None
                        and page.session_view.session.id == session_id)
        dialog = page.ask_register(page.session_view.session)
        qtbot.waitExposed(dialog)
        if agency is not None:
            assert dialog.positioning.isVisible()
            combo = dialog.positioned_by
            assert combo.currentData() is None  # optional: none chosen by default
            combo.setCurrentIndex(combo.findData(agency))
        qtbot.keyClicks(dialog.picker.edit, name)
        dialog.picker.search_now()
        dialog.picker.results.setCurrentRow(0)
        return dialog

    dialog = register(taster, "aubry", ARRAS_AGENCY)
    _grab(dialog, "register_dialog_positioning")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    assert "est inscrit·e" in dialog.banner.text(), dialog.banner.text()
    assert "agence" not in dialog.banner.text(), dialog.banner.text()
    dialog.accept()

    dialog = register(awareness, "caron", None)
    assert not dialog.positioning.isVisible()  # an atelier de sensibilisation is not a preparatory action
    dialog.register_selected()
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    dialog.accept()

    with ctx.vault.session() as s:
        regs = {(r.session_id, r.beneficiary_id): r.positioned_by_agency_id for r in s.scalars(select(m.Registration))}
    assert regs == {(taster, aubry): ARRAS_AGENCY, (awareness, caron): None}


def test_referral_funding_from_the_orientations_page(qtbot, ctx, clock, threaded_worker):
    bid = make_person(ctx, last="Aubry")
    give_consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "cdpi", trades=["macon"], send=True, on=clock())
    page = open_orientations(qtbot, threaded_worker)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.current is not None and page.funding_button.isEnabled())
    assert page.funding_button.text() == "Financements…"
    _grab(page, "orientations_page")

    # Cancelled: nothing written.
    page.funding_button.click()
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    assert dialog.windowTitle() == f"Financements de l'orientation {ref.reference}"
    assert _add_line(dialog.box, "fpett", "cdpi", "5 000")
    dialog.reject()
    assert facts.funding_for(ctx, "orientation", ref.id) == ()

    page.funding_button.click()
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    box = dialog.box
    assert box.table.rowCount() == 0 and box.empty.text() == "Aucun financement enregistré."
    assert not _add_line(box, "fpett", "cdpi", "12,345")
    assert box.error_line.text() == BAD_AMOUNT
    assert not _add_line(box, "fpett", "cdpi", "0")
    assert box.error_line.text() == "Montant : le montant doit être positif."
    assert not _add_line(box, "fpett", "cdpi", "1 200", "31/02/2026")
    assert box.error_line.text() == "Date du financement : cette date n'existe pas dans le calendrier."
    assert _add_line(box, "fpett", "cdpi", "7\u202f450,00 €", "15/11/2026")
    _grab(dialog, "referral_funding_dialog")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: page.dialog is None)
    qtbot.waitUntil(lambda: "financements enregistrés" in page.banner.text())

    lines = facts.funding_for(ctx, "orientation", ref.id)
    assert [(f.funder, f.line, f.amount_cents, f.granted_on, f.beneficiary_id) for f in lines] == [
        ("fpett", "cdpi", 745000, date(2026, 11, 15), bid)]
    # The line shows again when the dialog is reopened.
    page.funding_button.click()
    qtbot.waitUntil(lambda: page.dialog.box.table.rowCount() == 1)
    assert page.dialog.box.table.item(0, 0).text() == "FPETT"
    page.dialog.reject()
