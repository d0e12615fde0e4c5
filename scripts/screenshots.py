"""Render every screen and dialog of the application to PNG files, offscreen, from a temporary
demo vault (the tour of ``conseiller_app.ui.tour``).

    python scripts/screenshots.py [--size 1280x800] OUTDIR

Everything shown is synthetic (``storage.demo``). Nothing is written outside OUTDIR and a
temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEMO_FILES = 300


def size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("taille attendue sous la forme LARGEURxHAUTEUR, ex. 1280x800") from None
    if width < 640 or height < 480:
        raise argparse.ArgumentTypeError("taille trop petite (au moins 640x480)")
    return width, height


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Captures d'écran de chaque écran et dialogue.")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--size", type=size, default=(1280, 800), help="taille de la fenêtre (défaut 1280x800)")
    args = parser.parse_args(argv[1:])
    args.outdir.mkdir(parents=True, exist_ok=True)

    from conseiller_app.ui.app import create_application
    from conseiller_app.ui.tour import pump, tour

    app = create_application(["screenshots"])
    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="captures-") as tmp:
        for stop in tour(Path(tmp), args.size, DEMO_FILES):
            pump(settle_ms=300 if stop.is_dialog else 150)
            path = args.outdir / f"{stop.name}.png"
            stop.widget.grab().save(str(path))
            shots.append(path)
    app.processEvents()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
