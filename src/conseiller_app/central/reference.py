"""Reference data releases of the central office: loaded from a folder in the shipped format
(``reference.json`` + ``communes-62.csv``); a new version only when the content changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from conseiller_app.central.models import ReferenceRelease
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.reference import ReferenceData, load_reference
from conseiller_app.resources import reference_dir
from conseiller_app.sync import refdata
from conseiller_app.sync.format import canonical, sha256

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


def _content_hash(data: ReferenceData) -> str:
    doc = refdata.to_json(data, 0)
    del doc["version"], doc["label"]
    return sha256(canonical(doc))


def add_release(central: Central, data: ReferenceData, source: str) -> tuple[int, bool]:
    """Store ``data`` as a new release unless it equals the latest one; returns (version, created)."""
    digest = _content_hash(data)
    t = ReferenceRelease.__table__
    with central.db.write() as conn:
        latest = conn.execute(select(t.c.version, t.c.sha256).order_by(t.c.version.desc()).limit(1)).first()
        if latest is not None and latest.sha256 == digest:
            return latest.version, False
        version = (latest.version if latest else 0) + 1
        conn.execute(t.insert().values(version=version, created_at=central.now(), sha256=digest, source=source[:200],
                                       data=refdata.to_json(data, version)))
        return version, True


def load_shipped(central: Central) -> tuple[int, bool]:
    return add_release(central, load_reference(reference_dir()), "données livrées avec l'application")


def load_folder(central: Central, folder: Path) -> tuple[int, bool]:
    folder = Path(folder)
    try:
        data = load_reference(folder)
    except FileNotFoundError as exc:
        raise ValidationError(
            "reference", f"fichier manquant : {Path(exc.filename or '').name}", "Référentiel"
        ) from None
    except (ValueError, KeyError) as exc:
        raise ValidationError("reference", f"contenu invalide ({exc})", "Référentiel") from None
    return add_release(central, data, f"dossier {folder.name}")


@dataclass(frozen=True)
class Release:
    version: int
    data: dict[str, Any]  # the release as it travels in the return bundles (``sync.refdata.to_json``)


def latest(conn: Connection) -> Release:
    t = ReferenceRelease.__table__
    row = conn.execute(select(t.c.version, t.c.data).order_by(t.c.version.desc()).limit(1)).first()
    if row is None:  # pragma: no cover - init always loads a first release
        raise RuntimeError("no reference release")
    return Release(version=row.version, data=row.data)
