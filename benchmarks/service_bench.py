"""The central office as a service under load: D devices (50) each upload a bundle of N changes
(1,000) at the same time to ``conseiller-central serve`` on PostgreSQL, with 1 and with 4 worker
processes. Reports uploads per second, the p50/p95 latency of an upload, the CPU seconds spent
per upload (service processes and PostgreSQL's, from /proc) and the speed-up. Run:
``.venv/bin/python benchmarks/service_bench.py [--devices 50] [--changes 1000] [--workers 1 4]
[--runs 3] [--bundles DIR] [--out FILE]``.

The devices are real vaults (journaled bulk path, as ``sync_bench``) approved up front, so every
upload is a full ingest; PostgreSQL is a throw-away local server with durable settings. The
worker counts are measured in turn, run after run (1, 4, 1, 4…), on the same bundles, so that
the machine's other load falls on both alike. ``--bundles DIR`` keeps the bundles made (and the
devices' public keys) in DIR and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from benchmarks.common import percentile  # noqa: E402
from benchmarks.sync_bench import PASSPHRASE, fill  # noqa: E402

NAMES = ["Marie Dupont", "Karim Benali", "Sophie Vasseur", "Léa Martin", "Paul Lefèvre"]
TICK = os.sysconf("SC_CLK_TCK")


def make_bundles(folder: Path, devices: int, changes: int) -> tuple[list[bytes], list[dict[str, str]]]:
    """D bundles of N changes in ``folder`` (kept there: bundle files, ``devices.json`` and the
    central office's keys ``cles``), or the ones a previous run left there."""
    index = folder / "devices.json"
    if index.exists():
        saved = json.loads(index.read_text())
        if saved["devices"] == devices and saved["changes"] == changes:
            print(f"Paquets repris de {folder}", flush=True)
            return [(folder / f"paquet-{i}.age").read_bytes() for i in range(devices)], saved["keys"]
    from conseiller_app.central.service import init
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import device
    from conseiller_app.sync import service as sync

    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "cles").exists():
        init(f"sqlite:///{folder / 'cles.db'}", folder / "cles").close()
    bundles, keys = [], []
    out = folder / "paquets"
    out.mkdir(exist_ok=True)
    for i in range(devices):
        t = time.perf_counter()
        vault = Vault.create(folder / f"v{i}", PASSPHRASE, NAMES[i % len(NAMES)], "arrageois", "MDS",
                             check_policy=False)
        ctx = Context(vault)
        try:
            sync.enroll(ctx, folder / "cles" / "inscription-siege.json")
            fill(ctx, changes)
            made = sync.export(ctx, out)
            with ctx.vault.session() as s:
                recipient, key, fp = device.public_keys(device.ensure_state(s))
                keys.append({"id": device.device_id(s), "signing_key": key, "age_recipient": recipient,
                             "fingerprint": fp})
        finally:
            vault.close()
        data = Path(made.path).read_bytes()
        (folder / f"paquet-{i}.age").write_bytes(data)
        bundles.append(data)
        print(f"  appareil {i + 1}/{devices} : {made.changes} changements, {made.size // 1024} Kio "
              f"({time.perf_counter() - t:.1f} s)", flush=True)
    index.write_text(json.dumps({"devices": devices, "changes": changes, "keys": keys}))
    return bundles, keys


