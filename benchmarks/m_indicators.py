"""The convention's indicators on the big vault (``storage.services.indicators``): loading every
row (opening the vault, after an import), then every indicator, the funnel, the delays, the
barriers and the exits for the whole vault and for one territory (what a change of filter on the
page costs), the « D'où vient ce chiffre ? » list of one figure, and what one file edited costs
(the rows changed read again from the change journal, the index built again, the figures)."""

from __future__ import annotations

import time

from benchmarks.common import Aim, Result
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    from conseiller_app.domain import indicators as I
    from conseiller_app.storage.indicator_rows import load_dataset, refresh_rows
    from conseiller_app.storage.services import Context, facts, indicators
    from conseiller_app.storage.vault import Vault

    folder = cv.working_copy("indicators")
    vault = Vault.open(folder, PASSPHRASE)
    ctx = Context(vault, today=lambda: TODAY)
    load = Result("indicators_load", "indicateurs : lecture de toutes les lignes du coffre", unit="ms", warmup=warmup,
                  notes=["à l'ouverture du coffre, après une importation du siège ; puis gardées en mémoire"])
    first = Result("indicators_first", "indicateurs : premier calcul (lecture + index + calcul)", unit="ms",
                   warmup=warmup)
    whole = Result("indicators_all", "indicateurs : tout le coffre (filtre changé)", unit="ms",
                   aim=Aim("median", "<", 300), warmup=warmup)
    territory = Result("indicators_territory", "indicateurs : un territoire (filtre changé)", unit="ms",
                       aim=Aim("median", "<", 300), warmup=warmup)
    explain = Result("indicators_explain", "indicateurs : « D'où vient ce chiffre ? » (un territoire)", unit="ms",
                     aim=Aim("median", "<", 300), warmup=warmup)
    changes = Result("indicators_changes_read", "indicateurs : relecture de ce qui a changé (un dossier modifié)",
                     unit="ms", warmup=warmup, notes=["les enregistrements nommés par le journal des changements"])
    after_edit = Result("indicators_after_edit", "indicateurs : après la modification d'un dossier "
                        "(relecture + index + calcul)", unit="ms", warmup=warmup)
    calibration = Result("indicators_calibration", "étalon : boucle Python fixe (3 M carrés ; ~180 ms sur une machine "
                         "libre)", unit="ms", warmup=0,
                         notes=["pour ramener les chiffres de ce groupe à une machine non chargée"])
    for _ in range(3):
        t = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        calibration.samples.append(time.perf_counter() - t)
    try:
        for i in range(runs + warmup):
            keep = i >= warmup
            with vault.session() as s:
                t = time.perf_counter()
                ds = load_dataset(s)
                seconds = time.perf_counter() - t
            if keep:
                load.samples.append(seconds)
            t = time.perf_counter()
            with indicators._paused_collector():  # as the service does
                I.index(ds)
                I.compute(ds, I.Filters.calendar_year(2026))
            if keep:
                first.samples.append(seconds + time.perf_counter() - t)
        indicators.compute(ctx)  # the service's cache holds the rows from here on
        quarter = I.Filters.quarter(2026, 3)
        for i in range(runs + warmup):
            t = time.perf_counter()
            indicators.compute(ctx, I.Filters() if i % 2 else quarter)
            seconds = time.perf_counter() - t
            if i >= warmup:
                whole.samples.append(seconds)
            t = time.perf_counter()
            indicators.compute(ctx, I.Filters(territory="lens_lievin"))
            seconds = time.perf_counter() - t
            if i >= warmup:
                territory.samples.append(seconds)
            t = time.perf_counter()
            out = indicators.explain(ctx, I.Filters(territory="lens_lievin"), "exits_dynamic")
            seconds = time.perf_counter() - t
            if i >= warmup:
                explain.samples.append(seconds)
        files = [x.id for x in indicators.dataset(ctx).files[:runs + warmup]]
        pci = {"held_on": TODAY, "recommendations": [{"code": "logement"}]}  # one file edited: a PCI recorded
        for i in range(runs + warmup):
            previous = indicators._cache[vault][0]
            facts.add_pci(ctx, files[i], pci)
            with indicators._paused_collector(), vault.session() as s:
                t = time.perf_counter()
                rows = refresh_rows(s, previous)
                seconds = time.perf_counter() - t
            assert rows.how == "changes"
            del rows
            if i >= warmup:
                changes.samples.append(seconds)
            t = time.perf_counter()
            indicators.compute(ctx)
            seconds = time.perf_counter() - t
            assert indicators.last_read(ctx) == "changes"
            if i >= warmup:
                after_edit.samples.append(seconds)
        report = indicators.compute(ctx)
        whole.extra.update(files=len(indicators.dataset(ctx).files), steps=len(indicators.dataset(ctx).steps),
                           spott=report.spott_grands_chantiers, exits=report.insertion_all.counted)
        explain.extra["files_listed"] = len(out.file_ids)
    finally:
        vault.close()
    return [calibration, load, first, whole, territory, explain, changes, after_edit]


