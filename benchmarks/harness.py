"""``python -m benchmarks``: build or reuse the synthetic vault, run every measurement with its
baseline in the same process run, print the table and write it as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import ROOT, Result, format_table, log

GROUPS = ("start", "unlock", "search", "files", "reports", "indicators", "central", "central_page", "gui", "memory",
          "sync", "demo")


def machine() -> dict:
    info: dict = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), None)
        with open("/proc/meminfo") as fh:
            total = next(line for line in fh if line.startswith("MemTotal:"))
            info["ram_gib"] = round(int(total.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import PySide6
        import sqlalchemy

        info["pyside6"] = PySide6.__version__
        info["sqlalchemy"] = sqlalchemy.__version__
    except ImportError:
        pass
    return info


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+modifications" if dirty else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument(
        "--files", type=int, default=60_000, help="dossiers du coffre synthétique (60 000 ; 2 000 pour un essai rapide)"
    )
    p.add_argument("--runs", type=int, default=5, help="essais mesurés par mesure, après échauffement (5)")
    p.add_argument("--warmup", type=int, default=1, help="essais d'échauffement écartés (1)")
    p.add_argument("--seed", type=int, default=62, help="graine des données synthétiques (62)")
    p.add_argument("--out", type=Path, default=None, help="fichier JSON (benchmarks/results/bench-<N>.json)")
    p.add_argument("--only", default=None, help=f"mesures à lancer, séparées par des virgules parmi {','.join(GROUPS)}")
    p.add_argument("--skip", default="", help="mesures à ne pas lancer (même liste)")
    p.add_argument("--demo-runs", type=int, default=None,
                   help="générations de démonstration mesurées (défaut : --runs jusqu'à 10 000 dossiers, 1 au-delà)")
    p.add_argument("--memory-runs", type=int, default=None, help="sous-processus de mesure de la mémoire (défaut : 2)")
    p.add_argument("--sync-changes", type=int, default=None,
                   help="changements exportés et ingérés (10 000 ; autant que de dossiers en dessous)")
    p.add_argument("--warm", action="store_true", help="ne pas vider le cache de pages avant les démarrages à froid")
    p.add_argument("--no-postgresql", action="store_true", help="ne pas mesurer l'ingestion sur PostgreSQL")
    p.add_argument("--markdown", action="store_true", help="afficher aussi le tableau en Markdown")
    args = p.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else set(GROUPS)
    wanted -= set(filter(None, args.skip.split(",")))
    unknown = wanted - set(GROUPS)
    if unknown:
        p.error(f"mesures inconnues : {', '.join(sorted(unknown))}")
    args.groups = [g for g in GROUPS if g in wanted]
    if args.runs < 1 or args.files < 100:
        p.error("--runs ≥ 1 et --files ≥ 100")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = args.out or ROOT / "benchmarks" / "results" / f"bench-{args.files}.json"
    started = time.perf_counter()
    load_before = os.getloadavg()

    from benchmarks import vaults

    cv = vaults.ensure(args.files, args.seed)
    results: list[Result] = []
    failures = 0

    def run(group: str, fn) -> None:
        nonlocal failures
        if group not in args.groups:
            return
        log(f"— {group}")
        t = time.perf_counter()
        try:
            produced = fn()
        except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
            failures += 1
            traceback.print_exc()
            results.append(Result(f"{group}_failed", f"{group} : échec", skipped=f"{type(exc).__name__}: {exc}"))
            return
        results.extend(produced if isinstance(produced, list) else [produced])
        log(f"  ({time.perf_counter() - t:.1f} s)")

    from benchmarks import m_demo, m_files, m_indicators, m_process, m_reports, m_search, m_sync

    runs, warmup = args.runs, args.warmup
    run("start", lambda: m_process.process_start(cv, runs, warmup, cold=not args.warm))
    run("unlock", lambda: m_process.unlock(cv, runs, warmup))
    run("search", lambda: m_search.measure(cv, runs, warmup))
    run("files", lambda: m_files.measure(cv, runs, warmup))
    run("reports", lambda: m_reports.measure(cv, runs, warmup))
    run("indicators", lambda: m_indicators.measure(cv, runs, warmup) + m_indicators.measure_gui(cv, runs, warmup))

    def central():
        from benchmarks import m_central_indicators

        return m_central_indicators.measure(cv, runs, warmup, postgresql=not args.no_postgresql)

    run("central", central)

    def central_page():
        from benchmarks import m_central_page

        return m_central_page.measure(cv, runs, warmup, postgresql=not args.no_postgresql)

    run("central_page", central_page)

    def gui():
        from benchmarks import m_gui

        return m_gui.measure(cv, runs, warmup)

    run("gui", gui)
    run("memory", lambda: m_process.memory(cv, args.memory_runs or 2))
    sync_changes = args.sync_changes or min(m_sync.CHANGES, args.files)
    run("sync", lambda: m_sync.measure(runs, warmup, postgresql=not args.no_postgresql, changes=sync_changes))
    demo_runs = args.demo_runs if args.demo_runs is not None else (runs if args.files <= 10_000 else 1)
    run("demo", lambda: m_demo.measure(cv, demo_runs, warmup if args.files <= 10_000 else 0))

    shutil.rmtree(cv.folder / "work", ignore_errors=True)  # copies of the vault, 400 MB each at 60,000 files
    elapsed = time.perf_counter() - started
    table = format_table(results)
    print()
    print(f"Banc d'essai : {cv.meta['counts']['beneficiary']} dossiers, {args.runs} essais mesurés par mesure "
          f"(+{args.warmup} d'échauffement), {elapsed:.0f} s")
    print(table)
    if args.markdown:
        print()
        print(format_table(results, markdown=True))
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "files": args.files, "runs": args.runs, "warmup": args.warmup, "seed": args.seed,
        "commit": git_commit(), "machine": machine(),
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "elapsed_seconds": round(elapsed, 1), "vault": cv.meta, "vault_built_in_this_run": cv.built_now,
        "cold_page_cache": not args.warm,
        "measurements": [r.as_json() for r in results],
        "table_markdown": format_table(results, markdown=True),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    os.replace(tmp, out)
    log(f"Résultats écrits dans {out}")
    return 1 if failures else 0
