"""The console's Indicateurs page at the central office (issue 11), 60,000 files from 100 devices:
what a chargé·e de mission and a partner wait for, through the real web application (Litestar's
request handling, sessions, CSRF, the page's model, the server-drawn charts and the template),
in-process so that the central office's caches can be dropped between samples.

The central database is the one ``m_central_indicators`` builds (the benchmark vault's records
spread over 100 devices, stored through the central office's own storage path), on a throw-away
PostgreSQL server when one can be started, else on SQLite (``--no-postgresql`` too).

Measured, each with the records already read (``load_dataset`` kept in memory, as the service
keeps it while no bundle arrives):

- the first view for the chargé·e de mission (headline, funnel, monthly trend, breakdowns by
  territory and by conseiller) and for a partner (no breakdown by conseiller), with no report
  kept: what the first person to open the page after a change waits for;
- a breakdown asked for afterwards (``?repartition=agence``), the first view's reports kept;
- the first view shown again (reports kept);
- once, the first view after a change including the reading of the records;
- once, the former first view: every breakdown computed at once (what the page did before the
  on-demand breakdowns), for comparison.

A fixed Python loop calibrates the machine's load (the machine may be shared), and each request's
CPU time (the process's, every thread) is kept beside its wall-clock time (``extra.cpu_ms``).
"""

from __future__ import annotations

import logging
import shutil
import time
from typing import Any

from benchmarks.common import Aim, Result, log
from benchmarks.vaults import CACHE, TODAY, CachedVault


def _client(central: Any, who: str) -> Any:
    """A logged-in browser (cookies, CSRF token) on the web application, in-process."""
    from litestar.testing import TestClient

    from conseiller_app.central.web.app import create_app
    from tests.central.console_helpers import Browser

    b = Browser.__new__(Browser)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    b.client = TestClient(create_app(central), base_url="http://127.0.0.1", timeout=600)
    b.client.follow_redirects = False
    b.client.__enter__()
    b.token = ""
    r = b.login(who)
    if r.status_code != 303:
        raise RuntimeError(f"connexion refusée pour {who} : {r.status_code}")
    return b


def _forget_reports(central: Any) -> None:
    """Drop the reports and the parts kept for filters (the records stay in memory)."""
    central.cache.pop("indicators_reports", None)
    central.cache.pop("indicators_parts", None)


#: result key -> the process's CPU time of each sample (ms): on a shared machine, the wall-clock
#: time includes waiting for a core; the CPU time is the work done.
CPU: dict[str, list[float]] = {}


def _timed_get(b: Any, path: str, expect: str, into: Result | None = None) -> float:
    t, c = time.perf_counter(), time.process_time()
    r = b.get(path)
    took, cpu = time.perf_counter() - t, time.process_time() - c
    if r.status_code != 200 or expect not in r.text:
        raise RuntimeError(f"{path} : {r.status_code} {r.text[-500:]}")
    if into is not None:
        CPU.setdefault(into.key, []).append(round(cpu * 1000, 1))
    return took


