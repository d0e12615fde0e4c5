"""Demo generation, this tree against an earlier commit, run alternately on the same machine.

``python -m benchmarks.demo_alternate --before REV [--files 60000] [--runs 2] [--out F.json]``

The machine is shared: its load changes from one minute to the next, so the two versions take
turns (before, after, before, after...) and each run also reports its CPU time, which other
processes disturb much less than the wall-clock time. Each run is a fresh process generating
into a fresh vault (same seed, same day) under ``benchmarks/.cache/work/``; the earlier
commit's ``src``, ``resources`` and ``migrations`` are extracted with ``git archive``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from benchmarks.common import ROOT, log

RUN = """
import json, shutil, sys, time
from pathlib import Path
from conseiller_app.storage import demo
from conseiller_app.storage.vault import Vault
from benchmarks.vaults import OWNER, PASSPHRASE, TODAY
folder = Path(sys.argv[1]); files = int(sys.argv[2]); seed = int(sys.argv[3])
shutil.rmtree(folder, ignore_errors=True)
vault = Vault.create(folder, PASSPHRASE, *OWNER, check_policy=False)
try:
    t, c = time.perf_counter(), time.process_time()
    demo.generate(vault, files, seed=seed, today=TODAY)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
finally:
    vault.close()
size = (folder / "coffre.db").stat().st_size
shutil.rmtree(folder, ignore_errors=True)
print(json.dumps({"wall": wall, "cpu": cpu, "bytes": size}))
"""


def _extract(rev: str, target: Path) -> None:
    with tempfile.TemporaryFile() as tar:
        subprocess.run(["git", "archive", rev, "src", "resources", "migrations"], cwd=ROOT, stdout=tar, check=True)
        tar.seek(0)
        with tarfile.open(fileobj=tar) as t:
            t.extractall(target, filter="data")


def _run(src: Path, files: int, seed: int) -> dict[str, float]:
    folder = ROOT / "benchmarks" / ".cache" / "work" / "demo-alternate"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", RUN, str(folder), str(files), str(seed)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True, help="commit de référence (ex. dd9d4e8)")
    p.add_argument("--files", type=int, default=60_000)
    p.add_argument("--runs", type=int, default=2, help="essais de chaque version (2)")
    p.add_argument("--seed", type=int, default=62)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    before_dir = Path(tempfile.mkdtemp(prefix="demo-before-"))
    try:
        _extract(args.before, before_dir)
        runs: dict[str, list[dict[str, float | str]]] = {"before": [], "after": []}
        for i in range(args.runs):
            for name, src in (("before", before_dir / "src"), ("after", ROOT / "src")):
                load = _load()
                r: dict[str, float | str] = {**_run(src, args.files, args.seed), "load_at_start": load}
                runs[name].append(r)
                log(f"  {name} #{i + 1} : {r['wall']:.1f} s ({r['cpu']:.1f} s CPU), charge {load}")
    finally:
        shutil.rmtree(before_dir, ignore_errors=True)
    summary = {name: {k: round(statistics.median(float(r[k]) for r in rs), 2) for k in ("wall", "cpu")}
               for name, rs in runs.items()}
    doc = {"files": args.files, "seed": args.seed, "before": args.before, "cpus": os.cpu_count(),
           "runs": runs, "median": summary}
    text = json.dumps(doc, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    b, a = summary["before"], summary["after"]
    print(f"| génération de démonstration, {args.files} dossiers | {b['wall']} s ({b['cpu']} s CPU) "
          f"| {a['wall']} s ({a['cpu']} s CPU) | × {b['wall'] / a['wall']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
