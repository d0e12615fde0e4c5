"""The Orientations page: lazy list and filters, the « Sans nouvelles depuis 30 jours » view,
status changes with date and reason, and a referral refused for lack of consent then created
once the consent is recorded from the dialog."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDate, Qt

from conseiller_app.storage.services import followup, referrals
from conseiller_app.ui.referrals.list_model import referral_list_model
from conseiller_app.ui.referrals.operations import OPEN_ONLY, ReferralQuery
from tests.ui.pages_support import (
    ARRAS_AGENCY,
    ARRAS_AGENCY_NAME,
    OFFSCREEN_NOISE,
    column_texts,
    give_consent,
    make_person,
    open_orientations,
)
from tests.ui.shell_helpers import visible_texts

pytestmark = OFFSCREEN_NOISE


def referral(ctx, clock, last, days_ago=0, send=True, scheme="cipi"):
    bid = make_person(ctx, last=last)
    give_consent(ctx, bid)
    return referrals.create(ctx, bid, ARRAS_AGENCY, scheme, trades=["macon"], send=send,
                            on=clock() - timedelta(days=days_ago))


def test_list_filters_and_the_no_news_view(qtbot, qtmodeltester, ctx, clock, sync_worker):
    old = referral(ctx, clock, "Aubry", days_ago=45)
    referral(ctx, clock, "Bécourt", days_ago=31, scheme="mission")
    referral(ctx, clock, "Caron", days_ago=3)
    draft = referral(ctx, clock, "Delattre", days_ago=60, send=False)
    refused = referral(ctx, clock, "Évrard", days_ago=50)
    referrals.set_status(ctx, refused.id, "refusee", on=clock() - timedelta(days=40), refusal_reason="non_mobile")

    model = referral_list_model(sync_worker, page_size=2)
    model.set_query(ReferralQuery())
    qtmodeltester.check(model)
    assert model.rowCount() == 5

    page = open_orientations(qtbot, sync_worker)
    assert page.count_label.text() == "5 orientations"
    assert column_texts(page.model, 1) == ["CARON Zoé", "BÉCOURT Zoé", "ÉVRARD Zoé", "AUBRY Zoé", "DELATTRE Zoé"]
    qtbot.waitUntil(lambda: page.tabs.tabText(1) == "Sans nouvelles depuis 30 jours (2)")
    assert page.model.index(0, 4).data() == "3 j"
    assert page.model.index(3, 4).data() == "⚠ 45 j"
    assert page.model.index(3, 4).data(Qt.ItemDataRole.ToolTipRole) == "Sans nouvelles de l'agence depuis 45 jours"
    assert page.model.index(3, 0).data(Qt.ItemDataRole.BackgroundRole) is not None  # flagged row
    assert page.model.index(2, 2).data() == "Refusée (personne non mobile)"

    page.show_no_news()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert column_texts(page.model, 1) == ["BÉCOURT Zoé", "AUBRY Zoé"]
    assert page.count_label.text().startswith("2 orientations à relancer")
    assert not page.status.isEnabled()
    page.tabs.setCurrentIndex(0)
    page.status.setCurrentIndex(page.status.findData("brouillon"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.index(0, 0).data() == draft.reference
    page.status.setCurrentIndex(page.status.findData(OPEN_ONLY))
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    page.status.setCurrentIndex(0)
    page.scheme.setCurrentIndex(page.scheme.findData("mission"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.scheme.setCurrentIndex(0)
    page.territory.setCurrentIndex(page.territory.findData("calaisis"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.count_label.text() == "Aucune orientation ne correspond à ces filtres."
    page.territory.setCurrentIndex(page.territory.findData("arrageois"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 5)

    # Selecting shows the detail; opening the person goes through the page's signal.
    assert page.select_reference(old.reference)
    qtbot.waitUntil(lambda: page.current is not None)
    assert "Sans nouvelles depuis 45 jours" in page.detail.text()
    opened = []
    page.open_beneficiary.connect(opened.append)
    page.open_button.click()
    assert opened == [page.current.beneficiary_id]

    page.lock()
    assert page.model.rowCount() == 0 and page.current is None
    assert not any(name in text for text in visible_texts(page) for name in ("AUBRY", "CARON", "Zoé"))


def test_status_changes_with_date_reason_and_result(qtbot, ctx, clock, sync_worker):
    sent = referral(ctx, clock, "Aubry", days_ago=10)
    page = open_orientations(qtbot, sync_worker)
    page.select_reference(sent.reference)
    qtbot.waitUntil(lambda: page.current is not None)
    dialog = page.change_status()
    qtbot.waitExposed(dialog)
    offered = [dialog.status.itemData(i) for i in range(dialog.status.count())]
    assert offered == ["recue", "entretien_planifie", "positionne", "refusee", "sans_suite"]
    assert dialog.on.minimumDate() == QDate(2026, 11, 18) and dialog.on.maximumDate() == QDate(2026, 11, 28)

    dialog.choose("refusee")
    assert dialog.reason.isVisibleTo(dialog)
    dialog.submit()
    assert dialog.isVisible() and dialog.error_line.text() == "Motif du refus : indiquez le motif du refus."
    dialog.choose("entretien_planifie")
    assert not dialog.reason.isVisibleTo(dialog)
    dialog.on.setDate(QDate(2026, 11, 25))
    dialog.submit()
    qtbot.waitUntil(lambda: page.model.index(0, 2).data() == "Entretien planifié")
    assert "Entretien planifié" in page.banner.text()
    got = referrals.get(ctx, sent.id)
    assert got.status == "entretien_planifie" and got.status_date.isoformat() == "2026-11-25"
    qtbot.waitUntil(lambda: page.current is not None and page.current.status == "entretien_planifie")

    dialog = page.change_status()
    dialog.choose("refusee")
    dialog.reason.setCurrentIndex(dialog.reason.findData("pas_offre"))
    dialog.submit()
    qtbot.waitUntil(lambda: page.model.index(0, 2).data() == "Refusée (pas d'offre correspondante)")
    qtbot.waitUntil(lambda: page.current is not None and page.current.status == "refusee")
    assert not page.status_button.isEnabled()  # a refused referral does not change any more
    assert page.change_status() is None


def test_referral_refused_without_consent_then_created_after_recording_it(qtbot, ctx, sync_worker):
    bid = make_person(ctx, last="N'Diaye", first="Aïssatou")
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="ETTI Exemple Lens (fictive)",
                            partner_id="6a1f0c2e-0000-4000-8000-000000000002", scope=["identite"])  # another agency
    page = open_orientations(qtbot, sync_worker)
    dialog = page.new_referral()
    qtbot.waitExposed(dialog)
    assert not dialog.create_button.isEnabled()
    dialog.picker.edit.setText("ndiaye")
    dialog.picker.search_now()
    assert dialog.picker.results.count() == 1
    assert dialog.person.id == bid and dialog.territory.currentData() == "arrageois"
    dialog.trade_filter.setCurrentIndex(dialog.trade_filter.findData("macon"))
    assert dialog.choose_agency(ARRAS_AGENCY)
    assert "macon" in dialog.chosen_trades()
    dialog.scheme.setCurrentIndex(dialog.scheme.findData("tremplin_rsa"))
    dialog.summary.setPlaceholderText("")
    dialog.summary.setPlainText("Permis B en cours ; garde d'enfants trouvée.")
    dialog.send.setChecked(True)
    dialog.create_button.click()

    # Refused: explained in French, nothing written, the consent offered right here.
    assert dialog.isVisible()
    text = dialog.banner.text()
    assert "N'DIAYE Aïssatou n'a pas donné son consentement" in text and ARRAS_AGENCY_NAME in text
    assert dialog.consent_button.isVisible()
    assert referrals.list_referrals(ctx) == []
    consent = dialog.ask_consent()
    qtbot.waitExposed(consent)
    from PySide6.QtWidgets import QLabel

    texts = " ".join(label.text() for label in consent.findChildren(QLabel))
    assert "N'DIAYE Aïssatou" in texts and ARRAS_AGENCY_NAME in texts  # prefilled from the refusal
    assert consent.scope() == ["identite"]
    consent.submit()
    assert "accord" in consent.error_line.text()  # the person's agreement must be ticked
    consent.scope_boxes["identite"].setChecked(False)
    consent.agreed.setChecked(True)
    consent.submit()
    assert "identité doit être partagée" in consent.error_line.text()
    consent.scope_boxes["identite"].setChecked(True)
    consent.scope_boxes["contact"].setChecked(True)
    consent.submit()

    # Recorded with the agency's id, and the referral created right after.
    qtbot.waitUntil(lambda: not dialog.isVisible())
    rows = referrals.list_referrals(ctx)
    assert len(rows) == 1 and rows[0].status == "envoyee" and rows[0].consent_state == "valid"
    assert rows[0].scheme == "tremplin_rsa" and rows[0].trades == ("macon",)
    assert referrals.get(ctx, rows[0].id).barriers_summary == "Permis B en cours ; garde d'enfants trouvée."
    assert referrals.consent_check(ctx, bid, ARRAS_AGENCY).scope == ("identite", "contact")
    assert f"Orientation {rows[0].reference} créée (envoyée)." in page.banner.text()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)

    # The form that travels with the person, one click away from the confirmation.
    assert page.print_created_button.isVisible()
    page.print_created_button.click()
    preview = page.preview
    qtbot.waitUntil(lambda: preview.path is not None, timeout=15_000)
    assert rows[0].reference in preview.path.name and "DIAYE" not in preview.path.name
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(preview.path).pages)
    assert rows[0].reference in text and "N'DIAYE" in text and "Tremplin RSA" in text
    preview.close()
    page.lock()
    assert not page.print_created_button.isVisible()


def test_sending_after_the_consent_was_withdrawn_offers_to_record_it_again(qtbot, ctx, clock, sync_worker):
    draft = referral(ctx, clock, "Aubry", send=False)
    consent_id = referrals.get(ctx, draft.id).consent_id
    followup.withdraw_consent(ctx, consent_id)
    page = open_orientations(qtbot, sync_worker)
    page.select_reference(draft.reference)
    qtbot.waitUntil(lambda: page.current is not None)
    assert page.current.consent_label == "Consentement retiré"
    dialog = page.change_status()
    dialog.choose("envoyee")
    dialog.submit()
    assert "Envoi impossible" in dialog.error_line.text() and dialog.consent_button.isVisible()
    consent = dialog.ask_consent()
    consent.agreed.setChecked(True)
    consent.submit()
    qtbot.waitUntil(lambda: referrals.get(ctx, draft.id).status == "envoyee")
    qtbot.waitUntil(lambda: not dialog.isVisible())