def measure(cv: CachedVault, runs: int, warmup: int = 1, postgresql: bool = True) -> list[Result]:
    from benchmarks.m_central_indicators import build_central
    from conseiller_app.central import indicators as CI
    from conseiller_app.central.web import indicators_view
    from conseiller_app.domain.indicators import Filters
    from tests.central import pgserver
    from tests.central.console_helpers import add_staff

    calibration = Result("central_indicators_page_calibration", "console : étalon, boucle Python fixe (3 M carrés ; "
                         "~180 ms sur une machine libre)", unit="ms", warmup=0,
                         notes=["pour ramener les chiffres de ce groupe à une machine non chargée"])
    charge = Result("central_indicators_page_first_charge", "console : page Indicateurs, première vue, chargé·e de "
                    "mission (chiffres, entonnoir, tendance, territoires, conseillers)", unit="ms",
                    aim=Aim("median", "<", 5000), warmup=warmup, notes=["enregistrements déjà en mémoire"])
    partner = Result("central_indicators_page_first_partner", "console : page Indicateurs, première vue, partenaire "
                     "(chiffres, entonnoir, tendance, territoires)", unit="ms", aim=Aim("median", "<", 5000),
                     warmup=warmup, notes=["enregistrements déjà en mémoire"])
    agency = Result("central_indicators_page_breakdown", "console : une répartition demandée ensuite "
                    "(?repartition=agence)", unit="ms", aim=Aim("median", "<", 5000), warmup=warmup)
    again = Result("central_indicators_page_again", "console : la même page de nouveau (rapports gardés)", unit="ms",
                   warmup=warmup)
    after_load = Result("central_indicators_page_after_change", "console : première vue après un changement, lecture "
                        "des enregistrements comprise", unit="ms", warmup=0, notes=["un seul essai (long)"])
    former = Result("central_indicators_page_former", "console : ancienne première vue, les 8 répartitions et la "
                    "tendance d'un coup (pour comparaison)", unit="ms", warmup=0, notes=["un seul essai (long)"])
    rows = [charge, partner, agency, again, after_load, former]

    server = None
    database = "SQLite"
    if postgresql:
        try:
            server = pgserver.start(fast=False)
            database = "PostgreSQL"
        except pgserver.Unavailable as exc:
            log(f"  PostgreSQL indisponible ({exc}) : mesure sur SQLite")
    work = CACHE / "work" / "central-page"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        url = server.new_database() if server is not None else f"sqlite:///{work / 'siege.db'}"
        t = time.perf_counter()
        central, counts = build_central(cv, url, work / "cles")
        log(f"  base du siège ({database}) construite en {time.perf_counter() - t:.0f} s")
        try:
            for who in ("charge", "partenaire"):
                add_staff(central, who)
            for _ in range(3):
                t = time.perf_counter()
                sum(i * i for i in range(3_000_000))
                calibration.samples.append(time.perf_counter() - t)
            staff, guest = _client(central, "charge"), _client(central, "partenaire")
            try:
                central.cache.clear()
                after_load.samples.append(_timed_get(staff, "/indicateurs", "Par conseiller", after_load))
                for i in range(runs + warmup):
                    keep = i >= warmup
                    _forget_reports(central)
                    took = _timed_get(staff, "/indicateurs", "Par conseiller", charge if keep else None)
                    if keep:
                        charge.samples.append(took)
                    took = _timed_get(staff, "/indicateurs?repartition=agence", "Par agence d", agency if keep else None)
                    if keep:
                        agency.samples.append(took)
                    took = _timed_get(staff, "/indicateurs", "Par conseiller", again if keep else None)
                    if keep:
                        again.samples.append(took)
                    _forget_reports(central)
                    took = _timed_get(guest, "/indicateurs", "Par territoire", partner if keep else None)
                    if keep:
                        partner.samples.append(took)
                _forget_reports(central)
                t, cpu = time.perf_counter(), time.process_time()
                c = CI.consolidate(central, Filters(), today=TODAY)
                indicators_view.page_model(c, partner=False)
                former.samples.append(time.perf_counter() - t)
                former.extra["cpu_ms"] = [round((time.process_time() - cpu) * 1000, 1)]
                for r in rows:
                    if r.key in CPU:
                        r.extra["cpu_ms"] = CPU.pop(r.key)
                ds = CI.load_dataset(central)
                charge.extra.update(database=database, files=len(ds.files), devices=100,
                                    records=sum(counts.values()) + 100, trend_months=len(c.trend),
                                    rows={k: len(b.rows) for k, b in c.breakdowns.items()})
            finally:
                staff.client.__exit__(None, None, None)
                guest.client.__exit__(None, None, None)
        finally:
            central.close()
    finally:
        if server is not None:
            server.stop()
    return [calibration, *rows]

