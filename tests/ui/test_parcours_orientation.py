"""The Parcours tab and the guided orientation: the whole guided flow from a fresh file checked in
the vault afterwards, undo inside the wizard, a wizard draft surviving a lock and a reopen, an
illegal action refused with its French explanation, a guidance suggestion applied."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import StepReason
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, drafts, followup, orientation, pathway, referrals, sessions
from conseiller_app.ui.beneficiaries import operations as ops
from conseiller_app.ui.beneficiaries.file_editor import EditorEnv, FileEditor
from tests.ui.test_beneficiaries_support import OFFSCREEN_NOISE, make_file, open_page

pytestmark = OFFSCREEN_NOISE


def editor_for(qtbot, ctx, worker, bid) -> FileEditor:
    env = ops.environment(ctx)
    editor = FileEditor(worker, EditorEnv(today=env["today"], actor=env["actor"], communes=env["communes"],
                                          territories=env["territories"], offers=env["offers"],
                                          agencies=env["agencies"]), bid)
    qtbot.addWidget(editor)
    editor.resize(1100, 750)
    editor.show()
    editor.load()
    qtbot.waitUntil(lambda: editor.pathway._state is not None)
    editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
    return editor


def open_wizard(qtbot, tab):
    qtbot.mouseClick(tab.wizard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.wizard is not None and tab.wizard.wizard is not None)
    return tab.wizard


def choose(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.waitUntil(lambda: button.height() > 0)  # widgets just built: let the layout run
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def audit_actions(vault, bid) -> list[str]:
    with vault.session() as s:
        return list(s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.beneficiary_id == bid)
                              .order_by(m.AuditEntry.seq)))


def test_whole_guided_flow_from_a_fresh_file(qtbot, ctx, vault, sync_worker):
    bid = make_file(ctx, "Lefèvre", "Amélie")
    barrier = followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    today = ctx.today()
    sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP Arras",
                                "start_date": today.isoformat(), "commune": "Arras", "capacity": 12}).id
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    tab = editor.pathway
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == ["Repérage"]

    dlg = open_wizard(qtbot, tab)
    assert dlg.wizard.page is W.Page.CONSENT
    assert "Aucun consentement" in dlg.hint_label.text()
    # 1. consent recorded inline
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    assert dlg.wizard.page_status(W.Page.CONSENT) is W.PageStatus.DONE
    # 2. barrier: the matching offer
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.BARRIERS
    click(qtbot, dlg.offer_buttons[(barrier, "ma_mobilite_62")])
    # 3. session chosen among the filtered ones, registered
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.SESSION
    assert [r["id"] for r in dlg._session_rows] == [sid]
    dlg.select_session(sid)
    click(qtbot, dlg.register_button)
    # 4. attendance (the atelier is today): présent → the atelier step is done
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.ATTENDANCE
    click(qtbot, dlg.attendance_buttons[(sid, "present")])
    assert dlg.wizard.state.pathway.steps[-1].status.value == "realisee"
    # 5. referral to an agency, passing découverte and SAS with a reason
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.REFERRAL
    assert dlg.skip_row.isVisible()
    click(qtbot, dlg.refer_button)
    assert "Motif" in dlg.error_line.text()  # the skip needs its reason
    choose(dlg.skip_reason, StepReason.ALREADY_EXPERIENCED.value)
    choose(dlg.ref_agency, agency)
    choose(dlg.ref_scheme, "cipi")
    dlg.ref_trades.item(0).setCheckState(Qt.CheckState.Checked)
    click(qtbot, dlg.refer_button)
    assert dlg.error_line.text() == ""
    # 6. close with an outcome (required)
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.CLOSE
    click(qtbot, dlg.close_button_page)
    assert "obligatoire" in dlg.error_line.text()
    choose(dlg.outcome, "emploi_durable")
    dlg.outcome_detail.setText("CDII")
    choose(dlg.end_status, "realisee")
    click(qtbot, dlg.close_button_page)
    assert dlg.wizard.state.pathway.is_closed
    # 7. summary, then one transaction
    click(qtbot, dlg.next_button)
    assert dlg.wizard.page is W.Page.SUMMARY
    assert dlg.summary_list.count() == 7
    assert drafts.load(ctx, orientation.draft_key(bid))["operations"]  # kept after each change
    click(qtbot, dlg.save_button)
    qtbot.waitUntil(lambda: tab.wizard is None and tab._state is not None and tab._state.state == "cloture")

    state = pathway.get(ctx, bid)
    assert [(s.stage, s.status) for s in state.steps] == [
        ("reperage", "realisee"), ("atelier", "realisee"), ("decouverte", "passee"), ("sas", "passee"),
        ("positionnement", "realisee"), ("sortie", "realisee")]
    assert state.steps[-1].outcome == "emploi_durable" and state.steps[-1].outcome_detail == "CDII"
    f = beneficiaries.get(ctx, bid, record_read=False)
    assert f.consents[0].partner_id == agency and f.consents[0].scope == ("identite", "contact")
    assert f.barriers[0].actions[0].offer_code == "ma_mobilite_62"
    refs = referrals.list_referrals(ctx, beneficiary_id=bid)
    assert len(refs) == 1 and refs[0].status == "envoyee"
    assert sessions.get(ctx, sid).registered == 1
    actions = audit_actions(vault, bid)
    for expected in ("consent_recorded", "barrier_action", "session_registered", "attendance", "referral_created",
                     "pathway_close"):
        assert expected in actions, expected
    assert drafts.load(ctx, orientation.draft_key(bid)) is None
    # the tab shows the closed pathway, the exit highlighted nowhere (no open step)
    assert "parcours clôturé : Emploi durable" in tab.current_label.text()
    assert tab.table.rowCount() == 6 and not tab.table.item(5, 0).text().startswith("▶")
    assert not tab.action_bar.buttons[P.ActionKind.CLOSE].isEnabled()


def test_undo_inside_the_wizard(qtbot, ctx, sync_worker):
    bid = make_file(ctx)
    barrier = followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    dlg = open_wizard(qtbot, editor.pathway)
    assert not dlg.undo_button.isEnabled() and not dlg.save_button.isEnabled()
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    dlg.wizard.go(W.Page.BARRIERS)
    dlg.refresh()
    click(qtbot, dlg.offer_buttons[(barrier, "ma_mobilite_62")])
    assert (barrier, "ma_mobilite_62") not in dlg.offer_buttons  # shown as mobilised
    assert dlg.undo_button.toolTip().startswith("Orienter vers l'offre")
    click(qtbot, dlg.undo_button)
    assert "Action annulée" in dlg.banner.label.text()
    assert (barrier, "ma_mobilite_62") in dlg.offer_buttons
    assert len(dlg.wizard.operations) == 1
    assert len(drafts.load(ctx, orientation.draft_key(bid))["operations"]) == 1
    click(qtbot, dlg.undo_button)
    assert not dlg.wizard.dirty and not dlg.undo_button.isEnabled()
    assert drafts.load(ctx, orientation.draft_key(bid)) is None
    click(qtbot, dlg.close_button)
    qtbot.waitUntil(lambda: editor.pathway.wizard is None)
    assert beneficiaries.get(ctx, bid, record_read=False).consents == ()


def test_wizard_draft_survives_a_lock_and_a_reopen(qtbot, ctx, threaded_worker):
    bid = make_file(ctx, "Dubois", "Kévin", commune="Arras")
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    page = open_page(qtbot, threaded_worker)
    page.open_file(bid)
    qtbot.waitUntil(lambda: page.current_editor() is not None and page.current_editor().pathway._state is not None,
                    timeout=10000)
    editor = page.current_editor()
    editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
    tab = editor.pathway
    qtbot.waitUntil(lambda: tab.wizard_button.isEnabled())
    qtbot.mouseClick(tab.wizard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.wizard is not None and tab.wizard.wizard is not None, timeout=10000)
    dlg = tab.wizard
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    key = orientation.draft_key(bid)
    qtbot.waitUntil(lambda: threaded_worker_idle_has_draft(ctx, key), timeout=10000)

    page.lock()
    # The wizard stays (the main window hides it during the lock: tests/ui/test_app_lock_dialogs.py).
    assert tab.wizard is dlg and tab.table.rowCount() == 0
    page.unlock()
    qtbot.waitUntil(lambda: tab._bid == bid, timeout=10000)
    click(qtbot, dlg.close_button)  # closed without saving: its draft is offered
    qtbot.waitUntil(lambda: tab.wizard is None and tab.draft_banner.isVisible(), timeout=10000)
    assert "1 action" in tab.draft_banner.label.text()
    # reopen: close the file's tab and open it again → still offered
    page.close_tab(page.tabs.indexOf(editor))
    qtbot.waitUntil(lambda: page.editor_of(bid) is None, timeout=10000)
    page.open_file(bid)
    qtbot.waitUntil(lambda: page.editor_of(bid) is not None and page.editor_of(bid).pathway._draft is not None,
                    timeout=10000)
    editor = page.editor_of(bid)
    editor.tabs.setCurrentIndex(editor.TAB_PATHWAY)
    tab = editor.pathway
    assert tab.draft_banner.isVisible()
    click(qtbot, tab.resume_button)
    qtbot.waitUntil(lambda: tab.wizard is not None and tab.wizard.wizard is not None, timeout=10000)
    assert tab.wizard.wizard.pending() == [f"Enregistrer le consentement pour « {dlg_name(ctx, agency)} »"]
    assert "reprise" in tab.wizard.banner.label.text()
    click(qtbot, tab.wizard.save_button)
    qtbot.waitUntil(lambda: tab.wizard is None and not tab.draft_banner.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: drafts.load(ctx, key) is None, timeout=10000)
    assert beneficiaries.get(ctx, bid, record_read=False).consents[0].partner_id == agency


def threaded_worker_idle_has_draft(ctx, key) -> bool:
    d = drafts.load(ctx, key)
    return bool(d and d.get("operations"))


def dlg_name(ctx, agency_id) -> str:
    return next(a.name for a in referrals.agencies(ctx) if a.id == agency_id)


def test_illegal_action_refused_with_its_french_explanation(qtbot, ctx, vault, sync_worker):
    bid = make_file(ctx)
    pathway.apply(ctx, bid, P.Propose(P.Stage.AWARENESS, ctx.today()))
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    tab = editor.pathway
    assert tab.table.item(1, 0).text() == "▶ Atelier de sensibilisation métiers BTP" or \
        tab.table.item(1, 0).text().startswith("▶ ")
    abandon = tab.action_bar.buttons[P.ActionKind.ABANDON]
    assert not abandon.isEnabled()
    assert "choisissez plutôt « non réalisée »" in abandon.toolTip()
    assert tab.action_bar.buttons[P.ActionKind.NOT_DONE].isEnabled()
    before = pathway.get(ctx, bid).fingerprint
    # the service refuses it too (e.g. the screen was stale): its explanation is shown, nothing written
    tab.apply_action(P.Abandon(StepReason.REFUSAL, ctx.today()))
    assert tab.banner.isVisible()
    assert "Action refusée : Impossible de marquer comme abandonnée l'étape" in tab.banner.label.text()
    assert "elle n'a pas commencé" in tab.banner.label.text()
    assert pathway.get(ctx, bid).fingerprint == before
    # closing needs an outcome: the dialog says so and stays open
    click(qtbot, tab.action_bar.buttons[P.ActionKind.CLOSE])
    dialog = tab.action_bar.dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    click(qtbot, dialog.ok_button)
    assert "obligatoire" in dialog.error_line.text() and dialog.isVisible()
    choose(dialog.outcome_combo, "sortie_neutre")
    choose(dialog.end_status_combo, "non_realisee")
    choose(dialog.end_reason_combo, "sante")
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: tab._state is not None and tab._state.state == "cloture")
    assert "pathway_close" in audit_actions(vault, bid)


def test_applying_a_guidance_suggestion(qtbot, ctx, vault, sync_worker):
    bid = make_file(ctx)
    sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier Arras", "start_date": "2026-12-10",
                          "commune": "Arras", "capacity": 10})
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    tab = editor.pathway
    first = tab._suggestions[0]
    assert first.code == "next_session" and first.action.kind == "propose"
    assert first.reason in tab.guidance_rows[0].findChildren(type(tab.current_label))[0].text()
    click(qtbot, tab.apply_buttons[0])
    qtbot.waitUntil(lambda: tab._state is not None and len(tab._state.steps) == 2)
    assert tab._state.steps[-1].stage == "atelier" and tab._state.steps[-1].status == "proposee"
    assert tab.table.item(1, 0).text().startswith("▶ ")
    assert "pathway_propose" in audit_actions(vault, bid)


def test_wizard_save_refused_when_the_pathway_changed_meanwhile(qtbot, ctx, sync_worker):
    """The wizard was opened, then the pathway changed elsewhere (another window, a central
    office import): saving writes nothing and says to reopen the guided flow."""
    bid = make_file(ctx)
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    editor = editor_for(qtbot, ctx, sync_worker, bid)
    dlg = open_wizard(qtbot, editor.pathway)
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    assert dlg.save_button.isEnabled()
    pathway.apply(ctx, bid, P.Propose(P.Stage.AWARENESS, ctx.today()))  # meanwhile, elsewhere
    click(qtbot, dlg.save_button)
    qtbot.waitUntil(lambda: "Rien n'a été enregistré" in dlg.banner.label.text())
    assert "modifié entre-temps" in dlg.banner.label.text()
    assert beneficiaries.get(ctx, bid, record_read=False).consents == ()
    assert drafts.load(ctx, orientation.draft_key(bid))["operations"]  # the conseiller's work is kept
