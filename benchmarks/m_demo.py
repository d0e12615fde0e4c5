"""Demo generation of N files (``storage.demo.generate``) into a fresh vault.

At full scale one generation takes tens of seconds, so it runs once per benchmark (``--demo-runs``
to change it): when the cached vault was built by this very run, that build is the sample.
"""

from __future__ import annotations

import shutil
import time

from benchmarks.common import Aim, Result, log
from benchmarks.vaults import CACHE, OWNER, PASSPHRASE, TODAY, CachedVault


def measure(cv: CachedVault, runs: int, warmup: int) -> Result:
    from conseiller_app.storage import demo
    from conseiller_app.storage.vault import Vault

    result = Result(
        "demo_generation",
        "génération de démonstration, " + f"{cv.files:,}".replace(",", " ") + " dossiers",
        unit="s",
        aim=Aim("median", "<", 60 * cv.files / 60_000),
        warmup=warmup,
    )
    if cv.built_now and cv.generate_seconds is not None:
        result.samples.append(cv.generate_seconds)
        result.notes.append(
            "Mesurée pendant la construction du coffre de ce banc d'essai (même fonction, même graine)."
        )
        runs -= 1
    for i in range(warmup + max(0, runs)):
        folder = CACHE / "work" / "demo"
        shutil.rmtree(folder, ignore_errors=True)
        vault = Vault.create(folder, PASSPHRASE, *OWNER, check_policy=False)
        try:
            size = cv.files if i >= warmup else min(cv.files, 1000)
            t = time.perf_counter()
            demo.generate(vault, size, seed=cv.seed, today=TODAY)
            seconds = time.perf_counter() - t
        finally:
            vault.close()
        if i >= warmup:
            result.samples.append(seconds)
            log(f"  génération de {size} dossiers : {seconds:.1f} s")
        shutil.rmtree(folder, ignore_errors=True)
    result.extra["counts"] = cv.meta["counts"]
    result.notes.append(
        f"Objectif ramené à l'échelle : 60 s pour 60 000 dossiers, soit {60 * cv.files / 60_000:g} s ici ; "
        "l'échauffement (s'il y en a) génère au plus 1 000 dossiers."
    )
    return result
