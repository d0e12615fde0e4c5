"""Time the synchronisation: export of 10,000 changes from an encrypted vault (target: under
3 s) and the central office's ingest throughput on SQLite (target: over 5,000 changes/s) and on
PostgreSQL (a throw-away local server, durable settings). Run:
``.venv/bin/python benchmarks/sync_bench.py [--changes N] [--no-postgresql]``.

Two ingests per database: a bundle of N new records, then a bundle of N updates of them (the
version trees are then looked up, not just appended).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from conseiller_app.central import ingest, publish  # noqa: E402
from conseiller_app.central.service import init  # noqa: E402
from conseiller_app.storage import models as m  # noqa: E402
from conseiller_app.storage.bulk import insert_rows  # noqa: E402
from conseiller_app.storage.profile import owner  # noqa: E402
from conseiller_app.storage.services import Context  # noqa: E402
from conseiller_app.storage.services.beneficiaries import sort_name  # noqa: E402
from conseiller_app.storage.vault import Vault  # noqa: E402
from conseiller_app.sync import service as sync  # noqa: E402
from conseiller_app.sync.export import ExportedBundle  # noqa: E402
from tests.sync.helpers import register_device  # noqa: E402

PASSPHRASE = "cheval agrafe batterie correcte 7"


def fill(ctx: Context, n: int) -> list[str]:
    """N beneficiary files through the journaled bulk path (one change each)."""
    rng = random.Random(7)
    now = datetime(2026, 11, 28, 9, 0)
    with ctx.vault.session() as s:
        me = owner(s).id
        communes = [c for (c,) in s.execute(select(m.Commune.insee))]
        rows = []
        for i in range(n):
            last, first = f"Nom{i:05d}", rng.choice(["Awa", "Paul", "Léa", "Yanis", "Noé", "Julie"])
            rows.append(
                {
                    "id": m.new_id(),
                    "last_name": last,
                    "first_name": first,
                    "birth_date": date(1970, 1, 1) + timedelta(days=rng.randint(0, 15000)),
                    "public": "rsa",
                    "phone": None,
                    "email": None,
                    "address": "1 rue de la Gare",
                    "commune_insee": rng.choice(communes),
                    "caf_number": None,
                    "france_travail_id": None,
                    "nationality": None,
                    "rqth": False,
                    "prescriber": "france_travail",
                    "spotting_date": date(2026, 1, 5),
                    "referent_id": me,
                    "status": "actif",
                    "notes": "",
                    "last_contact": None,
                    "to_complete": False,
                    "sort_name": sort_name(last, first),
                    "current_stage": "reperage",
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        insert_rows(s, m.Beneficiary.__table__, rows, journal=True)
    return [r["id"] for r in rows]


def touch_all(ctx: Context, ids: list[str]) -> None:
    with ctx.vault.session() as s:
        for i in range(0, len(ids), 500):
            for row in s.scalars(select(m.Beneficiary).where(m.Beneficiary.id.in_(ids[i:i + 500]))):
                row.notes = "Entretien réalisé."


CPU: list[float] = []  # process CPU time of the last timed call (the machine may be shared)


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    CPU[:] = [time.process_time() - c]
    return result, time.perf_counter() - t


def cpu() -> str:
    return f"CPU {CPU[0]:.2f} s"


def ingest_both(label: str, central, ctx, first: ExportedBundle, second: ExportedBundle) -> None:
    r1, s1 = timed(lambda: ingest.ingest_file(central, Path(first.path)))
    c1 = cpu()
    r2, s2 = timed(lambda: ingest.ingest_file(central, Path(second.path)))
    print(f"Ingestion {label} : {r1.new_changes} créations en {s1:.2f} s ({r1.new_changes / s1:,.0f}/s, client {c1}), "
          f"{r2.new_changes} modifications en {s2:.2f} s ({r2.new_changes / s2:,.0f}/s, client {cpu()})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        keys = tmp / "cles"
        ctx = Context(Vault.create(tmp / "v", PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras", check_policy=False))
        # The SQLite central office also gives the device its acknowledgment between the two bundles.
        lite = init(f"sqlite:///{tmp / 'siege.db'}", keys)
        sync.enroll(ctx, keys / "inscription-siege.json")
        register_device(lite, ctx)
        ids = fill(ctx, args.changes)
        first, secs = timed(lambda: sync.export(ctx, tmp))
        print(f"Export de {first.changes} changements : {secs:.2f} s ({cpu()}), "
              f"{first.size / 1024:.0f} Kio chiffrés")
        r1, s1 = timed(lambda: ingest.ingest_file(lite, Path(first.path)))
        c1 = cpu()
        [made] = publish.publish(lite, tmp / "retour")
        _, secs = timed(lambda: sync.import_bundle(ctx, Path(made.file or "")))
        print(f"Import de l'accusé de réception (élagage de {first.changes} changements) : {secs:.2f} s ({cpu()})")
        touch_all(ctx, ids)
        second, secs = timed(lambda: sync.export(ctx, tmp))
        print(f"Export de {second.changes} modifications : {secs:.2f} s ({cpu()})")
        r2, s2 = timed(lambda: ingest.ingest_file(lite, Path(second.path)))
        c2 = cpu()
        print(f"Ingestion SQLite : {r1.new_changes} créations en {s1:.2f} s ({r1.new_changes / s1:,.0f}/s, {c1}), "
              f"{r2.new_changes} modifications en {s2:.2f} s ({r2.new_changes / s2:,.0f}/s, {c2})")
        lite.close()
        if not args.no_postgresql:
            from tests.central import pgserver

            try:
                server = pgserver.start(fast=False)
            except pgserver.Unavailable as exc:
                print(f"PostgreSQL non mesuré : {exc}")
            else:
                try:
                    central = init(server.new_database(), keys, existing_keys=True)
                    register_device(central, ctx)
                    ingest_both("PostgreSQL", central, ctx, first, second)
                    central.close()
                finally:
                    server.stop()
        ctx.vault.close()


if __name__ == "__main__":
    main()
