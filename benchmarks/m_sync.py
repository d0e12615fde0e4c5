"""Synchronisation: the device's export of 10,000 changes and the central office's ingest
throughput on SQLite and on PostgreSQL (a throw-away local server with durable settings, as in
``tests/central``), reusing ``sync_bench``'s filling.

This runs on its own (real, not demo) vault whose 10,000 files went through the journaled bulk
path (one change each): a demo vault's bundles go only to a training central office. Each ingest sample uses a
fresh central database: a bundle of 10,000 creations, then a bundle of 10,000 modifications of
the same files (whose version trees are then looked up, not just appended).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from benchmarks.common import Aim, Result, log
from benchmarks.vaults import CACHE, TODAY

CHANGES = 10_000


def measure(runs: int, warmup: int = 1, postgresql: bool = True, changes: int = CHANGES) -> list[Result]:
    """``changes``: 10,000 at full scale; the quick scale uses fewer (the aim on the export's
    time is scaled with them, the throughput's is not)."""
    scale = f"{changes:,}".replace(",", " ")
    from benchmarks.sync_bench import PASSPHRASE, fill, touch_all
    from conseiller_app.central import ingest, publish
    from conseiller_app.central.service import init
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync
    from tests.sync.helpers import register_device

    tmp = CACHE / "work" / "sync"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    keys = tmp / "cles"
    bundles = tmp / "paquets"
    bundles.mkdir()
    ctx = Context(Vault.create(tmp / "v", PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras", check_policy=False),
                  today=lambda: TODAY)
    lite = init(f"sqlite:///{tmp / 'siege.db'}", keys)
    sync.enroll(ctx, keys / "inscription-siege.json")
    register_device(lite, ctx)
    ids = fill(ctx, changes)

    export = Result("sync_export", f"export de synchronisation, {scale} changements", unit="s",
                    aim=Aim("median", "<", round(3 * changes / CHANGES, 3)), warmup=warmup)
    created = sync.export(ctx, bundles)  # 10,000 creations: the warm-up export
    assert created.changes >= changes, created.changes  # + the owner's profile
    ingest.ingest_file(lite, Path(created.path))
    [ack] = publish.publish(lite, tmp / "retour")
    sync.import_bundle(ctx, Path(ack.file or ""))
    lite.close()
    touch_all(ctx, ids)
    modified = None
    for i in range(runs + max(0, warmup - 1)):
        t = time.perf_counter()
        made = sync.export(ctx, bundles)
        seconds = time.perf_counter() - t
        assert made.changes >= changes, made.changes
        modified = modified or made
        if i >= warmup - 1:
            export.samples.append(seconds)
    export.extra["bundle_kib"] = round(modified.size / 1024)
    export.notes.append(f"Paquet signé et chiffré de {scale} modifications (le premier export, {scale} créations, sert "
                        "d'échauffement).")

    def ingest_runs(label: str, new_url) -> list[Result]:
        creations = Result(f"ingest_{label.lower()}_creations", f"ingestion centrale {label}, {scale} créations",
                           unit="changes/s", per=changes, aim=Aim("median", ">", 5000), warmup=warmup)
        updates = Result(f"ingest_{label.lower()}_updates", f"ingestion centrale {label}, {scale} modifications",
                         unit="changes/s", per=changes, aim=Aim("median", ">", 5000), warmup=warmup)
        for i in range(warmup + runs):
            central = init(new_url(i), keys, existing_keys=True)
            try:
                register_device(central, ctx)
                t = time.perf_counter()
                r1 = ingest.ingest_file(central, Path(created.path))
                s1 = time.perf_counter() - t
                t = time.perf_counter()
                r2 = ingest.ingest_file(central, Path(modified.path))
                s2 = time.perf_counter() - t
            finally:
                central.close()
            assert r1.new_changes >= changes and r2.new_changes >= changes, (r1.new_changes, r2.new_changes)
            if i >= warmup:
                creations.samples.append(s1)
                updates.samples.append(s2)
        return [creations, updates]

    results = [export]
    results += ingest_runs("SQLite", lambda i: f"sqlite:///{tmp / f'siege-{i}.db'}")
    if postgresql:
        from tests.central import pgserver

        try:
            server = pgserver.start(fast=False)
        except pgserver.Unavailable as exc:
            log(f"  PostgreSQL non mesuré : {exc}")
            for suffix, what in (("creations", "créations"), ("updates", "modifications")):
                results.append(Result(f"ingest_postgresql_{suffix}", f"ingestion centrale PostgreSQL, {scale} {what}",
                                      unit="changes/s", per=changes, aim=Aim("median", ">", 5000),
                                      skipped=f"serveur PostgreSQL indisponible ({exc})"))
        else:
            try:
                pg = ingest_runs("PostgreSQL", lambda i: server.new_database())
                for r in pg:
                    r.notes.append("Serveur local jetable, réglages durables (fsync, synchronous_commit).")
                results += pg
            finally:
                server.stop()
    ctx.vault.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return results
