"""Documents leaving the central office (issue 11): the comité's bilan and the partners'
exports, each consolidated, rendered, and recorded in the journal of exports
(:class:`~conseiller_app.central.models.ExportRecord`) — who, when, which filters, which
format — in the same transaction as the file is written: no file leaves without its line.

For the command line (``conseiller-central bilan`` / ``export``, the OS user) and the console
(its login; ``out=None`` returns the bytes to send)::

    issued = bilan(central, filters, who="marie", source="console")            # bytes
    issued = partner_export(central, filters, "xlsx", who=os_user(), source="cli", out=Path("x.xlsx"))
    journal(central)                                                            # newest first
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from conseiller_app.central.models import ExportRecord
from conseiller_app.domain.consolidation import DIMENSIONS, Consolidation
from conseiller_app.domain.errors import AppError, UsageError
from conseiller_app.domain.indicators import Filters
from conseiller_app.reports import bilan as bilan_report
from conseiller_app.reports import comite, partner_export
from conseiller_app.reports.comite import clean_text
from conseiller_app.storage.fsutil import os_error, write_bytes_atomic

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

SOURCES = ("console", "cli")
KINDS = {"bilan": "Bilan du comité de suivi", "export": "Export pour les partenaires"}


@dataclass(frozen=True)
class Issued:
    """A document that left the central office."""

    data: bytes
    file_name: str  # the name written (``out``) or suggested (console download)
    path: Path | None  # None when the bytes are handed to the caller (console)
    journal_id: int
    sha256: str
    consolidation: Consolidation


def os_user() -> str:
    """Who runs the command line, as the operating system knows them."""
    try:
        return getpass.getuser() or "inconnu"
    except (KeyError, OSError):  # no login name and no passwd entry (a container's uid)
        return "inconnu"


def _record(central: Central, *, who: str, source: str, kind: str, fmt: str, c: Consolidation, file_name: str,
            data: bytes, write: Callable[[], None] | None) -> tuple[int, str]:
    if source not in SOURCES:
        raise ValueError(source)
    digest = hashlib.sha256(data).hexdigest()
    filters = c.filters.to_json()
    filters["device"] = c.device_id
    values: dict[str, Any] = {
        "at": central.now(), "who": clean_text(who)[:120] or "inconnu", "source": source, "kind": kind,
        "format": fmt, "filters": filters, "file_name": clean_text(file_name)[:200], "size": len(data),
        "sha256": digest}
    with central.db.write() as conn:
        new_id = conn.execute(ExportRecord.__table__.insert().values(**values)).inserted_primary_key
        if write is not None:
            # Inside the transaction: if the file cannot be written, the line is not kept either.
            write()
    assert new_id is not None
    return int(new_id[0]), digest


def consolidation_for(central: Central, filters: Filters, device_id: str | None = None, stale_after_days: int = 30,
                      today: date | None = None, breakdowns: Sequence[str] | None = None) -> Consolidation:
    """What the partners' documents show: every breakdown but the internal ones (per conseiller:
    not computed, since neither the bilan nor the export prints it)."""
    from conseiller_app.central import indicators

    dims = tuple(breakdowns) if breakdowns is not None else tuple(
        d for d in DIMENSIONS if d not in comite.INTERNAL_DIMENSIONS)
    return indicators.consolidate(central, filters, device_id=device_id, stale_after_days=stale_after_days,
                                  today=today, breakdowns=dims)


def _issue(central: Central, data: bytes, *, kind: str, fmt: str, who: str, source: str, c: Consolidation,
           out: Path | None, suggested: str) -> Issued:
    if out is None:
        journal_id, digest = _record(central, who=who, source=source, kind=kind, fmt=fmt, c=c, file_name=suggested,
                                     data=data, write=None)
        return Issued(data, suggested, None, journal_id, digest, c)
    target = Path(out)

    def write() -> None:
        try:
            write_bytes_atomic(target, data)
        except OSError as exc:
            known = os_error(exc)
            if isinstance(known, AppError):
                raise known from None
            raise UsageError(f"Impossible d'écrire « {clean_text(target.name)} » dans {clean_text(target.parent)} "
                             "(dossier introuvable ou qui n'en est pas un). Rien n'a été écrit ni inscrit au "
                             "journal des exports.") from None

    journal_id, digest = _record(central, who=who, source=source, kind=kind, fmt=fmt, c=c, file_name=target.name,
                                 data=data, write=write)
    return Issued(data, target.name, target, journal_id, digest, c)


def bilan(central: Central, filters: Filters, *, who: str, source: str, out: Path | None = None,
          device_id: str | None = None, stale_after_days: int = 30, today: date | None = None,
          consolidation: Consolidation | None = None) -> Issued:
    """The comité's bilan for ``filters`` (a PDF), journaled; written to ``out`` when given."""
    if out is not None and Path(out).suffix.lower() != ".pdf":
        raise UsageError(f"Le bilan est un PDF : le fichier doit se terminer par .pdf (« {clean_text(Path(out).name)} »"
                         " ne convient pas). Rien n'a été écrit.")
    today = today or central.now().date()
    c = consolidation or consolidation_for(central, filters, device_id, stale_after_days, today, None)
    data = bilan_report.render_bilan_bytes(c, generated_on=today)
    return _issue(central, data, kind="bilan", fmt="pdf", who=who, source=source, c=c, out=out,
                  suggested=bilan_report.default_file_name(c))


def partner_export_file(central: Central, filters: Filters, fmt: str, *, who: str, source: str,
                        out: Path | None = None, device_id: str | None = None, stale_after_days: int = 30,
                        today: date | None = None, consolidation: Consolidation | None = None) -> Issued:
    """The partners' export (``ods``, ``xlsx`` or ``csv`` — a ZIP of CSV files), journaled;
    written to ``out`` when given (its suffix must match the format)."""
    if fmt not in partner_export.FORMATS:
        raise UsageError(f"Format d'export inconnu « {clean_text(fmt)} » (attendu : ods, xlsx ou csv).")
    if out is not None:
        partner_export.check_target(fmt, Path(out))
    today = today or central.now().date()
    c = consolidation or consolidation_for(central, filters, device_id, stale_after_days, today, None)
    data = partner_export.export_bytes(c, fmt, generated_on=today)
    return _issue(central, data, kind="export", fmt=fmt, who=who, source=source, c=c, out=out,
                  suggested=partner_export.default_file_name(c, fmt))


@dataclass(frozen=True)
class JournalRow:
    """One bilan or export that left the central office (``conseiller-central export-log``)."""

    id: int
    at: datetime
    who: str
    source: str  # console | cli
    kind: str  # bilan | export
    format: str
    filters: dict[str, Any]  # the filters as stored (``Filters.to_json()`` and ``device``): a JSON document
    file_name: str
    size: int
    sha256: str


def journal(central: Central, limit: int = 200) -> list[JournalRow]:
    """The journal of exports, newest first."""
    t = ExportRecord.__table__
    with central.db.read() as conn:
        rows = conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)).all()
    return [JournalRow(id=r.id, at=r.at, who=r.who, source=r.source, kind=r.kind, format=r.format,
                       filters=r.filters or {}, file_name=r.file_name, size=r.size, sha256=r.sha256) for r in rows]


__all__ = ["KINDS", "SOURCES", "Issued", "JournalRow", "bilan", "consolidation_for", "journal", "os_user", "partner_export_file"]
