"""The central office as a service under load: D devices (50) each upload a bundle of N changes
(1,000) at the same time to ``conseiller-central serve`` on PostgreSQL, with 1 and with 4 worker
processes. Reports uploads per second, the p95 latency of an upload and the speed-up. Run:
``.venv/bin/python benchmarks/service_bench.py [--devices 50] [--changes 1000] [--workers 1 4]``.

The devices are real vaults (journaled bulk path, as ``sync_bench``) approved up front, so every
upload is a full ingest; PostgreSQL is a throw-away local server with durable settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from benchmarks.common import percentile  # noqa: E402
from benchmarks.sync_bench import PASSPHRASE, fill  # noqa: E402

NAMES = ["Marie Dupont", "Karim Benali", "Sophie Vasseur", "Léa Martin", "Paul Lefèvre"]


def make_bundles(folder: Path, devices: int, changes: int) -> tuple[list[bytes], list]:
    from conseiller_app.central.service import init
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync

    first = init(f"sqlite:///{folder / 'cles.db'}", folder / "cles")
    first.close()
    bundles, ctxs = [], []
    out = folder / "paquets"
    out.mkdir()
    for i in range(devices):
        t = time.perf_counter()
        vault = Vault.create(folder / f"v{i}", PASSPHRASE, NAMES[i % len(NAMES)], "arrageois", "MDS",
                             check_policy=False)
        ctx = Context(vault)
        sync.enroll(ctx, folder / "cles" / "inscription-siege.json")
        fill(ctx, changes)
        made = sync.export(ctx, out)
        bundles.append(Path(made.path).read_bytes())
        ctxs.append(ctx)
        print(f"  appareil {i + 1}/{devices} : {made.changes} changements, {made.size // 1024} Kio "
              f"({time.perf_counter() - t:.1f} s)", flush=True)
    return bundles, ctxs


def run_once(pg, folder: Path, bundles: list[bytes], ctxs: list, workers: int) -> dict:
    from conseiller_app.central.service import init
    from tests.central.webserver import WebServer
    from tests.sync.helpers import register_device

    url = pg.new_database()
    central = init(url, folder / "cles", existing_keys=True)
    for ctx in ctxs:
        register_device(central, ctx)
    server = WebServer(url, folder / "cles", workers=workers).start()
    try:
        def upload(data: bytes) -> tuple[float, int]:
            t = time.perf_counter()
            r = httpx.post(f"{server.url}/api/v1/bundles", content=data, timeout=600)
            return time.perf_counter() - t, r.status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(len(bundles)) as pool:
            answers = list(pool.map(upload, bundles))
        wall = time.perf_counter() - start
    finally:
        server.stop()
    from conseiller_app.central.status import status

    st = status(central)
    central.close()
    assert all(code == 200 for _, code in answers), [code for _, code in answers]
    assert st.bundles.ingested == len(bundles)
    latencies = [t for t, _ in answers]
    return {"workers": workers, "wall": wall, "uploads_per_s": len(bundles) / wall,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "records": sum(v.active for v in st.records.values())}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=50)
    p.add_argument("--changes", type=int, default=1000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args(argv)
    from tests.central import pgserver

    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        folder = Path(tmp)
        print(f"Préparation de {args.devices} appareils × {args.changes} changements…", flush=True)
        bundles, ctxs = make_bundles(folder, args.devices, args.changes)
        pg = pgserver.start(fast=False)
        try:
            results = []
            for _ in range(args.runs):
                for workers in args.workers:
                    r = run_once(pg, folder, bundles, ctxs, workers)
                    results.append(r)
                    print(f"{workers} processus : {r['uploads_per_s']:.2f} envois/s, {r['wall']:.1f} s au total, "
                          f"latence p50 {r['p50']:.1f} s, p95 {r['p95']:.1f} s, {r['records']} enregistrements",
                          flush=True)
        finally:
            pg.stop()
            for ctx in ctxs:
                ctx.vault.close()
    best = {w: max(r["uploads_per_s"] for r in results if r["workers"] == w) for w in args.workers}
    if len(args.workers) > 1:
        lo, hi = min(args.workers), max(args.workers)
        print(f"Accélération {lo} → {hi} processus : × {best[hi] / best[lo]:.2f} (machine : {os.cpu_count()} cœurs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