def register(central: Any, keys: list[dict[str, str]]) -> None:
    """The devices approved up front, as if their first bundle had been approved."""
    from conseiller_app.central.models import Device

    now = central.now()
    with central.db.write() as conn:
        conn.execute(Device.__table__.insert(), [
            {**k, "status": "approuve", "name": "Appareil de test", "territory": "arrageois", "office": "",
             "first_seen_at": now, "approved_at": now, "audit_seq": 0, "central_seq_seen": 0, "publish_seq": 0}
            for k in keys])


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and its descendants, including the ones
    already ended and reaped (their parent's ``cutime``/``cstime``)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        times[pid] = sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def postmaster_pid(pg: Any) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


class LockSampler:
    """Every 50 ms, the central office's PostgreSQL sessions: how many are working (a statement
    running, not waiting for a lock) and how many wait for a lock (the writer lock, a record's).
    Their means over the load say whether uploads are written side by side or one at a time."""

    SQL = ("SELECT count(*) FILTER (WHERE state = 'active' AND wait_event_type IS DISTINCT FROM 'Lock'), "
           "count(*) FILTER (WHERE wait_event_type = 'Lock'), "
           "coalesce(string_agg(wait_event, ',') FILTER (WHERE wait_event_type = 'Lock'), '') FROM pg_stat_activity "
           "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def __init__(self, url: str) -> None:
        import threading

        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.samples: list[tuple[int, int]] = []
        self.lock_kinds: Counter[str] = Counter()  # advisory, tuple, transactionid, extend…
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.wait(0.05):
                working, waiting, kinds = conn.execute(self.SQL).fetchone() or (0, 0, "")
                self.samples.append((working, waiting))
                self.lock_kinds.update(k for k in kinds.split(",") if k)

    def __enter__(self) -> LockSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def means(self) -> tuple[float, float]:
        if not self.samples:
            return 0.0, 0.0
        return (statistics.fmean(w for w, _ in self.samples), statistics.fmean(w for _, w in self.samples))


def run_once(pg: Any, folder: Path, bundles: list[bytes], keys: list[dict[str, str]], workers: int) -> dict[str, Any]:
    from conseiller_app.central.service import init
    from conseiller_app.central.status import status
    from tests.central.webserver import WebServer

    url = pg.new_database()
    central = init(url, folder / "cles", existing_keys=True)
    register(central, keys)
    server = WebServer(url, folder / "cles", workers=workers).start()
    try:
        assert server.proc is not None
        time.sleep(1.0)  # the workers' start-up is not part of the load

        def upload(data: bytes) -> tuple[float, int]:
            t = time.perf_counter()
            r = httpx.post(f"{server.url}/api/v1/bundles", content=data, timeout=600)
            return time.perf_counter() - t, r.status_code

        cpu_service, cpu_pg = tree_cpu(server.proc.pid), tree_cpu(postmaster_pid(pg))
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        with LockSampler(url) as sampler, ThreadPoolExecutor(len(bundles)) as pool:
            answers = list(pool.map(upload, bundles))
        wall = time.perf_counter() - start
        working, waiting = sampler.means()
        cpu_service = tree_cpu(server.proc.pid) - cpu_service
        cpu_pg = tree_cpu(postmaster_pid(pg)) - cpu_pg
    finally:
        server.stop()
    st = status(central)
    central.close()
    assert all(code == 200 for _, code in answers), [code for _, code in answers]
    assert st.bundles.ingested == len(bundles)
    latencies = [t for t, _ in answers]
    n = len(bundles)
    return {"workers": workers, "wall_s": round(wall, 3), "uploads_per_s": round(n / wall, 3),
            "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
            "cpu_service_s_per_upload": round(cpu_service / n, 4), "cpu_postgresql_s_per_upload": round(cpu_pg / n, 4),
            "cpu_s_per_upload": round((cpu_service + cpu_pg) / n, 4),
            "cpu_busy_cores": round((cpu_service + cpu_pg) / wall, 2),
            "load_average_before": round(load_before, 2),
            "pg_sessions_working": round(working, 2), "pg_sessions_waiting_lock": round(waiting, 2),
            "pg_lock_waits_by_kind": {k: round(v / max(len(sampler.samples), 1), 2)
                                      for k, v in sampler.lock_kinds.most_common()},
            "records": sum(v["active"] for v in st["records"].values())}


def summary(results: list[dict[str, Any]], workers: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for w in workers:
        rs = [r for r in results if r["workers"] == w]
        out[str(w)] = {k: round(statistics.median(r[k] for r in rs), 3)
                       for k in ("uploads_per_s", "p50_s", "p95_s", "cpu_s_per_upload", "cpu_service_s_per_upload",
                                 "cpu_postgresql_s_per_upload", "cpu_busy_cores", "pg_sessions_working",
                                 "pg_sessions_waiting_lock")}
        out[str(w)]["best_uploads_per_s"] = max(r["uploads_per_s"] for r in rs)
    if len(workers) > 1:
        lo, hi = str(min(workers)), str(max(workers))
        out["speedup_median"] = round(out[hi]["uploads_per_s"] / out[lo]["uploads_per_s"], 2)
        pairs = [(a, b) for a, b in zip(results[::len(workers)], results[len(workers) - 1::len(workers)], strict=False)]
        out["speedup_per_pair"] = [round(b["uploads_per_s"] / a["uploads_per_s"], 2) for a, b in pairs]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=50)
    p.add_argument("--changes", type=int, default=1000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--bundles", type=Path, help="dossier où garder les paquets et les reprendre")
    p.add_argument("--out", type=Path, help="fichier JSON des résultats")
    args = p.parse_args(argv)
    from benchmarks.harness import git_commit, machine
    from tests.central import pgserver

    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        folder = args.bundles or Path(tmp)
        print(f"Préparation de {args.devices} appareils × {args.changes} changements…", flush=True)
        bundles, keys = make_bundles(folder, args.devices, args.changes)
        pg = pgserver.start(fast=False)
        try:
            results = []
            for _ in range(args.runs):
                for workers in args.workers:
                    r = run_once(pg, folder, bundles, keys, workers)
                    results.append(r)
                    print(f"{workers} processus : {r['uploads_per_s']:.2f} envois/s, {r['wall_s']:.1f} s au total, "
                          f"latence p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, "
                          f"CPU {r['cpu_s_per_upload']:.3f} s par envoi (service {r['cpu_service_s_per_upload']:.3f}, "
                          f"PostgreSQL {r['cpu_postgresql_s_per_upload']:.3f}), {r['cpu_busy_cores']:.2f} cœurs occupés, "
                          f"sessions PostgreSQL : {r['pg_sessions_working']:.1f} au travail, {r['pg_sessions_waiting_lock']:.1f} "
                          f"attendant un verrou {r['pg_lock_waits_by_kind']} ; charge avant {r['load_average_before']:.1f}, "
                          f"{r['records']} enregistrements", flush=True)
        finally:
            pg.stop()
    s = summary(results, args.workers)
    if "speedup_median" in s:
        print(f"Accélération {min(args.workers)} → {max(args.workers)} processus (médianes) : × "
              f"{s['speedup_median']:.2f}, par paire : {s['speedup_per_pair']} (machine : {os.cpu_count()} cœurs)")
    if args.out:
        args.out.write_text(json.dumps({
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python benchmarks/service_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "devices": args.devices, "changes": args.changes, "commit": git_commit(), "machine": machine(),
            "runs": results, "summary": s}, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
