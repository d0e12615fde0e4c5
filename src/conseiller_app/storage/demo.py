"""Synthetic demo data: realistic French names, Pas-de-Calais communes, pathways at every stage,
barriers, consents, sessions, registrations and referrals. Fast (bulk inserts) so that 60,000
files take well under a minute.

Demo rows are fictitious and must never reach a real central office: the vault is marked ``demo``,
its bundles say so in their signed manifest, and only a training central office
(« conseiller-central init --demo ») takes them. So that trainers can run the whole chain (field
work, sync, consolidated indicators, the bilan) the generated rows are in the change journal like
any other."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conseiller_app.domain.enums import (
    Attendance,
    BarrierStatus,
    BarrierType,
    ConsentScope,
    MobilitySubtype,
    Organiser,
    OutcomeCategory,
    PartnerKind,
    PciHolder,
    PciRecommendation,
    Prescriber,
    PreventionStatus,
    Public,
    ReferralScheme,
    ReferralStatus,
    RefusalReason,
    SessionKind,
    Stage,
    StepReason,
    StepStatus,
)
from conseiller_app.domain.referral import device_code, make_reference
from conseiller_app.storage import models
from conseiller_app.storage.bulk import bulk_load, insert_rows
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import DEMO_KEY, get_setting, owner, set_setting
from conseiller_app.storage.reference import AKTIV_ENVELOPES_KEY
from conseiller_app.storage.services.beneficiaries import index_keys, sort_name
from conseiller_app.storage.vault import Vault

CHUNK = 5000
PLACES = ["Salle polyvalente", "Maison du Département Solidarité", "Centre de formation BTP",
          "Maison de l'emploi", "Plateau technique du CFA"]
STAGES = list(Stage)
# Share of files whose furthest stage is each stage (sums to 1).
STAGE_WEIGHTS = [0.10, 0.15, 0.12, 0.10, 0.13, 0.08, 0.08, 0.10, 0.09, 0.05]
# Drawn for every file: the lists and cumulative weights computed once (``rng.choices`` with
# ``cum_weights`` draws exactly what it draws with the weights they accumulate).
STAGE_CUM = list(accumulate(STAGE_WEIGHTS))
STAGE_INDEX = {st: i for i, st in enumerate(STAGES)}
PUBLICS, PUBLIC_CUM = list(Public), list(accumulate([60, 25, 10, 5]))
OUTCOMES, OUTCOME_CUM = list(OutcomeCategory), list(accumulate([35, 25, 15, 18, 7]))
BARRIER_TYPES, BARRIER_STATUSES, MOBILITY_SUBTYPES = list(BarrierType), list(BarrierStatus), list(MobilitySubtype)
BARRIER_COUNTS, BARRIER_COUNT_CUM = [0, 1, 2, 3], list(accumulate([30, 35, 25, 10]))
ATTENDANCES = [Attendance.PRESENT, Attendance.ABSENT, Attendance.EXCUSED]
ATTENDANCE_CUM = list(accumulate([85, 10, 5]))
REFERRAL_STATUSES, REFERRAL_SCHEMES, REFUSAL_REASONS = list(ReferralStatus), list(ReferralScheme), list(RefusalReason)
PRESCRIBERS = [p for p in Prescriber if p is not Prescriber.UNKNOWN]
SESSION_STAGE = {Stage.AWARENESS: SessionKind.AWARENESS, Stage.TASTER: SessionKind.TASTER,
                 Stage.PREP_COURSE: SessionKind.PREP_COURSE}
FUNDING = {  # stage -> (scheme, funder, typical amount in euros)
    Stage.PREP_COURSE: ("sas_preparatoire", "departement", 1800),
    Stage.AGENCY_PREP: ("tremplin_rsa", "fpett", 1200),
    Stage.TRAINING: ("cipi", "fpett", 4500),
}


class _Pools:
    def __init__(self, rng: random.Random, seed: int) -> None:
        from faker import Faker  # only when generating: importing this module stays cheap

        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.last = sorted({fake.last_name() for _ in range(3000)})
        self.first_f = sorted({fake.first_name_female() for _ in range(800)})
        self.first_m = sorted({fake.first_name_male() for _ in range(800)})
        self.streets = [fake.street_address() for _ in range(500)]
        # A few names that exercise accent- and apostrophe-insensitive search.
        self.last += ["N'Diaye", "Lefèvre", "Dupré-Lagarde", "Œuvrard", "Vandenbroucke", "D'Hondt"]


def _chunks(rows: list[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def generate(vault: Vault, beneficiaries: int, seed: int = 0,
             progress: Callable[[int, int], None] | None = None, today: date | None = None) -> dict[str, int]:
    """Add ``beneficiaries`` synthetic files (and everything around them) to ``vault``."""
    rng = random.Random(seed)
    today = today or date.today()
    now = datetime.now().replace(microsecond=0)
    pools = _Pools(rng, seed)
    counts: dict[str, int] = {}

    with vault.session() as s:
        me = owner(s)
        device = device_code(get_setting(s, "device_id") or "local")
        referral_no = s.scalar(select(func.count()).select_from(models.Referral)) or 0
        communes = list(s.execute(select(models.Commune.insee, models.Commune.name, models.Commune.postal_codes,
                                         models.Commune.population, models.Commune.territory)))
        agencies = list(s.execute(select(models.Agency.id, models.Agency.name, models.Agency.territory, models.Agency.trades)))
        trades = [t for (t,) in s.execute(select(models.Trade.code))]
        colleagues = [me.id]
        extra: list[dict[str, Any]] = [
            {"id": models.new_id(), "name": n, "territory": me.territory, "office": me.office, "is_owner": False,
             "created_at": now, "updated_at": now, "version": 1}
            for n in ("Karim Benali", "Sophie Vasseur")]
        colleagues += [c["id"] for c in extra]

    weights = [max(c[3], 50) for c in communes]
    commune_pick = rng.choices(communes, weights=weights, k=beneficiaries)
    by_territory: dict[str, list[Any]] = {}
    for c in communes:
        by_territory.setdefault(c[4], []).append(c)

    # Sessions: about one per 30 files, spread over the last two years and the next two months.
    sessions: list[dict[str, Any]] = []
    for _ in range(max(12, beneficiaries // 8)):  # enough seats for every file that went to a session
        kind = rng.choice([SessionKind.AWARENESS] * 5 + [SessionKind.TASTER] * 3 + [SessionKind.PREP_COURSE] * 2
                          + [SessionKind.SPOTT, SessionKind.INFO])
        c = rng.choice(communes[:200] if rng.random() < 0.5 else communes)
        # A quarter in the coming eight weeks: the calendar and the guided orientation have some to offer.
        start = today + timedelta(days=rng.randint(1, 56) if rng.random() < 0.25 else rng.randint(-730, 0))
        length = {SessionKind.TASTER: rng.randint(2, 5), SessionKind.PREP_COURSE: 28}.get(kind, 1)
        sessions.append({
            "id": models.new_id(), "kind": kind.value, "title": f"{kind.label} — {c[1]}", "start_date": start,
            "end_date": start + timedelta(days=length - 1), "place": rng.choice(PLACES),
            "commune_insee": c[0], "territory": c[4],
            "organiser": rng.choice(list(Organiser)).value, "organiser_name": "",
            "capacity": rng.choice([8, 10, 12, 15]), "chantier": rng.choice(["csne", "erbm", "autre"]),
            "trades": rng.sample(trades, 3), "created_at": now, "updated_at": now, "version": 1,
            "start_time": "09:00", "end_time": rng.choice(["12:00", "16:30"]),
        })
    seats = {x["id"]: x["capacity"] for x in sessions}
    # The sessions of each kind that still have a free seat, in creation order (a scan of every
    # session for each step was half of the generation's time at 60,000 files).
    open_by_kind: dict[str, list[dict[str, Any]]] = {}
    for x in sessions:
        open_by_kind.setdefault(x["kind"], []).append(x)

    rows: dict[str, list[dict[str, Any]]] = {
        t: [] for t in ("beneficiary", "pathway_step", "barrier", "barrier_action", "consent", "registration", "referral")}
    tokens: list[tuple[str, str, str]] = []  # the search index (token, sort key, file), see index_keys
    for i in range(beneficiaries):
        c = commune_pick[i]
        public = rng.choices(PUBLICS, cum_weights=PUBLIC_CUM)[0]
        age = rng.randint(18, 25) if public == Public.JEUNE else rng.randint(26, 62)
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        female = rng.random() < 0.45
        first = rng.choice(pools.first_f if female else pools.first_m)
        last = rng.choice(pools.last)
        spotted = today - timedelta(days=rng.randint(20, 1000))
        bid = models.new_id()
        furthest = rng.choices(STAGES, cum_weights=STAGE_CUM)[0]
        caf = f"{rng.randint(0, 9999999):07d}" if public == Public.RSA and rng.random() < 0.8 else None
        sort_key = sort_name(last, first)
        b = {
            "id": bid, "last_name": last, "first_name": first, "birth_date": birth, "public": public.value,
            "phone": f"+33{rng.choice('67')}{rng.randint(10000000, 99999999)}" if rng.random() < 0.9 else None,
            "email": f"{sort_name(first, '').strip().replace(' ', '.')}.{i}@exemple.fr" if rng.random() < 0.5 else None,
            "address": rng.choice(pools.streets), "commune_insee": c[0], "caf_number": caf,
            "france_travail_id": f"{rng.randint(1000000, 9999999)}{rng.choice('ABCDEFGH')}" if rng.random() < 0.4 else None,
            "nationality": None, "rqth": rng.random() < 0.06,
            "prescriber": rng.choice(PRESCRIBERS).value,
            "spotting_date": spotted, "referent_id": rng.choice(colleagues) if rng.random() < 0.3 else colleagues[0],
            "status": "actif", "notes": "", "last_contact": min(today, spotted + timedelta(days=rng.randint(0, 900))),
            "to_complete": False, "sort_name": sort_key, "current_stage": furthest.value,
            "created_at": now, "updated_at": now, "version": 1,
        }
        rows["beneficiary"].append(b)
        tokens.extend((key, sort_key, bid) for key in index_keys(last, first, caf, c[0], c[1], c[2]))

        # Pathway: every stage up to the furthest, some skipped, the last one active or done.
        day = spotted
        for st in STAGES[: STAGE_INDEX[furthest] + 1]:
            step = {"id": models.new_id(), "beneficiary_id": bid, "stage": st.value, "reason": None, "comment": "",
                    "proposed_on": day, "planned_start": None, "planned_end": None, "actual_start": None,
                    "actual_end": None, "session_id": None, "scheme": None, "funder": None,
                    "funded_amount_cents": None, "outcome": None, "outcome_detail": "",
                    "created_at": now, "updated_at": now, "version": 1}
            last_one = st == furthest
            if st in (Stage.AGENCY_PREP, Stage.TRAINING) and not last_one and rng.random() < 0.4:
                step.update(status=StepStatus.SKIPPED.value, reason=StepReason.ALREADY_EXPERIENCED.value)
                rows["pathway_step"].append(step)
                continue
            length = {Stage.TASTER: 4, Stage.PREP_COURSE: 27, Stage.TRAINING: 120, Stage.JOB: 90}.get(st, 1)
            step.update(planned_start=day, planned_end=day + timedelta(days=length))
            if last_one and st not in (Stage.SPOTTING, Stage.EXIT):
                status = rng.choice([StepStatus.PROPOSED, StepStatus.PLANNED, StepStatus.IN_PROGRESS])
                if status == StepStatus.IN_PROGRESS:
                    step["actual_start"] = day
            else:
                status = StepStatus.DONE
                step.update(actual_start=day, actual_end=day + timedelta(days=length))
            step["status"] = status.value
            # A session with a free seat only: the demo shows no session over its capacity.
            open_sessions = open_by_kind.get(SESSION_STAGE[st].value) if st in SESSION_STAGE else None
            if open_sessions:
                k = rng.randrange(len(open_sessions))  # the draw of rng.choice(open_sessions)
                sess = open_sessions[k]
                seats[sess["id"]] -= 1
                if not seats[sess["id"]]:
                    del open_sessions[k]  # full: the others keep their order
                step["session_id"] = sess["id"]
                rows["registration"].append({
                    "id": models.new_id(), "session_id": sess["id"], "beneficiary_id": bid, "status": "inscrit",
                    "registered_at": now, "walk_in": False,
                    "attendance": (rng.choices(ATTENDANCES, cum_weights=ATTENDANCE_CUM)[0].value
                                   if sess["start_date"] < today else None),
                    "created_at": now, "updated_at": now, "version": 1,
                })
            if st in FUNDING and status == StepStatus.DONE:
                scheme, funder, amount = FUNDING[st]
                step.update(scheme=scheme, funder=funder, funded_amount_cents=amount * 100 + rng.randint(-200, 200) * 100)
            if st == Stage.EXIT:
                outcome = rng.choices(OUTCOMES, cum_weights=OUTCOME_CUM)[0]
                step["outcome"] = outcome.value
            rows["pathway_step"].append(step)
            day = min(today, day + timedelta(days=length + rng.randint(7, 45)))

        for btype in rng.sample(BARRIER_TYPES, rng.choices(BARRIER_COUNTS, cum_weights=BARRIER_COUNT_CUM)[0]):
            bar_id = models.new_id()
            barrier_status = rng.choice(BARRIER_STATUSES)
            identified = spotted + timedelta(days=rng.randint(0, 30))
            rows["barrier"].append({
                "id": bar_id, "beneficiary_id": bid, "type": btype.value,
                "subtype": rng.choice(MOBILITY_SUBTYPES).value if btype == BarrierType.MOBILITY else None,
                "status": barrier_status.value, "identified_on": min(identified, today),
                "lifted_on": min(today, identified + timedelta(days=60)) if barrier_status == BarrierStatus.LIFTED else None,
                "created_at": now, "updated_at": now, "version": 1,
            })
            if barrier_status != BarrierStatus.IDENTIFIED and btype == BarrierType.MOBILITY:
                rows["barrier_action"].append({
                    "id": models.new_id(), "barrier_id": bar_id, "offer_code": "ma_mobilite_62",
                    "done_on": min(today, identified + timedelta(days=10)), "comment": "Orientation vers l'offre",
                    "created_at": now, "updated_at": now, "version": 1,
                })

        if STAGE_INDEX[furthest] >= STAGE_INDEX[Stage.AGENCY] and agencies:
            local = [a for a in agencies if a[2] == c[4]] or agencies
            for _ in range(rng.choice([1, 1, 2])):
                agency = rng.choice(local)
                consent_id = models.new_id()
                rows["consent"].append({
                    "id": consent_id, "beneficiary_id": bid, "partner_kind": PartnerKind.AGENCY.value,
                    "partner_id": agency[0], "partner_name": agency[1],
                    "scope": [ConsentScope.IDENTITY.value, ConsentScope.CONTACT.value, ConsentScope.PATHWAY.value],
                    "given_on": min(today, day), "recorded_by": colleagues[0], "withdrawn_on": None,
                    "created_at": now, "updated_at": now, "version": 1,
                })
                referral_no += 1
                referral_status = rng.choice(REFERRAL_STATUSES)
                rows["referral"].append({
                    "id": models.new_id(), "reference": make_reference(today.year, device, referral_no),
                    "beneficiary_id": bid, "agency_id": agency[0], "scheme": rng.choice(REFERRAL_SCHEMES).value,
                    "trades": rng.sample(list(agency[3]) or trades, 1), "barriers_summary": "",
                    "status": referral_status.value, "status_date": min(today, day + timedelta(days=rng.randint(0, 60))),
                    "refusal_reason": (rng.choice(REFUSAL_REASONS).value
                                       if referral_status == ReferralStatus.REFUSED else None),
                    "result": "", "consent_id": consent_id, "created_by": colleagues[0],
                    "created_at": now, "updated_at": now, "version": 1,
                })
        if progress and i % 1000 == 0:
            progress(i, beneficiaries)

    extra_rows = _indicator_facts(random.Random(seed + 1), rows, sessions, agencies, today, now)
    order = [("atelier_session", models.AtelierSession, sessions), ("beneficiary", models.Beneficiary, rows["beneficiary"]),
             ("pathway_step", models.PathwayStep, rows["pathway_step"]), ("barrier", models.Barrier, rows["barrier"]),
             ("barrier_action", models.BarrierAction, rows["barrier_action"]), ("consent", models.Consent, rows["consent"]),
             ("registration", models.Registration, rows["registration"]), ("referral", models.Referral, rows["referral"]),
             ("pci_diagnostic", models.PciDiagnostic, extra_rows["pci_diagnostic"]),
             ("prevention_pathway", models.PreventionPathway, extra_rows["prevention_pathway"]),
             ("funding_line", models.FundingLine, extra_rows["funding_line"]),
             ("sas_interest", models.SasInterest, extra_rows["sas_interest"])]
    # One transaction for everything: a failure leaves the vault as it was.
    with vault.session() as s:
        insert_rows(s, models.Conseiller.__table__, extra)
        set_setting(s, DEMO_KEY, "1")
        if get_setting(s, AKTIV_ENVELOPES_KEY) in (None, "[]"):
            set_setting(s, AKTIV_ENVELOPES_KEY, json.dumps(DEMO_ENVELOPES))
        with bulk_load(s, [t for t, _, _ in order] + [models.ChangeEntry.__tablename__, "beneficiary_token"]):
            for table, model, data in order:
                for chunk in _chunks(data):
                    insert_rows(s, model.__table__, chunk, journal=issubclass(model, models.Synced))
                counts[table] = len(data)
            _insert_index(s, tokens)
        audit(s, colleagues[0], "demo_generated", "vault", None, None, {"beneficiaries": beneficiaries, "seed": seed})
    if progress:
        progress(beneficiaries, beneficiaries)
    return counts


#: Illustrative AKTIV compétences envelopes of a demo vault (cents by year): not real amounts.
DEMO_ENVELOPES = [{"year": 2024, "amount_cents": 15_000_000}, {"year": 2025, "amount_cents": 30_000_000},
                  {"year": 2026, "amount_cents": 30_000_000}, {"year": 2027, "amount_cents": 30_000_000}]


def _indicator_facts(rng: random.Random, rows: dict[str, list[dict[str, Any]]], sessions: list[dict[str, Any]],
                     agencies: list[Any], today: date, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The facts of the convention's indicators, in plausible proportions: SPOTT details and
    funding, agencies positioning people on preparatory actions, Points Conseils Intérimaire for
    RSA recipients starting a mission or a training, prevention pathways, funding lines, interest
    for the SAS after a découverte. A separate random stream keeps the rest of the demo unchanged."""
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in ("pci_diagnostic", "prevention_pathway", "funding_line",
                                                  "sas_interest")}
    meta = {"created_at": now, "updated_at": now, "version": 1, "deleted_at": None}
    agency_ids = [a[0] for a in agencies]
    by_territory: dict[str, list[str]] = {}
    for a in agencies:
        by_territory.setdefault(a[2], []).append(a[0])

    def line(bid: str | None, kind: str, target: str, funder: str, code: str, euros: int, day: date) -> None:
        out["funding_line"].append({"id": models.new_id(), "beneficiary_id": bid, "target_kind": kind, "target_id": target,
                                    "funder": funder, "line": code, "amount_cents": euros * 100,
                                    "granted_on": min(day, today), **meta})

    kinds: dict[str, dict[str, Any]] = {}
    for x in sessions:
        kinds[x["id"]] = x
        if x["kind"] == SessionKind.SPOTT.value:
            x["chantier"] = rng.choices(["csne", "erbm", "autre"], weights=[55, 30, 15])[0]
            x["fpett_validated_on"] = x["start_date"] - timedelta(days=rng.randint(20, 60))
            x["opco"] = "akto"
            local = by_territory.get(x["territory"]) or agency_ids
            x["agencies"] = rng.sample(local, min(len(local), rng.randint(2, 4)))
            line(None, "session", x["id"], "fpett", "spott", rng.randint(15, 30) * 1000, x["fpett_validated_on"])
        else:
            x.setdefault("fpett_validated_on", None)
            x.setdefault("opco", None)
            x.setdefault("agencies", [])
    preparatory = (SessionKind.TASTER.value, SessionKind.PREP_COURSE.value)
    for r in rows["registration"]:
        sess = kinds.get(r["session_id"])
        positioned = sess is not None and sess["kind"] in preparatory and agency_ids and rng.random() < 0.3
        r["positioned_by_agency_id"] = (rng.choice(by_territory.get(sess["territory"]) or agency_ids)
                                        if sess is not None and positioned else None)
    public = {b["id"]: b["public"] for b in rows["beneficiary"]}
    steps: dict[str, list[dict[str, Any]]] = {}
    for st in rows["pathway_step"]:
        steps.setdefault(st["beneficiary_id"], []).append(st)
    started = (StepStatus.IN_PROGRESS.value, StepStatus.DONE.value)
    for bid, own in steps.items():
        stages = {st["stage"]: st for st in own if st["status"] in started and st["actual_start"]}
        taster = stages.get(Stage.TASTER.value)
        if taster is not None and taster["status"] == StepStatus.DONE.value:
            went = Stage.PREP_COURSE.value in stages
            out["sas_interest"].append({"id": models.new_id(), "beneficiary_id": bid,
                                        "interested": went or rng.random() < 0.6,
                                        "recorded_on": taster["actual_end"] or taster["actual_start"], **meta})
        sas = stages.get(Stage.PREP_COURSE.value)
        if sas is not None and rng.random() < 0.3:
            line(bid, "etape", sas["id"], "departement", "preparatoire_metier", rng.randint(12, 24) * 100,
                 sas["actual_start"])
        prep = stages.get(Stage.AGENCY_PREP.value)
        if prep is not None and public[bid] == Public.RSA.value:
            line(bid, "etape", prep["id"], "fpett", "tremplin_rsa", rng.randint(10, 14) * 100, prep["actual_start"])
        training = stages.get(Stage.TRAINING.value)
        if training is not None:
            code, euros = rng.choices([("cipi", rng.randint(35, 55) * 100), ("cdpi", rng.randint(80, 120) * 100)],
                                      weights=[70, 30])[0]
            line(bid, "etape", training["id"], "fpett", code, euros, training["actual_start"])
            if rng.random() < 0.25:
                line(bid, "etape", training["id"], "akto", "aktiv_competences", rng.randint(15, 30) * 100,
                     training["actual_start"])
        if Stage.AGENCY.value in stages and rng.random() < 0.12:
            line(bid, "etape", stages[Stage.AGENCY.value]["id"], "departement", "coup_de_pouce",
                 rng.randint(3, 8) * 100, stages[Stage.AGENCY.value]["actual_start"])
        job = stages.get(Stage.JOB.value)
        mission = job or training
        if mission is not None and public[bid] == Public.RSA.value and rng.random() < 0.55:
            recs = rng.sample([r.value for r in PciRecommendation], rng.choices([0, 1, 2, 3], weights=[15, 40, 30, 15])[0])
            held = min(today, mission["actual_start"] + timedelta(days=rng.randint(0, 20)))
            out["pci_diagnostic"].append({
                "id": models.new_id(), "beneficiary_id": bid, "held_on": held,
                "held_by": rng.choices([PciHolder.FASTT.value, PciHolder.AGENCY.value], weights=[70, 30])[0],
                "agency_id": None,
                "recommendations": [{"code": c, "followed": rng.choices([True, False, None], weights=[55, 20, 25])[0]}
                                    for c in recs], **meta})
            if out["pci_diagnostic"][-1]["held_by"] == PciHolder.AGENCY.value:
                out["pci_diagnostic"][-1]["agency_id"] = rng.choice(agency_ids) if agency_ids else None
                if not agency_ids:
                    out["pci_diagnostic"][-1]["held_by"] = PciHolder.FASTT.value
        if job is not None and rng.random() < 0.45:
            start = job["actual_start"]
            status = rng.choices([PreventionStatus.COMPLETED, PreventionStatus.STARTED, PreventionStatus.ABANDONED],
                                 weights=[60, 30, 10])[0]
            end = min(today, start + timedelta(days=rng.randint(7, 45)))
            out["prevention_pathway"].append({
                "id": models.new_id(), "beneficiary_id": bid, "status": status.value, "started_on": start,
                "completed_on": None if status is PreventionStatus.STARTED else end, **meta})
    return out


def _insert_index(session: Session, tokens: list[tuple[str, str, str]]) -> None:
    """A million index rows at 60,000 files: inserted in key order (appended to the table's
    B-tree); the index by file is built afterwards (``bulk_load``)."""
    tokens.sort()
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None  # the session's connection is open: it was just checked out
    for i in range(0, len(tokens), 50_000):
        dbapi.executemany("INSERT INTO beneficiary_token (token, sort_name, beneficiary_id) VALUES (?, ?, ?)",
                          tokens[i:i + 50_000])