def measure_gui(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    """The Indicateurs page with the real threaded worker: the longest stall of the GUI thread
    (1 ms heartbeat) while the page loads the vault's rows and computes, then while the
    conseiller changes the territory filter (figures, funnel and trend charts redrawn), then when
    the conseiller comes back to the page after editing a file (its rows read again)."""
    from benchmarks.gui_stall import Heartbeat, wait_until
    from conseiller_app.storage.services import Context, facts, indicators
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.app import create_application
    from conseiller_app.ui.pages.indicators import IndicatorsPage
    from conseiller_app.ui.worker import DbWorker

    create_application([])
    folder = cv.working_copy("indicateurs-page")
    vault = Vault.open(folder, PASSPHRASE)
    worker = DbWorker()
    ready: list[bool] = []
    worker.submit(lambda: (worker.set_context(Context(vault, today=lambda: TODAY)), ready.append(True)),
                  needs_vault=False)
    wait_until(lambda: bool(ready))
    page = IndicatorsPage(worker)
    page.resize(1200, 900)
    page.show()
    wait_until(page.isVisible)
    first = Result("indicators_page_first", "page Indicateurs : premier affichage (lecture + calcul)", unit="ms",
                   warmup=0)
    stall_first = Result("indicators_page_stall_first", "page Indicateurs : plus long blocage du fil graphique "
                         "(premier calcul)", unit="ms", aim=Aim("max", "<", 50), warmup=0)
    change = Result("indicators_page_filter", "page Indicateurs : changement de territoire affiché", unit="ms",
                    warmup=warmup)
    stall = Result("indicators_page_stall", "page Indicateurs : plus long blocage du fil graphique (filtre)",
                   unit="ms", aim=Aim("max", "<", 50), warmup=warmup)
    edit = Result("indicators_page_after_edit", "page Indicateurs : retour après la modification d'un dossier "
                  "(affiché)", unit="ms", warmup=warmup)
    stall_edit = Result("indicators_page_stall_edit", "page Indicateurs : plus long blocage du fil graphique (après "
                        "une modification)", unit="ms", aim=Aim("max", "<", 50), warmup=warmup)
    beat = Heartbeat()
    try:
        done: list[bool] = []
        page.computed.connect(lambda: done.append(True))
        beat.start()
        t = time.perf_counter()
        page.vault_opened()
        wait_until(lambda: bool(done), timeout=600)
        first.samples.append(time.perf_counter() - t)
        beat.stop()
        stall_first.samples.append(max(beat.gaps) / 1000)
        codes = [page.territory.itemData(i) for i in range(1, page.territory.count())]
        for i in range(warmup + runs):
            done.clear()
            beat.start()
            t = time.perf_counter()
            page.territory.setCurrentIndex(page.territory.findData(codes[i % len(codes)]))
            wait_until(lambda: bool(done), timeout=600)
            seconds = time.perf_counter() - t
            beat.stop()
            if i >= warmup:
                change.samples.append(seconds)
                stall.samples.append(max(beat.gaps) / 1000)
        files: list[list[str]] = []
        worker.submit(lambda ctx: [x.id for x in indicators.dataset(ctx).files[:warmup + runs]],
                      on_done=files.append)
        wait_until(lambda: bool(files))
        edited: list[object] = []
        for i in range(warmup + runs):
            worker.submit(lambda ctx, bid=files[0][i]: facts.add_pci(ctx, bid, {
                "held_on": TODAY, "recommendations": [{"code": "logement"}]}), on_done=edited.append)
            wait_until(lambda n=i + 1: len(edited) == n)
            done.clear()
            beat.start()
            t = time.perf_counter()
            page.page_shown()
            wait_until(lambda: bool(done), timeout=600)
            seconds = time.perf_counter() - t
            beat.stop()
            if i >= warmup:
                edit.samples.append(seconds)
                stall_edit.samples.append(max(beat.gaps) / 1000)
    finally:
        page.lock()
        worker.shutdown()
        vault.close()
    return [first, stall_first, change, stall, edit, stall_edit]
