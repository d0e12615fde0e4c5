"""The file's « Convention » tab: a Point Conseils Intérimaire, a parcours prévention, a funding line
and the interest for the SAS recorded through real widgets; a bad amount is refused in French,
naming the field, and nothing is written."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from conseiller_app.storage import models as m
from tests.ui.test_beneficiaries_support import OFFSCREEN_NOISE, make_file, open_page
from tests.ui.test_beneficiary_editor import open_existing

pytestmark = OFFSCREEN_NOISE


def _count(ctx, model) -> int:
    with ctx.vault.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_convention_tab_records_the_facts(qtbot, ctx, sync_worker):
    bid = make_file(ctx)
    page = open_page(qtbot, sync_worker)
    editor = open_existing(qtbot, page, bid)
    tab = editor.convention
    editor.tabs.setCurrentIndex(editor.TAB_CONVENTION)
    assert editor.tabs.tabText(editor.TAB_CONVENTION) == "Convention"
    qtbot.waitUntil(lambda: tab.fund_step.count() == 1)  # the spotting step
    assert "Rien d'enregistré" in tab.facts_list.item(0).text()

    tab.pci_boxes["logement"].setChecked(True)
    tab.pci_boxes["mobilite"].setChecked(True)
    qtbot.mouseClick(tab.pci_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("Point Conseils Intérimaire" in tab.facts_list.item(i).text()
                                for i in range(tab.facts_list.count())))
    assert _count(ctx, m.PciDiagnostic) == 1

    tab.fund_amount.setText("douze euros")
    tab.fund_button.click()
    qtbot.waitUntil(tab.error_line.isVisible)
    assert tab.error_line.text().startswith("Montant : ")
    assert _count(ctx, m.FundingLine) == 0
    tab.fund_amount.setText("1 234,50")
    tab.fund_line.setCurrentIndex(tab.fund_line.findData("cipi"))
    tab.fund_button.click()
    qtbot.waitUntil(lambda: _count(ctx, m.FundingLine) == 1)

    tab.prev_status.setCurrentIndex(tab.prev_status.findData("commence"))
    tab.prev_button.click()
    tab.sas_combo.setCurrentIndex(1)  # non
    tab.sas_button.click()
    qtbot.waitUntil(lambda: any("Intérêt pour le SAS préparatoire : non" in tab.facts_list.item(i).text()
                                for i in range(tab.facts_list.count())))
    texts = [tab.facts_list.item(i).text() for i in range(tab.facts_list.count())]
    assert any("1\u202f234,50\u00a0€" in t for t in texts) and any("Parcours prévention : Commencé" in t for t in texts)
