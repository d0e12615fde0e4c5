"""Where the shipped resources (reference data, translations) and the alembic migrations live,
whether running from a source checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent


def _first_existing(*candidates: Path) -> Path:
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
