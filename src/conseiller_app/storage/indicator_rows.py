"""The device's query layer for the indicators: loads the vault's live rows into a
``domain.indicators.Dataset`` (the central office builds the same from its records).

Only the columns the indicators read, tombstones left out.
"""

from __future__ import annotations

import gc
import json
from datetime import date, datetime
from typing import Any, cast

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


def _required_day(text: str) -> date:
    """A NOT NULL date column."""
    return date.fromisoformat(text[:10])


def load_dataset(s: Session) -> I.Dataset:
    """Read with the raw DB-API cursor: some 600,000 rows at 60,000 files, where SQLAlchemy's
    per-value result processing (dates parsed by a regular expression) cost as much as reading
    the encrypted pages. Dates are parsed with ``date.fromisoformat``, JSON with ``json.loads``.
    The cyclic garbage collector is paused meanwhile: the rows hold no cycles, and its full passes
    over a million young tuples doubled the time."""
    db = s.connection().connection.dbapi_connection
    assert db is not None  # the session's connection is open: it was just checked out

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return cast("list[tuple[Any, ...]]", db.execute(sql).fetchall())  # the DB-API cursor is untyped

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        territory_of = dict(rows("SELECT insee, territory FROM commune"))
        files = [I.FileRow(bid, public, territory_of.get(commune), referent, _required_day(spotted), stage)
                 for bid, public, commune, referent, spotted, stage in rows(
                     "SELECT id, public, commune_insee, referent_id, spotting_date, current_stage FROM beneficiary "
                     "WHERE deleted_at IS NULL")]
        steps = [I.StepRow(bid, stage, status, _day(start), _day(end), outcome)
                 for bid, stage, status, start, end, outcome in rows(
                     "SELECT beneficiary_id, stage, status, actual_start, actual_end, outcome FROM pathway_step "
                     "WHERE deleted_at IS NULL AND actual_start IS NOT NULL")]
        sessions = [I.SessionRow(sid, kind, terr, chantier, _required_day(start), _day(validated),
                                 tuple(json.loads(agencies)) if agencies else ())
                    for sid, kind, terr, chantier, start, validated, agencies in rows(
                        "SELECT id, kind, territory, chantier, start_date, fpett_validated_on, agencies "
                        "FROM atelier_session WHERE deleted_at IS NULL")]
        registrations = [I.RegistrationRow(*r) for r in rows(
            "SELECT session_id, beneficiary_id, status, positioned_by_agency_id FROM registration "
            "WHERE deleted_at IS NULL")]
        referrals = [I.ReferralRow(rid, bid, agency, scheme, status, _required_day(created))
                     for rid, bid, agency, scheme, status, created in rows(
                         "SELECT id, beneficiary_id, agency_id, scheme, status, created_at FROM referral "
                         "WHERE deleted_at IS NULL")]
        barriers = [I.BarrierRow(bid, type_, status, _required_day(identified), _day(lifted))
                    for bid, type_, status, identified, lifted in rows(
                        "SELECT beneficiary_id, type, status, identified_on, lifted_on FROM barrier "
                        "WHERE deleted_at IS NULL")]
        pci = [I.PciRow(pid, bid, _required_day(held), by,
                        tuple((x["code"], x.get("followed")) for x in json.loads(recs or "[]")))
               for pid, bid, held, by, recs in rows(
                   "SELECT id, beneficiary_id, held_on, held_by, recommendations FROM pci_diagnostic "
                   "WHERE deleted_at IS NULL")]
        prevention = [I.PreventionRow(pid, bid, status, _required_day(start), _day(end))
                      for pid, bid, status, start, end in rows(
                          "SELECT id, beneficiary_id, status, started_on, completed_on FROM prevention_pathway "
                          "WHERE deleted_at IS NULL")]
        funding = [I.FundingRow(fid, bid, kind, target, funder, line, amount, _required_day(granted))
                   for fid, bid, kind, target, funder, line, amount, granted in rows(
                       "SELECT id, beneficiary_id, target_kind, target_id, funder, line, amount_cents, granted_on "
                       "FROM funding_line WHERE deleted_at IS NULL")]
    finally:
        if was_enabled:
            gc.enable()
    return I.Dataset(files, steps, sessions, registrations, referrals, barriers, pci, prevention, funding,
                     aktiv_envelopes(s))
