"""The device's query layer for the indicators: loads the vault's live rows into a
``domain.indicators.Dataset`` (the central office builds the same from its records).

Only the columns the indicators read, with Core selects (no ORM objects), tombstones left out.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conseiller_app.domain import indicators as I
from conseiller_app.storage import models as m
from conseiller_app.storage.reference import aktiv_envelopes
from conseiller_app.storage.sync_models import SyncState


def data_version(s: Session) -> tuple:
    """Changes whenever rows the indicators read may have changed: a local change (change
    journal), an import from the central office, new reference data (the AKTIV envelope)."""
    seq = s.scalar(select(func.max(m.ChangeEntry.seq)))
    imported = s.scalar(select(SyncState.last_import_at).where(SyncState.id == 1))
    ref = s.get(m.Setting, "reference_version")
    return seq, imported, ref.value if ref else None


def load_dataset(s: Session) -> I.Dataset:
    territory_of = dict(s.execute(select(m.Commune.insee, m.Commune.territory)).all())
    b = m.Beneficiary
    files = [I.FileRow(bid, public, territory_of.get(commune), referent, spotted, stage)
             for bid, public, commune, referent, spotted, stage in s.execute(
                 select(b.id, b.public, b.commune_insee, b.referent_id, b.spotting_date, b.current_stage)
                 .where(b.deleted_at.is_(None)))]
    p = m.PathwayStep
    steps = [I.StepRow(*r) for r in s.execute(
        select(p.beneficiary_id, p.stage, p.status, p.actual_start, p.actual_end, p.outcome)
        .where(p.deleted_at.is_(None), p.actual_start.is_not(None)))]
    x = m.AtelierSession
    sessions = [I.SessionRow(sid, kind, terr, chantier, start, validated, tuple(agencies or ()))
                for sid, kind, terr, chantier, start, validated, agencies in s.execute(
                    select(x.id, x.kind, x.territory, x.chantier, x.start_date, x.fpett_validated_on, x.agencies)
                    .where(x.deleted_at.is_(None)))]
    r = m.Registration
    registrations = [I.RegistrationRow(*row) for row in s.execute(
        select(r.session_id, r.beneficiary_id, r.status, r.positioned_by_agency_id).where(r.deleted_at.is_(None)))]
    o = m.Referral
    referrals = [I.ReferralRow(rid, bid, agency, scheme, status, created.date())
                 for rid, bid, agency, scheme, status, created in s.execute(
                     select(o.id, o.beneficiary_id, o.agency_id, o.scheme, o.status, o.created_at)
                     .where(o.deleted_at.is_(None)))]
    ba = m.Barrier
    barriers = [I.BarrierRow(*row) for row in s.execute(
        select(ba.beneficiary_id, ba.type, ba.status, ba.identified_on, ba.lifted_on).where(ba.deleted_at.is_(None)))]
    pc = m.PciDiagnostic
    pci = [I.PciRow(pid, bid, held_on, held_by, tuple((x["code"], x.get("followed")) for x in recs or ()))
           for pid, bid, held_on, held_by, recs in s.execute(
               select(pc.id, pc.beneficiary_id, pc.held_on, pc.held_by, pc.recommendations)
               .where(pc.deleted_at.is_(None)))]
    pp = m.PreventionPathway
    prevention = [I.PreventionRow(*row) for row in s.execute(
        select(pp.id, pp.beneficiary_id, pp.status, pp.started_on, pp.completed_on).where(pp.deleted_at.is_(None)))]
    fl = m.FundingLine
    funding = [I.FundingRow(*row) for row in s.execute(
        select(fl.id, fl.beneficiary_id, fl.target_kind, fl.target_id, fl.funder, fl.line, fl.amount_cents,
               fl.granted_on).where(fl.deleted_at.is_(None)))]
    return I.Dataset(files, steps, sessions, registrations, referrals, barriers, pci, prevention, funding,
                     aktiv_envelopes(s))
