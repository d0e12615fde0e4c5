"""Retention purge (durée de conservation): the dry-run list of files past their retention, then
the purge of the chosen ones in one transaction, which travels to the central office.

A purge turns every synced row of a file (the file, its barriers and their actions, consents,
pathway steps, session registrations, referrals) into a tombstone whose personal and free-text
fields are blanked: the change journal carries these tombstones to the central office, which then
erases the earlier versions it holds (``central.merge``). Only coded, non-identifying fields stay
in the tombstones (stages, statuses, dates of steps, outcomes, funding, public, commune, birth
year). The local search index rows and the unsaved drafts of the file are deleted, the change
journal's own copies of the file's earlier versions are erased where the sync no longer needs them,
and one audit entry per file (no name) is appended; the hash-chained audit journal is never
rewritten. The rules (range, cut-off, « à vérifier ») live in ``domain.retention``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from conseiller_app.domain import retention as rules
from conseiller_app.domain.enums import ReferralStatus, RegistrationStatus, Stage, StepStatus
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage import models
from conseiller_app.storage.journal import audit_many
from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.services import settings
from conseiller_app.storage.services.context import Context
from conseiller_app.storage.sync_models import SyncBundle, SyncState

CHUNK = 500
_OPEN_STEPS = [s.value for s in StepStatus if s.is_open]
_FINAL_REFERRALS = [s.value for s in ReferralStatus if s.is_final]
_UPCOMING = [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITING.value]


# --- the setting ------------------------------------------------------------------------------


def months(ctx: Context) -> int:
    with ctx.vault.session() as s:
        return rules.months_or_default(get_setting(s, rules.SETTING))


def set_months(ctx: Context, value: object) -> int:
    """Save the retention (1–36 months); raises a French ``ValidationError`` otherwise."""
    return settings.set_int(ctx, rules.SETTING, value)


# --- the dry run ------------------------------------------------------------------------------


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


@dataclass(frozen=True)
class RetentionFile:
    """One file past its retention, as the dry run lists it."""

    id: str
    last_name: str
    first_name: str
    name: str  # « NOM Prénom »
    last_contact: date
    stage: str
    stage_label: str
    status: str
    kind: str  # rules.TO_PURGE or rules.TO_CHECK
    kind_label: str
    reasons: tuple[str, ...]  # why a file is « à vérifier »
    reason: str  # the reasons in one line


@dataclass(frozen=True)
class RetentionReview:
    """The dry run: the setting, the day and cut-off it was computed for, and the files."""

    months: int
    today: date
    cutoff: date
    files: tuple[RetentionFile, ...]
    to_purge: int
    to_check: int


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    records: dict[str, int]  # table → rows blanked or tombstoned
    ids: tuple[str, ...]


def _review(s: Session, today: date, months_: int, only: list[str] | None = None) -> list[RetentionFile]:
    """Files past their retention, oldest contact first (reads only: nothing is written)."""
    limit = rules.cutoff(today, months_)
    b = models.Beneficiary
    q = select(b.id, b.last_name, b.first_name, b.last_contact, b.spotting_date, b.current_stage, b.status).where(
        b.deleted_at.is_(None), or_(b.last_contact < limit, b.last_contact.is_(None)), b.spotting_date < limit)
    if only is not None:
        q = q.where(b.id.in_(only))
    files = {r.id: r for r in s.execute(q)}
    if not files:
        return []
    evidence: dict[str, list[date | None]] = defaultdict(list)
    open_steps: dict[str, list[str]] = defaultdict(list)
    open_referrals: dict[str, list[str]] = defaultdict(list)
    future: dict[str, list[date]] = defaultdict(list)
    for ids in _chunks(list(files)):
        p = models.PathwayStep
        for bid, stage, status, start, end in s.execute(
                select(p.beneficiary_id, p.stage, p.status, p.actual_start, p.actual_end)
                .where(p.beneficiary_id.in_(ids), p.deleted_at.is_(None))):
            evidence[bid] += [start, end]
            if status in _OPEN_STEPS:
                open_steps[bid].append(f"{Stage(stage).label} ({StepStatus(status).label.lower()})")
        r = models.Referral
        for bid, status, when in s.execute(select(r.beneficiary_id, r.status, r.status_date)
                                           .where(r.beneficiary_id.in_(ids), r.deleted_at.is_(None))):
            evidence[bid].append(when)
            if status not in _FINAL_REFERRALS:
                open_referrals[bid].append(ReferralStatus(status).label.lower())
        g, a = models.Registration, models.AtelierSession
        for bid, status, attendance, start, end in s.execute(
                select(g.beneficiary_id, g.status, g.attendance, a.start_date, a.end_date)
                .join(a, a.id == g.session_id).where(g.beneficiary_id.in_(ids), g.deleted_at.is_(None))):
            if attendance == "present":
                evidence[bid].append(end)
            if status in _UPCOMING and start >= today:
                future[bid].append(start)
    out = []
    for bid, f in files.items():
        last = rules.last_contact([f.last_contact, f.spotting_date, *evidence[bid]])
        if last is None or last >= limit:
            continue  # something happened within the retention: not a candidate
        rv = rules.review(last, today, open_steps=open_steps[bid], open_referrals=open_referrals[bid],
                          future_sessions=future[bid])
        out.append(RetentionFile(
            id=bid, last_name=f.last_name, first_name=f.first_name,
            name=f"{f.last_name.upper()} {f.first_name}".strip(),
            last_contact=last, stage=f.current_stage, stage_label=Stage(f.current_stage).label,
            status=f.status, kind=rv.kind, kind_label=rules.KIND_LABELS[rv.kind],
            reasons=tuple(rv.reasons), reason=" ; ".join(rv.reasons),
        ))
    out.sort(key=lambda c: (c.kind != rules.TO_PURGE, c.last_contact, c.name))
    return out


def candidates(ctx: Context, *, today: date | None = None) -> RetentionReview:
    """The dry run: files past their retention, « à purger » first, then « à vérifier » (a step,
    referral or session still running). Nothing is changed, nothing is audited (no file is read)."""
    today = today or ctx.today()
    with ctx.vault.session() as s:
        n = rules.months_or_default(get_setting(s, rules.SETTING))
        rows = _review(s, today, n)
    return RetentionReview(
        months=n, today=today, cutoff=rules.cutoff(today, n), files=tuple(rows),
        to_purge=sum(r.kind == rules.TO_PURGE for r in rows),
        to_check=sum(r.kind == rules.TO_CHECK for r in rows),
    )


# --- the purge --------------------------------------------------------------------------------

_BLANK_BENEFICIARY = {
    "last_name": "", "first_name": "", "sort_name": "", "phone": None, "email": None, "address": "",
    "caf_number": None, "france_travail_id": None, "nationality": None, "rqth": False, "notes": "",
    "to_complete": False,
}
_BLANK = {  # free text of the linked records (coded fields stay: they identify no one)
    models.BarrierAction: {"comment": ""},
    models.PathwayStep: {"comment": "", "outcome_detail": ""},
    models.Referral: {"barriers_summary": "", "result": ""},
    models.Consent: {},
    models.Barrier: {},
    models.Registration: {},
    # The facts of the indicators are coded (no free text): tombstoned like the others.
    models.PciDiagnostic: {},
    models.PreventionPathway: {},
    models.FundingLine: {},
    models.SasInterest: {},
    models.Note: {"text": ""},
}


def _tombstone(row: models.Synced, blank: dict[str, Any], now: datetime) -> None:
    for k, v in blank.items():
        if getattr(row, k) != v:
            setattr(row, k, v)
    row.deleted_at = now


def _purge_one(s: Session, b: models.Beneficiary, now: datetime, keys: set[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    children: list[models.Base] = []
    for model in (models.Barrier, models.Consent, models.PathwayStep, models.Registration, models.Referral, models.PciDiagnostic,
                  models.PreventionPathway, models.FundingLine, models.SasInterest, models.Note):
        children += s.scalars(select(model).where(model.beneficiary_id == b.id, model.deleted_at.is_(None))).all()
    barrier_ids = [x.id for x in children if isinstance(x, models.Barrier)]
    if barrier_ids:
        children += s.scalars(select(models.BarrierAction).where(models.BarrierAction.barrier_id.in_(barrier_ids),
                                                            models.BarrierAction.deleted_at.is_(None))).all()
    for row in children:
        assert isinstance(row, models.Synced)  # every model read above is
        _tombstone(row, _BLANK[type(row)], now)
        counts[row.__tablename__] += 1
        keys.add((row.__tablename__, row.id))
    blank = dict(_BLANK_BENEFICIARY, birth_date=date(b.birth_date.year, 1, 1))  # the age band only
    _tombstone(b, blank, now)
    counts["beneficiary"] += 1
    keys.add(("beneficiary", b.id))
    return dict(counts)


def _erase_journal_copies(s: Session, keys: set[tuple[str, str]], first_new: int) -> None:
    """The change journal's earlier snapshots of the purged records: those never exported are
    deleted (the tombstone then descends from what the central office knows), those already
    acknowledged are emptied (the sync keeps their hash as a base, not their data). Exported but
    not yet acknowledged ones stay: they travel again with the tombstone and the central office
    erases them on arrival."""
    st = s.get(SyncState, 1)
    acked = st.acked_change_seq if st else 0
    exported = s.scalar(select(func.max(SyncBundle.changes_to)).where(SyncBundle.direction == "out")) or 0
    exported = max(exported, acked)
    by_entity: dict[str, list[str]] = defaultdict(list)
    for entity, eid in keys:
        by_entity[entity].append(eid)
    c = models.ChangeEntry
    for entity, ids in by_entity.items():
        for chunk in _chunks(ids):
            mine = (c.entity == entity) & c.entity_id.in_(chunk) & (c.seq < first_new)
            s.execute(delete(c).where(mine, c.seq > exported))
            s.execute(update(c).where(mine, c.seq <= acked).values(data={}))


def purge(ctx: Context, ids: list[str], *, today: date | None = None) -> PurgeResult:
    """Purge the given files, all in one transaction. Every id must be listed by the dry run on
    ``today`` (« à purger », or « à vérifier » when chosen explicitly); otherwise nothing is done
    and a French ``ValidationError`` says why."""
    today = today or ctx.today()
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return PurgeResult(purged=0, records={}, ids=())
    with ctx.vault.session() as s:
        n = rules.months_or_default(get_setting(s, rules.SETTING))
        listed = {}
        for chunk in _chunks(wanted):
            listed.update({r.id: r for r in _review(s, today, n, only=chunk)})
        refused = [i for i in wanted if i not in listed]
        if refused:
            raise ValidationError(
                "ids", (f"{len(refused)} dossiers demandés ne sont" if len(refused) > 1
                        else "1 dossier demandé n'est") + " pas à purger : contact trop récent, dossier "
                       "inconnu ou déjà purgé. Rien n'a été purgé ; relancez la liste des dossiers à purger.",
                "Purge")
        first_new = (s.scalar(select(func.max(models.ChangeEntry.seq))) or 0) + 1
        now = models.utcnow()
        totals: dict[str, int] = defaultdict(int)
        entries: list[dict[str, Any]] = []
        keys: set[tuple[str, str]] = set()
        for chunk in _chunks(wanted):
            for b in s.scalars(select(models.Beneficiary).where(models.Beneficiary.id.in_(chunk))):
                counts = _purge_one(s, b, now, keys)
                for k, v in counts.items():
                    totals[k] += v
                entries.append({"actor_id": ctx.actor_id, "action": "retention_purge", "entity": "beneficiary",
                                "entity_id": b.id, "beneficiary_id": b.id,
                                "details": {"months": n, "kind": listed[b.id].kind, "records": counts}})
            s.flush()
        for chunk in _chunks(wanted):
            s.execute(delete(models.BeneficiaryToken).where(models.BeneficiaryToken.beneficiary_id.in_(chunk)))
        # unsaved edits of these files (« beneficiary:<id> », « orientation:<id> »): few rows
        purged_ids = set(wanted)
        stale = [k for k in s.scalars(select(models.Draft.key)) if k.rpartition(":")[2] in purged_ids]
        if stale:
            s.execute(delete(models.Draft).where(models.Draft.key.in_(stale)))
        _erase_journal_copies(s, keys, first_new)
        audit_many(s, entries)
    return PurgeResult(purged=len(entries), records=dict(totals), ids=tuple(e["entity_id"] for e in entries))
