"""Text contrast of the style sheet and of the colours written in the screens' code, measured
(WCAG 2 relative luminance): at least 4.5:1 for every text colour on every surface it sits on."""

from __future__ import annotations

import re
from pathlib import Path

import conseiller_app
from conseiller_app.resources import resources_dir

UI = Path(conseiller_app.__file__).parent / "ui"
MIN_RATIO = 4.5
# The surfaces text is drawn on when a rule gives no background of its own: pages, cards, group
# boxes, table headers, the status bar, and the banners (info, success, warning, error).
SURFACES = ["#f4f6f9", "#ffffff", "#fbfcfd", "#eef2f6", "#e9edf2", "#f6f8fb",
            "#e8f0fe", "#e6f4ea", "#fef7e0", "#fce8e6"]
HEX = r"#[0-9a-fA-F]{6}"


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def style_rules(text: str) -> list[tuple[str, dict[str, str]]]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        props = {}
        for decl in body.split(";"):
            if ":" in decl:
                key, value = decl.split(":", 1)
                props[key.strip()] = value.strip()
        rules.append((selector.strip(), props))
    return rules


def pairs_of_the_style_sheet() -> list[tuple[str, str, str]]:
    """(where, text colour, background) for every text colour of app.qss."""
    out = []
    for selector, props in style_rules((resources_dir() / "styles" / "app.qss").read_text(encoding="utf-8")):
        if ":disabled" in selector:
            continue  # WCAG exempts inactive controls
        background = props.get("background") or props.get("background-color")
        for key, back_key in (("color", None), ("selection-color", "selection-background-color")):
            colour = props.get(key)
            if not colour or not re.fullmatch(HEX, colour):
                continue
            back = props.get(back_key) if back_key else background
            for surface in ([back] if back and re.fullmatch(HEX, back) else SURFACES):
                out.append((f"{selector} {{{key}}}", colour, surface))
    return out


def pairs_in_the_code(only: str | None = None) -> list[tuple[str, str, str]]:
    """Text colours set from Python (inline style sheets, rich text), on the light surfaces (or on
    the background the same line gives); ``only``: one file of ``ui/``."""
    out = []
    for path in UI.rglob("*.py"):
        if only is not None and path.relative_to(UI).as_posix() != only:
            continue
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for colour in re.findall(r"(?<![-\w])color\s*:\s*(" + HEX + ")", line):
                back = re.search(r"background(?:-color)?\s*:\s*(" + HEX + ")", line)
                for surface in ([back.group(1)] if back else SURFACES):
                    out.append((f"{path.relative_to(UI)}:{line_no}", colour, surface))
    return out


def test_contrast_is_computed_right():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the usual grey at the limit


def test_every_text_colour_reaches_4_5_to_1():
    pairs = pairs_of_the_style_sheet() + pairs_in_the_code()
    assert len(pairs) > 100  # the scan found the colours
    weak = sorted({f"{where}: {colour} sur {back} = {contrast(colour, back):.2f}"
                   for where, colour, back in pairs if contrast(colour, back) < MIN_RATIO})
    assert weak == []


def test_the_guided_orientation_colours_reach_4_5_to_1():
    """Its step list (the step shown stays marked in an inactive window), hints and notes."""
    pairs = pairs_in_the_code(only="beneficiaries/orientation_wizard.py")
    assert len(pairs) >= 20  # the scan found its colours
    weak = sorted({f"{where}: {colour} sur {back} = {contrast(colour, back):.2f}"
                   for where, colour, back in pairs if contrast(colour, back) < MIN_RATIO})
    assert weak == []
