"""The synthetic vaults the measurements run on, cached under ``benchmarks/.cache/``.

A cached vault is keyed by its parameters: number of files, seed, and a digest of the code that
decides its content and layout (the storage package, the text folding, the migrations, the
reference data). Each run works on copies (``work/``), so that what a run writes (audit entries,
saved files) never changes the next run's starting point. The plain copy used as a baseline is
made with ``sqlcipher_export`` into a database attached with an empty key: synthetic data only,
never a user's vault.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.common import ROOT, log

CACHE = ROOT / "benchmarks" / ".cache"
PASSPHRASE = "banc d'essai lampadaire violet 42"
TODAY = date(2026, 11, 28)  # fixed, so that a cached vault is reproducible
OWNER = ("Marie Dupont", "arrageois", "MDS Arras")
VAULT_FILE = "coffre.db"


def code_digest() -> str:
    """What changes the content or layout of a generated vault."""
    src = ROOT / "src" / "conseiller_app"
    storage = src / "storage"
    paths = [storage / f"{name}.py" for name in ("demo", "bulk", "models", "sync_models", "reference", "profile",
                                                   "journal")]
    paths += [storage / "services" / "beneficiaries.py", src / "domain" / "text.py", src / "domain" / "enums.py"]
    paths += sorted((ROOT / "migrations").rglob("*.py")) + sorted((ROOT / "resources" / "reference").rglob("*"))
    from conseiller_app.storage import cipher

    h = hashlib.sha256(repr((cipher.EXPECTED_SETTINGS, cipher.APPLICATION_ID)).encode())
    for p in paths:
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class CachedVault:
    folder: Path  # holds coffre.db (encrypted), plain.db (plaintext copy), meta.json
    files: int
    seed: int
    built_now: bool
    generate_seconds: float | None  # demo.generate alone, when built in this run
    meta: dict

    @property
    def vault(self) -> Path:
        return self.folder / VAULT_FILE

    @property
    def plain(self) -> Path:
        return self.folder / "plain.db"

    def working_copy(self, name: str) -> Path:
        """A fresh data folder holding a copy of the vault (replaces a previous one)."""
        target = self.folder / "work" / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(self.vault, target / VAULT_FILE)
        return target


def ensure(files: int, seed: int) -> CachedVault:
    key = f"vault-{files}-s{seed}-{code_digest()}"
    folder = CACHE / key
    meta_file = folder / "meta.json"
    if meta_file.exists() and (folder / VAULT_FILE).exists() and (folder / "plain.db").exists():
        meta = json.loads(meta_file.read_text())
        log(
            f"Coffre de démonstration réutilisé : {folder.relative_to(ROOT)} ({meta['counts']['beneficiary']} dossiers)"
        )
        return CachedVault(folder, files, seed, False, None, meta)
    for old in CACHE.glob(f"vault-{files}-s{seed}-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)  # built by older code: never reused
    if folder.exists():
        shutil.rmtree(folder)
    build = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    log(f"Création d'un coffre de démonstration de {files} dossiers (graine {seed}) dans {folder.relative_to(ROOT)}…")

    import faker  # noqa: F401  (imported before the clock starts, as an application would have)

    from conseiller_app.storage import demo
    from conseiller_app.storage.vault import Vault

    vault = Vault.create(build, PASSPHRASE, *OWNER, check_policy=False)
    try:
        t = time.perf_counter()
        counts = demo.generate(vault, files, seed=seed, today=TODAY)
        seconds = time.perf_counter() - t
        vault.checkpoint()
    finally:
        vault.close()
    log(f"  généré en {seconds:.1f} s : {counts}")
    export_plain(build / VAULT_FILE, build / "plain.db")
    meta = {"files": files, "seed": seed, "today": TODAY.isoformat(), "counts": counts,
            "generate_seconds": round(seconds, 3), "vault_bytes": (build / VAULT_FILE).stat().st_size,
            "plain_bytes": (build / "plain.db").stat().st_size}
    (build / "meta.json").write_text(json.dumps(meta, indent=2))
    build.rename(folder)
    return CachedVault(folder, files, seed, True, seconds, meta)


def export_plain(vault_file: Path, target: Path) -> None:
    """Plaintext copy of a synthetic vault (same schema and data) for the plain-SQLite baseline."""
    from conseiller_app.storage import cipher

    target.unlink(missing_ok=True)
    conn = cipher.connect(vault_file, PASSPHRASE)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE {cipher.quote_literal(str(target))} AS plain KEY ''")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    with open(target, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise RuntimeError("la copie en clair n'est pas une base SQLite ordinaire")
