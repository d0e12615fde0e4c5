"""The convention's indicators on the big vault (``storage.services.indicators``): loading the
rows (after any change to the vault), then every indicator, the funnel, the delays, the barriers
and the exits for the whole vault and for one territory (what a change of filter on the page
costs), and the « D'où vient ce chiffre ? » list of one figure."""

from __future__ import annotations

import time

from benchmarks.common import Aim, Result
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    from conseiller_app.domain import indicators as I
    from conseiller_app.storage.indicator_rows import load_dataset
    from conseiller_app.storage.services import Context, indicators
    from conseiller_app.storage.vault import Vault

    folder = cv.working_copy("indicators")
    vault = Vault.open(folder, PASSPHRASE)
    ctx = Context(vault, today=lambda: TODAY)
    load = Result("indicators_load", "indicateurs : lecture des lignes du coffre", unit="ms", warmup=warmup,
                  notes=["après chaque modification du coffre ; puis gardées en mémoire"])
    first = Result("indicators_first", "indicateurs : premier calcul (lecture + index + calcul)", unit="ms",
                   warmup=warmup)
    whole = Result("indicators_all", "indicateurs : tout le coffre (filtre changé)", unit="ms",
                   aim=Aim("median", "<", 300), warmup=warmup)
    territory = Result("indicators_territory", "indicateurs : un territoire (filtre changé)", unit="ms",
                       aim=Aim("median", "<", 300), warmup=warmup)
    explain = Result("indicators_explain", "indicateurs : « D'où vient ce chiffre ? » (un territoire)", unit="ms",
                     aim=Aim("median", "<", 300), warmup=warmup)
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
        report = indicators.compute(ctx)
        whole.extra.update(files=len(indicators.dataset(ctx).files), steps=len(indicators.dataset(ctx).steps),
                           spott=report.spott_grands_chantiers, exits=report.insertion_all.counted)
        explain.extra["files_listed"] = len(out.file_ids)
    finally:
        vault.close()
    return [load, first, whole, territory, explain]
