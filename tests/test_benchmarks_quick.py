"""The benchmark harness at the quick scale, so that it cannot rot: it runs from end to end and
its JSON has every measurement with numeric figures. No assertion on times (CI machines vary)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every row of the table in README's "Performances" section.
EXPECTED = {
    "process_start", "unlock", "search_as_you_type", "encrypted_vs_plain", "open_file", "save_file",
    "referral_form", "attendance_sheet", "list_first_page", "list_scroll_end", "gui_stall_typing", "memory",
    "list_first_page_in_app", "sync_export", "ingest_sqlite_creations", "ingest_sqlite_updates",
    "ingest_postgresql_creations", "ingest_postgresql_updates", "demo_generation",
}
WITH_BASELINE = {"process_start", "unlock", "search_as_you_type", "encrypted_vs_plain", "save_file"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_report(report: dict, stderr: str = "") -> None:
    """Every measurement is there with finite figures; a skipped one is PostgreSQL's, saying why."""
    rows = {m["key"]: m for m in report["measurements"]}
    indicators = {k for k in rows if k.startswith("indicators_")}  # issue 9's group
    # issue 11's group (PostgreSQL): the consolidated indicators, the bilan, the partners' export
    central = {k for k in rows if k.startswith(("central_indicators_", "central_bilan", "central_export_"))}
    assert indicators and central and set(rows) - indicators - central == EXPECTED, stderr[-2000:]
    for key, row in rows.items():
        if row["skipped"] is not None:  # only PostgreSQL may be missing, and then it says why
            assert key.startswith(("ingest_postgresql", "central_")), row
            assert isinstance(row["skipped"], str) and "PostgreSQL" in row["skipped"], row
            continue
        assert row["runs"] >= 1, key
        assert all(_number(row[stat]) for stat in ("median", "p95", "max")), row
        assert row["samples"] and all(_number(s) for s in row["samples"]), row
        if key in WITH_BASELINE:
            assert row["baseline"] and all(_number(row["baseline"][s]) for s in ("median", "p95", "max")), row
            assert _number(row["ratio"]), row
        assert row["met"] in (True, False) or key in indicators | central, row  # some rows have no aim
    assert report["machine"]["nproc"] and report["files"] == 2000
    assert "| mesure |" in report["table_markdown"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_quick_benchmark_writes_every_measurement(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--files", "2000", "--runs", "2", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=570,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    check_report(report, proc.stderr)
    assert "médiane" in proc.stdout
