"""Charts of the console drawn on the server as SVG: horizontal bars and lines.

Why SVG from the server rather than a JavaScript library: the console's Content-Security-Policy
allows no script at all (``default-src 'none'``), and keeping it that way matters more than
animation; inline SVG needs no request, works on an intranet, with JavaScript off, in print and
in the HTTP tests; and there is no vendored library to audit and keep up to date.

A chart is a list of :class:`Shape` (an element name, its attributes, its text) that the
template ``_graphiques.html`` writes out with Jinja's auto-escaping: labels come from devices
(conseillers' names, territories) and are never marked safe. Element and attribute names come
from this module only; attribute values are numbers or colours from here, or escaped.

Each chart goes with an HTML table of the same figures, right under it, for screen readers (the
SVG has ``role="img"`` and a label that points to that table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BLUE, OCHRE, GREEN, GREY, INK = "#0b4f8a", "#8a5a00", "#1e5b2e", "#767676", "#1b1b1b"
SERIES = (BLUE, OCHRE, GREEN)
FONT = 13


@dataclass(frozen=True)
class Shape:
    kind: str  # rect | text | line | polyline | circle
    attrs: tuple[tuple[str, str], ...]
    text: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    label: str  # what a screen reader hears: the title and where the figures are
    width: int
    height: int
    shapes: tuple[Shape, ...]
    legend: tuple[tuple[str, str], ...] = ()  # (colour, series name)


@dataclass(frozen=True)
class Value:
    """One value of a chart: ``amount`` to draw (None: nothing drawn, e.g. a masked small count)
    and ``text`` to write beside it (« 12 », « < 5 », « 41,7 % »)."""

    amount: float | None
    text: str


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _rect(x: float, y: float, w: float, h: float, fill: str) -> Shape:
    return Shape("rect", (("x", _n(x)), ("y", _n(y)), ("width", _n(max(w, 0))), ("height", _n(h)), ("fill", fill)))


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, size: int = FONT,
          weight: str = "normal") -> Shape:
    return Shape("text", (("x", _n(x)), ("y", _n(y)), ("text-anchor", anchor), ("fill", fill),
                          ("font-size", str(size)), ("font-weight", weight)), text)


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = GREY, width: float = 1) -> Shape:
    return Shape("line", (("x1", _n(x1)), ("y1", _n(y1)), ("x2", _n(x2)), ("y2", _n(y2)), ("stroke", stroke),
                          ("stroke-width", _n(width))))


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]], *,
         width: int = 780, label_width: int = 290) -> Chart:
    """Horizontal bars, one group per label and one bar per series (at most three)."""
    series = list(series)[: len(SERIES)]
    per = len(series)
    bar_h = 18 if per == 1 else 13
    group_h = per * bar_h + 10
    top = 8
    height = top + max(len(labels), 1) * group_h + 8
    area = width - label_width - 90
    peak = max((v.amount for _, values in series for v in values if v.amount is not None), default=0) or 1
    shapes: list[Shape] = [_line(label_width, top - 4, label_width, height - 4, INK)]
    for i, label in enumerate(labels):
        y0 = top + i * group_h
        # About 7 px a character at 13 px: a longer label is cut (the table under the chart has it whole).
        shapes.append(_text(label_width - 8, y0 + per * bar_h / 2 + 5, _clip(label, (label_width - 12) // 7),
                            anchor="end"))
        for j, (_, values) in enumerate(series):
            value = values[i]
            y = y0 + j * bar_h
            w = area * (value.amount or 0) / peak if value.amount is not None else 0
            if w > 0:
                shapes.append(_rect(label_width + 1, y, max(w, 2), bar_h - 3, SERIES[j]))
            colour = INK if value.amount is not None else GREY
            shapes.append(_text(label_width + 6 + w, y + bar_h - 6, value.text, fill=colour, size=12))
    legend = tuple((SERIES[j], name) for j, (name, _) in enumerate(series)) if per > 1 else ()
    return Chart(chart_id, f"{title} (graphique ; les chiffres sont dans le tableau qui suit)", width, height,
                 tuple(shapes), legend)


def lines(chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]], *,
          width: int = 760, height: int = 260) -> Chart:
    """A line per series over periods (oldest first); a value not drawn breaks the line there."""
    series = list(series)[: len(SERIES)]
    left, right, top, bottom = 48, 30, 14, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    amounts = [v.amount for _, values in series for v in values if v.amount is not None]
    peak = _nice(max(amounts, default=0) or 1)
    if all(float(a).is_integer() for a in amounts) and not (peak / 4).is_integer():
        peak = -(-peak // 4) * 4  # counts: whole numbers on the scale
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, amount: float) -> tuple[float, float]:
        return left + (i * step if n > 1 else plot_w / 2), top + plot_h - plot_h * amount / peak

    shapes: list[Shape] = []
    for k in range(5):  # horizontal grid with its scale
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        shapes.append(_line(left, y, width - right, y, "#d0d0d0" if k else INK))
        shapes.append(_text(left - 6, y + 4, _fr(value), anchor="end", size=11))
    every = max(1, -(-n // 12))  # at most about twelve period labels
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            x, _ = xy(i, 0)
            shapes.append(_line(x, top + plot_h, x, top + plot_h + 4, INK))
            shapes.append(_text(x, top + plot_h + 18, _clip(label, 10), anchor="middle", size=11))
    for j, (_, values) in enumerate(series):
        run: list[str] = []
        for i, v in enumerate(values):
            if v.amount is None:
                if len(run) > 1:
                    shapes.append(_polyline(run, SERIES[j]))
                run = []
                continue
            x, y = xy(i, v.amount)
            run.append(f"{_n(x)},{_n(y)}")
            shapes.append(Shape("circle", (("cx", _n(x)), ("cy", _n(y)), ("r", "3"), ("fill", SERIES[j]))))
        if len(run) > 1:
            shapes.append(_polyline(run, SERIES[j]))
    legend = tuple((SERIES[j], name) for j, (name, _) in enumerate(series))
    return Chart(chart_id, f"{title} (graphique ; les chiffres sont dans le tableau qui suit)", width, height,
                 tuple(shapes), legend)


def _polyline(points: list[str], colour: str) -> Shape:
    return Shape("polyline", (("points", " ".join(points)), ("fill", "none"), ("stroke", colour),
                              ("stroke-width", "2.5")))


def _nice(peak: float) -> float:
    """A round top for the scale (1, 2, 2.5 or 5 times a power of ten)."""
    import math

    power = 10 ** math.floor(math.log10(peak)) if peak > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if peak <= m * power:
            return m * power
    return 10 * power  # pragma: no cover


def _fr(x: float) -> str:
    """A scale value in French: « 2 500 », « 0,5 »."""
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}".replace(",", "\u202f")
    return f"{x:.2f}".rstrip("0").replace(".", ",")
