"""What every measurement shares: samples and their statistics, aims, the printed table, timers
and the page-cache eviction used for cold starts."""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


# --- statistics ---------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarise(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"median": math.nan, "p95": math.nan, "max": math.nan, "min": math.nan, "n": 0}
    return {"median": statistics.median(samples), "p95": percentile(samples, 95), "max": max(samples),
            "min": min(samples), "n": len(samples)}


@dataclass
class Aim:
    """``stat`` of the samples compared with ``value`` (``op`` is '<' or '>')."""

    stat: str  # median | p95 | max
    op: str
    value: float

    def met(self, figure: float) -> bool:
        return figure < self.value if self.op == "<" else figure > self.value


@dataclass
class Result:
    """One row of the table. Samples are durations in seconds (or bytes for memory); a row with
    ``per`` shows a throughput, ``per / duration``, computed from the duration statistics (so its
    p95 and max describe the slow runs, like every other row)."""

    key: str
    label: str
    unit: str = "ms"  # ms | s (durations), MB (memory, samples in bytes), changes/s (rates)
    samples: list[float] = field(default_factory=list)
    baseline_label: str | None = None
    baseline: list[float] | None = None
    aim: Aim | None = None
    ratio_max: float | None = None  # aim on the ratio measurement / baseline (same statistic)
    per: float | None = None  # for rates: the count the durations are for
    warmup: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    # statistics -----------------------------------------------------------------------------

    @property
    def stat(self) -> str:
        return self.aim.stat if self.aim else "median"

    def figures(self) -> dict[str, float]:
        return summarise(self.samples)

    def baseline_figures(self) -> dict[str, float] | None:
        return summarise(self.baseline) if self.baseline else None

    @property
    def kind(self) -> str:
        return {"changes/s": "rate", "MB": "memory"}.get(self.unit, "time")

    def display(self, value: float) -> float:
        """The value in the unit of the table (ms, s, MB or changes/s)."""
        if math.isnan(value):
            return value
        if self.kind == "rate":
            return self.per / value if value > 0 else math.inf
        if self.kind == "memory":
            return value / 1e6
        return value * 1000 if self.unit == "ms" else value

    def ratio(self) -> float | None:
        base = self.baseline_figures()
        if not base or not self.samples:
            return None
        stat = self.stat
        b = base[stat]
        return self.figures()[stat] / b if b > 0 else None

    def met(self) -> bool | None:
        if self.skipped or not self.samples:
            return None
        ok = True
        if self.aim is not None:
            ok = self.aim.met(self.display(self.figures()[self.aim.stat]))
        if self.ratio_max is not None:
            r = self.ratio()
            ok = ok and r is not None and r <= self.ratio_max
        return ok if (self.aim is not None or self.ratio_max is not None) else None

    def aim_text(self) -> str:
        parts = []
        if self.aim is not None:
            value = self.aim.value
            shown = f"{value:,.0f}".replace(",", " ") if value >= 100 else f"{value:g}"
            parts.append(f"{self.aim.stat} {self.aim.op} {shown} {self.unit}")
        if self.ratio_max is not None:
            parts.append(f"ratio ≤ {self.ratio_max:g}")
        return "; ".join(parts) or "—"

    def as_json(self) -> dict[str, Any]:
        fig = self.figures()
        base = self.baseline_figures()
        out: dict[str, Any] = {
            "key": self.key, "label": self.label, "unit": self.unit, "kind": self.kind,
            "runs": len(self.samples), "warmup_discarded": self.warmup,
            "median": _num(self.display(fig["median"])), "p95": _num(self.display(fig["p95"])),
            "max": _num(self.display(fig["max"])),
            "samples": [_num(self.display(s)) for s in self.samples],
            "baseline": None, "ratio": _num(self.ratio()), "ratio_statistic": self.stat if self.baseline else None,
            "aim": self.aim_text(), "aim_statistic": self.aim.stat if self.aim else None,
            "aim_value": self.aim.value if self.aim else None, "ratio_max": self.ratio_max,
            "met": self.met(), "skipped": self.skipped, "notes": self.notes, "extra": self.extra,
        }
        if base:
            out["baseline"] = {"label": self.baseline_label, "median": _num(self.display(base["median"])),
                               "p95": _num(self.display(base["p95"])), "max": _num(self.display(base["max"])),
                               "samples": [_num(self.display(s)) for s in self.baseline]}
        return out


def _num(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    return round(value, 4)


# --- timing ---------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def repeat(fn: Callable[[int], Any], runs: int, warmup: int = 1) -> list[float]:
    """Durations of ``runs`` calls after ``warmup`` discarded ones; ``fn`` gets the run number."""
    out = []
    for i in range(warmup + runs):
        seconds, _ = timed(lambda i=i: fn(i))
        if i >= warmup:
            out.append(seconds)
    return out


# --- page cache --------------------------------------------------------------------------------------


def evict(paths: Iterable[Path]) -> int:
    """Ask the kernel to drop these files' pages from its cache (``posix_fadvise DONTNEED``).

    Only these files are affected (not the whole machine's cache, which is shared), and pages
    that another running process has mapped stay resident. Returns the number of files advised."""
    count = 0
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            count += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return count


def files_under(*folders: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    out = []
    for folder in folders:
        if folder.is_file():
            out.append(folder)
            continue
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                if suffixes is None or name.endswith(suffixes):
                    out.append(Path(dirpath) / name)
    return out


# --- the table -----------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞"
    if unit == "changes/s":
        return f"{value:,.0f}".replace(",", " ")
    if unit == "s":
        return f"{value:.2f}"
    if unit == "MB":
        return f"{value:.0f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table_rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        if r.skipped:
            rows.append([r.label, "—", "—", "—", r.baseline_label or "—", "—", "—", r.aim_text(),
                         f"non mesuré : {r.skipped}"])
            continue
        fig = r.figures()
        unit = r.unit
        base = r.baseline_figures()
        base_value = f"{_fmt(r.display(base[r.stat]), unit)} ({r.stat})" if base else "—"
        ratio = r.ratio()
        met = r.met()
        rows.append([
            f"{r.label} [{unit}]",
            _fmt(r.display(fig["median"]), unit), _fmt(r.display(fig["p95"]), unit), _fmt(r.display(fig["max"]), unit),
            r.baseline_label or "—", base_value, f"{ratio:.2f}" if ratio is not None else "—", r.aim_text(),
            "—" if met is None else ("oui" if met else "NON"),
        ])
    return rows


HEADERS = ["mesure", "médiane", "p95", "max", "référence (même exécution)", "réf.", "ratio", "objectif", "atteint ?"]


def format_table(results: list[Result], markdown: bool = False) -> str:
    rows = table_rows(results)
    if markdown:
        lines = ["| " + " | ".join(HEADERS) + " |", "| " + " | ".join("---" for _ in HEADERS) + " |"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(HEADERS)]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=False))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(out)
