"""The device's query layer for the indicators: loads the vault's live rows into a
``domain.indicators.Dataset`` (the central office builds the same from its records).

Only the columns the indicators read, tombstones left out. :func:`load_rows` reads every table;
:func:`refresh_rows` brings rows read earlier up to date by reading again only the records the
change journal names since (a conseiller's edit: a few rows instead of some 600,000).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conseiller_app.domain import indicators as I
from conseiller_app.storage import models as m
from conseiller_app.storage.reference import aktiv_envelopes
from conseiller_app.storage.sync_models import SyncState


def data_version(s: Session) -> tuple[int | None, datetime | None, str | None]:
    """Changes whenever rows the indicators read may have changed: a local change (change
    journal), an import from the central office, new reference data (the AKTIV envelope)."""
    seq = s.scalar(select(func.max(m.ChangeEntry.seq)))
    imported = s.scalar(select(SyncState.last_import_at).where(SyncState.id == 1))
    ref = s.get(m.Setting, "reference_version")
    return seq, imported, ref.value if ref else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


# Each table: the columns read (after its rowid), the condition of a live row, and the function
# that turns the rows read into {rowid: Dataset row}. Rows are kept in rowid order, the order of
# the tables' scans, so that rows brought up to date equal rows read from scratch, order included.

Raw = Iterable[tuple[Any, ...]]


def _files(rows: Raw, territory_of: dict[str, str]) -> dict[int, I.FileRow]:
    return {rid: I.FileRow(bid, public, territory_of.get(commune), referent, _day(spotted), stage)  # type: ignore[arg-type]
            for rid, bid, public, commune, referent, spotted, stage in rows}


def _steps(rows: Raw, _: dict[str, str]) -> dict[int, I.StepRow]:
    return {rid: I.StepRow(bid, stage, status, _day(start), _day(end), outcome)
            for rid, bid, stage, status, start, end, outcome in rows}


def _sessions(rows: Raw, _: dict[str, str]) -> dict[int, I.SessionRow]:
    return {rid: I.SessionRow(sid, kind, terr, chantier, _day(start), _day(validated),  # type: ignore[arg-type]
                              tuple(json.loads(agencies)) if agencies else ())
            for rid, sid, kind, terr, chantier, start, validated, agencies in rows}


def _registrations(rows: Raw, _: dict[str, str]) -> dict[int, I.RegistrationRow]:
    return {rid: I.RegistrationRow(sid, bid, status, agency) for rid, sid, bid, status, agency in rows}


def _referrals(rows: Raw, _: dict[str, str]) -> dict[int, I.ReferralRow]:
    return {rid: I.ReferralRow(ref_id, bid, agency, scheme, status, _day(created))  # type: ignore[arg-type]
            for rid, ref_id, bid, agency, scheme, status, created in rows}


def _barriers(rows: Raw, _: dict[str, str]) -> dict[int, I.BarrierRow]:
    return {rid: I.BarrierRow(bid, type_, status, _day(identified), _day(lifted))  # type: ignore[arg-type]
            for rid, bid, type_, status, identified, lifted in rows}


def _pci(rows: Raw, _: dict[str, str]) -> dict[int, I.PciRow]:
    return {rid: I.PciRow(pid, bid, _day(held), by,  # type: ignore[arg-type]
                          tuple((x["code"], x.get("followed")) for x in json.loads(recs or "[]")))
            for rid, pid, bid, held, by, recs in rows}


def _prevention(rows: Raw, _: dict[str, str]) -> dict[int, I.PreventionRow]:
    return {rid: I.PreventionRow(pid, bid, status, _day(start), _day(end))  # type: ignore[arg-type]
            for rid, pid, bid, status, start, end in rows}


def _funding(rows: Raw, _: dict[str, str]) -> dict[int, I.FundingRow]:
    return {rid: I.FundingRow(fid, bid, kind, target, funder, line, amount, _day(granted))  # type: ignore[arg-type]
            for rid, fid, bid, kind, target, funder, line, amount, granted in rows}


@dataclass(frozen=True)
class _Table:
    name: str  # the table, and its entity in the change journal
    columns: str
    live: str
    build: Callable[[Raw, dict[str, str]], dict[int, Any]]


#: Dataset field -> its table
TABLES: dict[str, _Table] = {
    "files": _Table("beneficiary", "id, public, commune_insee, referent_id, spotting_date, current_stage",
                    "deleted_at IS NULL", _files),
    "steps": _Table("pathway_step", "beneficiary_id, stage, status, actual_start, actual_end, outcome",
                    "deleted_at IS NULL AND actual_start IS NOT NULL", _steps),
    "sessions": _Table("atelier_session", "id, kind, territory, chantier, start_date, fpett_validated_on, agencies",
                       "deleted_at IS NULL", _sessions),
    "registrations": _Table("registration", "session_id, beneficiary_id, status, positioned_by_agency_id",
                            "deleted_at IS NULL", _registrations),
    "referrals": _Table("referral", "id, beneficiary_id, agency_id, scheme, status, created_at",
                        "deleted_at IS NULL", _referrals),
    "barriers": _Table("barrier", "beneficiary_id, type, status, identified_on, lifted_on", "deleted_at IS NULL",
                       _barriers),
    "pci": _Table("pci_diagnostic", "id, beneficiary_id, held_on, held_by, recommendations", "deleted_at IS NULL",
                  _pci),
    "prevention": _Table("prevention_pathway", "id, beneficiary_id, status, started_on, completed_on",
                         "deleted_at IS NULL", _prevention),
    "funding": _Table("funding_line", "id, beneficiary_id, target_kind, target_id, funder, line, amount_cents, "
                      "granted_on", "deleted_at IS NULL", _funding),
}
_FIELD_OF = {t.name: field for field, t in TABLES.items()}

#: Beyond this many journal entries since the last read, reading everything again is cheaper
#: (a demo generation, a bulk import).
MAX_CHANGES = 20_000


@dataclass(frozen=True)
class Rows:
    """The live rows of every table the indicators read, as of ``version`` (:func:`data_version`):
    Dataset field -> {rowid: row}, in rowid order. Never modified: a refresh makes new ones."""

    version: tuple[Any, ...]
    tables: dict[str, dict[int, Any]]
    territory_of: dict[str, str]
    #: how these rows were obtained: "full" (every table read) or "changes" (only the records
    #: changed since the previous rows); for the tests and the benchmark
    how: str = "full"
    #: after "changes": the files whose rows changed since the previous rows (their index entries
    #: are made again, ``I.index_from``); None when unknown or when sessions changed
    changed_files: frozenset[str] | None = None

    def dataset(self, envelopes: dict[int, int]) -> I.Dataset:
        t = self.tables
        return I.Dataset(**{field: list(t[field].values()) for field in TABLES}, aktiv_envelopes=envelopes)


def _dbapi(s: Session) -> Any:
    return s.connection().connection.dbapi_connection


def _territories(db: Any) -> dict[str, str]:
    return dict(db.execute("SELECT insee, territory FROM commune").fetchall())


def load_rows(s: Session) -> Rows:
    """Every table, read with the raw DB-API cursor: some 600,000 rows at 60,000 files, where
    SQLAlchemy's per-value result processing (dates parsed by a regular expression) cost as much as
    reading the encrypted pages. Dates are parsed with ``date.fromisoformat``, JSON with
    ``json.loads``. Call it with the cyclic garbage collector paused (:func:`load_dataset` does):
    the rows hold no cycles, and its passes over a million young tuples doubled the time."""
    version = data_version(s)
    db = _dbapi(s)
    territory_of = _territories(db)
    tables = {field: t.build(db.execute(f"SELECT rowid, {t.columns} FROM {t.name} WHERE {t.live} ORDER BY rowid"),
                             territory_of)
              for field, t in TABLES.items()}
    return Rows(version, tables, territory_of)


def _changed_since(db: Any, after: int, upto: int) -> dict[str, set[str]] | None:
    """Dataset field -> ids of its records changed after journal entry ``after`` (up to ``upto``);
    None when there are too many of them to be worth reading one by one."""
    count = db.execute("SELECT count(*) FROM change_log WHERE seq > ? AND seq <= ?", (after, upto)).fetchone()[0]
    if count > MAX_CHANGES:
        return None
    out: dict[str, set[str]] = {}
    for entity, eid in db.execute("SELECT entity, entity_id FROM change_log WHERE seq > ? AND seq <= ?",
                                  (after, upto)):
        field = _FIELD_OF.get(entity)
        if field is not None:
            out.setdefault(field, set()).add(eid)
    return out


def _reread(db: Any, t: _Table, old: dict[int, Any], ids: set[str],
            territory_of: dict[str, str]) -> tuple[dict[int, Any], list[int]] | None:
    """``old`` with the records ``ids`` read again (changed in place, added at their rowid's
    place, or left out when no longer live), and their rowids. None when one of them is no longer
    in the table at all (nothing deletes such rows: then read the table again)."""
    live: list[tuple[Any, ...]] = []
    dead: list[tuple[Any, ...]] = []
    found = 0
    id_list = sorted(ids)
    for i in range(0, len(id_list), 500):
        chunk = id_list[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for rid, ok, *values in db.execute(
                f"SELECT rowid, ({t.live}), {t.columns} FROM {t.name} WHERE id IN ({marks})", chunk):
            found += 1
            (live if ok else dead).append((rid, *values))
    if found != len(ids):
        return None
    fresh = t.build(live, territory_of)
    out = dict(old)
    for rid, *_ in dead:
        out.pop(rid, None)
    last = next(reversed(out)) if out else -1
    in_order = True
    for rid, row in sorted(fresh.items(), key=lambda kv: kv[0]):
        if rid not in out:
            in_order = in_order and rid > last
            last = max(last, rid)
        out[rid] = row
    touched = [rid for rid, *_ in dead] + list(fresh)
    return (out if in_order else dict(sorted(out.items(), key=lambda kv: kv[0]))), touched


def refresh_rows(s: Session, previous: Rows | None) -> Rows:
    """The rows as of now: ``previous`` itself when nothing changed; ``previous`` brought up to
    date with the records changed since (read again by id) when only local changes happened
    (the change journal lists them); every table read again otherwise (first read, an import from
    the central office or new reference data — rows changed without a journal entry —, a very
    large batch of changes). Same garbage-collector advice as :func:`load_rows`."""
    if previous is None:
        return load_rows(s)
    version = data_version(s)
    if version == previous.version:
        return previous
    seq, imported, ref = version
    old_seq = previous.version[0] or 0
    if (imported, ref) != previous.version[1:] or seq is None or seq < old_seq:
        return load_rows(s)
    db = _dbapi(s)
    changed = _changed_since(db, old_seq, seq)
    if changed is None:
        return load_rows(s)
    tables = dict(previous.tables)
    files: set[str] | None = set()  # the files whose rows changed (None: sessions too, or unknown)
    for field, ids in changed.items():
        t = TABLES[field]
        old = tables[field]
        done = _reread(db, t, old, ids, previous.territory_of)
        if done is None:
            tables[field] = t.build(db.execute(f"SELECT rowid, {t.columns} FROM {t.name} WHERE {t.live} "
                                               "ORDER BY rowid"), previous.territory_of)
            files = None
            continue
        new, touched = done
        tables[field] = new
        if field == "sessions":
            files = None
        elif files is not None and field == "files":
            files.update(ids)
        elif files is not None:
            for rid in touched:
                for row in (old.get(rid), new.get(rid)):
                    if row is not None and row.beneficiary_id:
                        files.add(row.beneficiary_id)
    return Rows(version, tables, previous.territory_of, "changes", None if files is None else frozenset(files))


def load_dataset(s: Session) -> I.Dataset:
    """Every live row, read from scratch (see :func:`load_rows`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return load_rows(s).dataset(aktiv_envelopes(s))
    finally:
        if was_enabled:
            gc.enable()
