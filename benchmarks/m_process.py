"""Measurements in fresh subprocesses: process start to unlock screen, unlock, resident memory.

Cold where the user's would be cold: every sample is a new process, and before each one the
files it reads (the vault for unlock; the application, Python and Qt files for the start) are
evicted from the kernel's page cache with ``posix_fadvise(DONTNEED)``: only those files, not the
shared machine's whole cache. Pages that another running process has mapped (other Qt
programs on the machine) stay resident. Measurement and baseline alternate, one pair per run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from benchmarks.common import ROOT, Aim, Result, evict, files_under, log
from benchmarks.vaults import PASSPHRASE, CachedVault


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # As in an installed application, whose modules are byte-compiled: the warm-up run writes
    # the missing .pyc files (this machine sets PYTHONDONTWRITEBYTECODE for its shells).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(code: str, timeout: float = 300) -> tuple[float, dict]:
    """Run ``python -c code``; return (monotonic time at launch, the probe's RESULT)."""
    launched = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return launched, json.loads(line[len("RESULT "):])
    raise RuntimeError(f"la sonde n'a rien rapporté (code {proc.returncode}) : {proc.stderr.strip()[-800:]}")


def _startup_files(data_dir: Path) -> list[Path]:
    """What a start reads: the interpreter and its standard library, the virtual environment's
    packages (Qt included), the application and its resources, the data folder."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    purelib = Path(sysconfig.get_paths()["purelib"])
    folders = [stdlib, purelib, ROOT / "src", ROOT / "resources", ROOT / "benchmarks" / "probes.py", data_dir,
               Path(sys.executable).resolve()]
    libdir = sysconfig.get_config_var("LIBDIR")
    ldlib = sysconfig.get_config_var("LDLIBRARY")
    if libdir and ldlib and (Path(libdir) / ldlib).exists():
        folders.append(Path(libdir) / ldlib)
    seen = set()
    out = []
    for p in files_under(*folders):
        if p not in seen and stdlib / "site-packages" not in p.parents:
            seen.add(p)
            out.append(p)
    return out


def process_start(cv: CachedVault, runs: int, warmup: int = 1, cold: bool = True) -> Result:
    data_dir = cv.working_copy("demarrage")
    files = _startup_files(data_dir) if cold else []
    result = Result("process_start", "démarrage → écran de déverrouillage affiché", unit="s",
                    baseline_label="python -c 'import PySide6.QtWidgets'", baseline=[], warmup=warmup,
                    aim=Aim("median", "<", 1.5))
    start_code = f"from benchmarks.probes import start; start({str(data_dir)!r})"
    base_code = "from benchmarks.probes import qt_import; qt_import()"
    for i in range(warmup + runs):
        pair = []
        for which in ((start_code, base_code) if i % 2 == 0 else (base_code, start_code)):
            if cold:
                evict(files)
            launched, out = _run(which)
            pair.append((which, out["shown_at"] - launched))
        if i < warmup:
            continue
        for which, seconds in pair:
            (result.samples if which is start_code else result.baseline).append(seconds)
    result.notes.append(
        "Sous-processus neuf à chaque essai, plateforme Qt offscreen ; "
        + (f"avant chaque essai, {len(files)} fichiers (Python, paquets, Qt, application) retirés du cache de "
           "pages du noyau (posix_fadvise DONTNEED, hors pages projetées par d'autres processus)." if cold
           else "cache de pages du noyau chaud."))
    return result


def unlock(cv: CachedVault, runs: int, warmup: int = 1) -> Result:
    data_dir = cv.working_copy("deverrouillage")
    result = Result("unlock", "déverrouillage (clé + ouverture + migrations)", unit="s",
                    baseline_label="PRAGMA key + 1re lecture", baseline=[], warmup=warmup,
                    aim=Aim("median", "<", 0.5))
    app_code = f"from benchmarks.probes import unlock; unlock({str(data_dir)!r}, {PASSPHRASE!r})"
    base_code = f"from benchmarks.probes import unlock_baseline; unlock_baseline({str(data_dir)!r}, {PASSPHRASE!r})"
    for i in range(warmup + runs):
        pair = []
        for which in ((app_code, base_code) if i % 2 == 0 else (base_code, app_code)):
            _, out = _run(which)
            pair.append((which, out["seconds"]))
        if i >= warmup:
            for which, seconds in pair:
                (result.samples if which is app_code else result.baseline).append(seconds)
    result.notes.append("Sous-processus neuf à chaque essai (imports faits avant le chronomètre) ; fichier du coffre "
                        "retiré du cache de pages juste avant (posix_fadvise DONTNEED).")
    return result


def memory(cv: CachedVault, runs: int) -> list[Result]:
    result = Result("memory", "mémoire résidente, coffre ouvert, liste parcourue", unit="MB", aim=Aim("max", "<", 300))
    in_app = Result("list_first_page_in_app", "liste : première page après déverrouillage (application entière)",
                    unit="ms", aim=Aim("median", "<", 150))
    first_pages, unlocks = [], []
    for _i in range(runs):
        data_dir = cv.working_copy("memoire")
        code = (f"from benchmarks.probes import memory; memory({str(data_dir)!r}, {PASSPHRASE!r}, "
                f"{cv.meta['counts']['beneficiary']})")
        _, out = _run(code, timeout=600)
        if "error" in out:
            raise RuntimeError(out["error"])
        result.samples.append(float(out["VmHWM"]))
        in_app.samples.append(out["list_after_unlock_seconds"])
        first_pages.append(out["first_page_rss"])
        unlocks.append(round(out["unlock_seconds"], 3))
        log(f"  mémoire : pic {out['VmHWM'] / 1e6:.0f} Mo, à la fin {out['VmRSS'] / 1e6:.0f} Mo, "
            f"première page {out['first_page_rss'] / 1e6:.0f} Mo ; liste {out['list_after_unlock_seconds']:.2f} s "
            "après le déverrouillage")
    result.extra["rss_after_first_page_mb"] = [round(v / 1e6, 1) for v in first_pages]
    result.notes.append("Pic de mémoire résidente (VmHWM) d'un processus qui lance l'application par son point "
                        "d'entrée, déverrouille le coffre, affiche la liste puis la fait défiler jusqu'au bout.")
    in_app.extra["unlock_seconds_in_app"] = unlocks
    in_app.notes.append("Même sous-processus : de l'ouverture du coffre (signal opened) à l'arrivée des ids et de la "
                        "première page de la liste. Le déverrouillage se fait sur le tableau de bord (page par "
                        "défaut), quitté pour la liste dès l'ouverture : ses calculs (à faire, suggestions) "
                        "partagent le même worker en priorité basse. Pas d'échauffement : c'est la première "
                        "ouverture du processus.")
    return [result, in_app]
