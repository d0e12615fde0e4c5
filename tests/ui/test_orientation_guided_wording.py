"""Issue 12, « Orientation guidée »: a consent only noted says it will be written at the end;
Escape with pending actions asks first; the recap lists the steps it will mark as passed; a
barrier can be noted from « Freins et offres » and given an offer; the session step offers the
whole Département and explains its markers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain.enums import StepReason
from conseiller_app.storage.services import beneficiaries, referrals, sessions
from tests.ui.test_beneficiaries_support import (
    OFFSCREEN_NOISE,
    make_file,
)
from tests.ui.test_parcours_orientation import choose, click, editor_for, open_wizard

pytestmark = OFFSCREEN_NOISE


def _wizard(qtbot, ctx, worker, bid=None):
    bid = bid or make_file(ctx, "Lefèvre", "Amélie")
    editor = editor_for(qtbot, ctx, worker, bid)
    return bid, editor.pathway, open_wizard(qtbot, editor.pathway)


def _item_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_consent_noted_says_it_will_be_recorded_at_the_end(qtbot, ctx, sync_worker):
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    _bid, tab, dlg = _wizard(qtbot, ctx, sync_worker)
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    item = dlg.consent_agency.itemText(dlg.consent_agency.findData(agency))
    assert item.endswith(" — consentement noté, sera enregistré à la fin")
    assert "Consentement noté" in dlg.hint_label.text() and "enregistré à la fin" in dlg.hint_label.text()
    assert "Consentement enregistré" not in dlg.hint_label.text()
    assert not any(t.endswith("consentement enregistré") for t in _item_texts(dlg.consent_agency))
    click(qtbot, dlg.save_button)
    qtbot.waitUntil(lambda: tab.wizard is None)
    dlg = open_wizard(qtbot, tab)
    dlg.wizard.go(W.Page.CONSENT)
    dlg.refresh()
    assert dlg.consent_agency.itemText(dlg.consent_agency.findData(agency)).endswith(" — consentement enregistré")
    assert dlg.hint_label.text().startswith("Consentement enregistré pour")


def test_escape_with_pending_actions_asks_first(qtbot, ctx, sync_worker):
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    _bid, tab, dlg = _wizard(qtbot, ctx, sync_worker)
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    box = dlg.close_box
    assert isinstance(box, QMessageBox) and box.isVisible() and dlg.isVisible()
    assert "1 action en attente n'est pas encore enregistrée" in box.text()
    stay = next(b for b in box.buttons() if b.text() == "Continuer la saisie")
    stay.click()
    qtbot.waitUntil(lambda: dlg.close_box is None)
    assert dlg.isVisible() and tab.wizard is dlg and len(dlg.wizard.operations) == 1
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    close = next(b for b in dlg.close_box.buttons() if b.text() == "Fermer")
    close.click()
    qtbot.waitUntil(lambda: tab.wizard is None)
    assert tab.draft_banner.isVisible()  # kept as a draft


def test_escape_without_pending_actions_closes_at_once(qtbot, ctx, sync_worker):
    _bid, tab, dlg = _wizard(qtbot, ctx, sync_worker)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tab.wizard is None)
    assert dlg.close_box is None


def test_recap_lists_the_steps_marked_as_passed(qtbot, ctx, sync_worker):
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    _bid, _tab, dlg = _wizard(qtbot, ctx, sync_worker)
    choose(dlg.consent_agency, agency)
    click(qtbot, dlg.consent_button)
    dlg.wizard.go(W.Page.REFERRAL)
    dlg.refresh()
    choose(dlg.skip_reason, StepReason.ALREADY_EXPERIENCED.value)
    choose(dlg.ref_agency, agency)
    click(qtbot, dlg.refer_button)
    assert dlg.error_line.text() == ""
    dlg.wizard.go(W.Page.SUMMARY)
    dlg.refresh()
    text = dlg.passed_label.text()
    assert dlg.passed_label.isVisible() and text.startswith("Les étapes suivantes seront marquées comme passées")
    for stage in ("Atelier de sensibilisation BTP", "Découverte métiers", "SAS préparatoire"):
        assert f"« {stage} »" in text, stage
    assert text.count("•") == 3


def test_a_barrier_added_from_the_wizard_takes_an_offer(qtbot, ctx, sync_worker):
    bid, tab, dlg = _wizard(qtbot, ctx, sync_worker)
    dlg.wizard.go(W.Page.BARRIERS)
    dlg.refresh()
    assert "Mobilité" in _item_texts(dlg.new_barrier)
    choose(dlg.new_barrier, "logement")
    click(qtbot, dlg.add_barrier_button)
    assert "Logement" not in _item_texts(dlg.new_barrier)  # open now: not offered twice
    pending = dlg.wizard.state.barriers[0].id
    click(qtbot, dlg.offer_buttons[(pending, "fastt_logement")])
    click(qtbot, dlg.save_button)
    qtbot.waitUntil(lambda: tab.wizard is None)
    f = beneficiaries.get(ctx, bid, record_read=False)
    assert [(b.type, b.status) for b in f.barriers] == [("logement", "en_cours")]
    assert f.barriers[0].actions[0].offer_code == "fastt_logement"


def test_session_step_offers_the_whole_departement_and_explains_its_markers(qtbot, ctx, sync_worker):
    today = ctx.today()
    near = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP Arras",
                                 "start_date": today.isoformat(), "commune": "Arras", "capacity": 12}).id
    far = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP Calais",
                                "start_date": today.isoformat(), "commune": "Calais", "capacity": 12}).id
    _bid, _tab, dlg = _wizard(qtbot, ctx, sync_worker)
    dlg.wizard.go(W.Page.SESSION)
    dlg.refresh()
    assert [r["id"] for r in dlg._session_rows] == [near]
    choose(dlg.f_territory, W.ALL_TERRITORIES)
    assert dlg.f_territory.currentText() == "Tout le Département"
    assert [r["id"] for r in dlg._session_rows] == [near, far]
    assert "éloigné" in dlg.session_table.item(1, 5).text()
    legend = dlg.sessions_legend.text()
    assert dlg.sessions_legend.isVisible()
    for marker in ("dans son territoire", "territoire voisin", "territoire éloigné", "déjà inscrite",
                   "vacances scolaires"):
        assert marker in legend, marker
