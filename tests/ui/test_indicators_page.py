"""The Indicateurs page: figures computed on the worker, filters change them, a card's click lists
the files behind its figure (« D'où vient ce chiffre ? »), and the list opens a file; the charts
are QtCharts; the page clears its lists on lock."""

from __future__ import annotations

from datetime import date

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import Stage
from conseiller_app.storage.services import facts, pathway
from conseiller_app.ui.pages.indicators import IndicatorsPage
from tests.ui.pages_support import OFFSCREEN_NOISE, make_person, show

pytestmark = OFFSCREEN_NOISE


def _close(ctx, bid: str, outcome: str) -> None:
    pathway.apply(ctx, bid, [P.Propose(Stage.AWARENESS, date(2026, 11, 28)), P.Start(date(2026, 11, 28)),
                             P.Complete(date(2026, 11, 28)), P.Close(outcome, date(2026, 11, 28))])


def test_cards_filters_and_the_files_behind_a_figure(qtbot, qtmodeltester, ctx, sync_worker):
    arras = make_person(ctx, last="Lefèvre")
    lens = make_person(ctx, last="Martin", commune="Lens")
    neutral = make_person(ctx, last="Durand", commune="Lens")
    _close(ctx, arras, "emploi_durable")
    _close(ctx, lens, "autre_sortie")
    _close(ctx, neutral, "sortie_neutre")
    facts.add_pci(ctx, lens, {"held_on": "2026-11-28", "recommendations": ["logement"]})

    page = show(qtbot, IndicatorsPage(sync_worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.data is not None)
    card = page.cards["insertion_rate"]
    assert card.figure == "50\u00a0%"  # 1 dynamic exit out of 2 counted (the neutral exit is left out)
    assert "sorties neutres" in card.toolTip() and "Taux d'insertion post parcours" in card.toolTip()
    assert page.cards["pci"].figure == "1"
    assert page.funnel_chart.series() and page.trend_chart.series()

    # Filter: the Lens-Liévin territory
    with qtbot.waitSignal(page.computed):
        page.territory.setCurrentIndex(page.territory.findData("lens_lievin"))
    assert page.cards["insertion_rate"].figure == "0\u00a0%"
    with qtbot.waitSignal(page.computed):
        page.territory.setCurrentIndex(page.territory.findData("arrageois"))
    assert page.cards["insertion_rate"].figure == "100\u00a0%" and page.cards["pci"].figure == "0"
    with qtbot.waitSignal(page.computed):
        page.territory.setCurrentIndex(0)

    # « D'où vient ce chiffre ? » then open a file
    page.cards["insertion_rate"].click()
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    dialog = page.dialog
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 2  # the exits counted in the rate
    names = {dialog.model.index(r, 0).data() for r in range(2)}
    assert names == {"LEFÈVRE Zoé", "MARTIN Zoé"}
    opened = []
    page.open_beneficiary.connect(opened.append)
    row = dialog.model.row_of(lens)
    dialog.view.activated.emit(dialog.model.index(row, 0))
    assert opened == [lens]

    page.lock()
    assert page.dialog is None and page.cards["pci"].figure == "…"


def test_export_writes_the_figures_on_the_worker(qtbot, ctx, sync_worker, tmp_path):
    make_person(ctx)
    page = show(qtbot, IndicatorsPage(sync_worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.data is not None)
    with qtbot.waitSignal(page.exported):
        page.export_to(str(tmp_path / "indicateurs.csv"), "csv")
    assert "funnel.reperage.reached;Repérage : atteint;1" in (tmp_path / "indicateurs.csv").read_text("utf-8-sig")
    with qtbot.waitSignal(page.exported):
        page.export_to(str(tmp_path / "indicateurs.pdf"), "pdf")
    assert (tmp_path / "indicateurs.pdf").read_bytes().startswith(b"%PDF")
