"""Renders the application icon's PNG sizes and the Windows ICO from its SVG source.

    .venv/bin/python packaging/icons.py

The outputs are committed (resources/icons/conseiller-N.png, packaging/windows/conseiller.ico), so
a build never needs this script; run it again only after editing resources/icons/conseiller.svg.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "conseiller.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO = ROOT / "packaging" / "windows" / "conseiller.ico"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage painting needs an application
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"SVG invalide : {SVG}", file=sys.stderr)
        return 1
    pngs = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        out = SVG.with_name(f"conseiller-{size}.png")
        image.save(str(out))
        pngs.append(out)
    ICO.parent.mkdir(parents=True, exist_ok=True)
    largest = Image.open(pngs[-1])
    largest.save(ICO, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    print("\n".join(str(p.relative_to(ROOT)) for p in [*pngs, ICO]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
