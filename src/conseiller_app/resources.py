"""Where the shipped resources (reference data, translations) and the alembic migrations live,
whether running from a source checkout, an installed package or a frozen build (PyInstaller:
packaging/conseiller.spec puts them beside the package as ``_resources`` and ``_migrations``)."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent
# A frozen build never looks outside its own folder (its parent could be anything, e.g. /opt).
_FROZEN = bool(getattr(sys, "frozen", False))


def _first_existing(*candidates: Path) -> Path:
    if _FROZEN:
        candidates = candidates[1:]
    for c in candidates:
        if c.exists():
            return c
    raise FileNotFoundError(f"resource folder missing: {candidates[0].name}")


def resources_dir() -> Path:
    return _first_existing(_REPO / "resources", _PACKAGE / "_resources")


def reference_dir() -> Path:
    return resources_dir() / "reference"


def migrations_dir() -> Path:
    return _first_existing(_REPO / "migrations", _PACKAGE / "_migrations")
