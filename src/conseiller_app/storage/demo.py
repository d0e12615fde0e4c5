"""Synthetic demo data: realistic French names, Pas-de-Calais communes, pathways at every stage,
barriers, consents, sessions, registrations and referrals. Fast (bulk inserts) so that 60,000
files take well under a minute.

Demo rows are fictitious and must never reach the central office: they are kept out of the change
journal, and the vault is marked ``demo`` (the sync refuses to export a demo vault)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from conseiller_app.domain.enums import (
    Attendance,
    BarrierStatus,
    BarrierType,
    ConsentScope,
    MobilitySubtype,
    Organiser,
    OutcomeCategory,
    PartnerKind,
    Prescriber,
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
from conseiller_app.storage import models as m
from conseiller_app.storage.bulk import insert_rows
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import get_setting, owner, set_setting
from conseiller_app.storage.services.beneficiaries import index_keys, sort_name
from conseiller_app.storage.vault import Vault

CHUNK = 5000
DEMO_KEY = "demo"
PLACES = ["Salle polyvalente", "Maison du Département Solidarité", "Centre de formation BTP",
          "Maison de l'emploi", "Plateau technique du CFA"]
STAGES = list(Stage)
# Share of files whose furthest stage is each stage (sums to 1).
STAGE_WEIGHTS = [0.10, 0.15, 0.12, 0.10, 0.13, 0.08, 0.08, 0.10, 0.09, 0.05]
SESSION_STAGE = {Stage.AWARENESS: SessionKind.AWARENESS, Stage.TASTER: SessionKind.TASTER,
                 Stage.PREP_COURSE: SessionKind.PREP_COURSE}
FUNDING = {  # stage -> (scheme, funder, typical amount in euros)
    Stage.PREP_COURSE: ("sas_preparatoire", "departement", 1800),
    Stage.AGENCY_PREP: ("tremplin_rsa", "fpett", 1200),
    Stage.TRAINING: ("cipi", "fpett", 4500),
}


class _Pools:
    def __init__(self, rng: random.Random, seed: int) -> None:
        from faker import Faker  # only to generate: the sync page imports this module for is_demo

        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.last = sorted({fake.last_name() for _ in range(3000)})
        self.first_f = sorted({fake.first_name_female() for _ in range(800)})
        self.first_m = sorted({fake.first_name_male() for _ in range(800)})
        self.streets = [fake.street_address() for _ in range(500)]
        # A few names that exercise accent- and apostrophe-insensitive search.
        self.last += ["N'Diaye", "Lefèvre", "Dupré-Lagarde", "Œuvrard", "Vandenbroucke", "D'Hondt"]


def _chunks(rows: list[dict], size: int = CHUNK):
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
        referral_no = s.scalar(select(func.count()).select_from(m.Referral)) or 0
        communes = list(s.execute(select(m.Commune.insee, m.Commune.name, m.Commune.postal_codes,
                                         m.Commune.population, m.Commune.territory)))
        agencies = list(s.execute(select(m.Agency.id, m.Agency.name, m.Agency.territory, m.Agency.trades)))
        trades = [t for (t,) in s.execute(select(m.Trade.code))]
        colleagues = [me.id]
        extra = [{"id": m.new_id(), "name": n, "territory": me.territory, "office": me.office, "is_owner": False,
                  "created_at": now, "updated_at": now, "version": 1}
                 for n in ("Karim Benali", "Sophie Vasseur")]
        insert_rows(s, m.Conseiller.__table__, extra, journal=False)
        set_setting(s, DEMO_KEY, "1")
        colleagues += [c["id"] for c in extra]

    weights = [max(c[3], 50) for c in communes]
    commune_pick = rng.choices(communes, weights=weights, k=beneficiaries)
    by_territory: dict[str, list] = {}
    for c in communes:
        by_territory.setdefault(c[4], []).append(c)

    # Sessions: about one per 30 files, spread over the last two years and the next two months.
    sessions = []
    for _ in range(max(12, beneficiaries // 8)):  # enough seats for every file that went to a session
        kind = rng.choice([SessionKind.AWARENESS] * 5 + [SessionKind.TASTER] * 3 + [SessionKind.PREP_COURSE] * 2
                          + [SessionKind.SPOTT, SessionKind.INFO])
        c = rng.choice(communes[:200] if rng.random() < 0.5 else communes)
        # A quarter in the coming eight weeks: the calendar and the guided orientation have some to offer.
        start = today + timedelta(days=rng.randint(1, 56) if rng.random() < 0.25 else rng.randint(-730, 0))
        length = {SessionKind.TASTER: rng.randint(2, 5), SessionKind.PREP_COURSE: 28}.get(kind, 1)
        sessions.append({
            "id": m.new_id(), "kind": kind.value, "title": f"{kind.label} — {c[1]}", "start_date": start,
            "end_date": start + timedelta(days=length - 1), "place": rng.choice(PLACES),
            "commune_insee": c[0], "territory": c[4],
            "organiser": rng.choice(list(Organiser)).value, "organiser_name": "",
            "capacity": rng.choice([8, 10, 12, 15]), "chantier": rng.choice(["csne", "erbm", "autre"]),
            "trades": rng.sample(trades, 3), "created_at": now, "updated_at": now, "version": 1,
            "start_time": "09:00", "end_time": rng.choice(["12:00", "16:30"]),
        })
    seats = {x["id"]: x["capacity"] for x in sessions}
    sessions_by_kind: dict[str, list[dict]] = {}
    for x in sessions:
        sessions_by_kind.setdefault(x["kind"], []).append(x)

    rows = {t: [] for t in ("beneficiary", "pathway_step", "barrier", "barrier_action", "consent", "registration",
                            "referral")}
    tokens: list[tuple[str, str, str]] = []  # the search index (token, sort key, file), see index_keys
    for i in range(beneficiaries):
        c = commune_pick[i]
        public = rng.choices(list(Public), weights=[60, 25, 10, 5])[0]
        age = rng.randint(18, 25) if public == Public.JEUNE else rng.randint(26, 62)
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        female = rng.random() < 0.45
        first = rng.choice(pools.first_f if female else pools.first_m)
        last = rng.choice(pools.last)
        spotted = today - timedelta(days=rng.randint(20, 1000))
        bid = m.new_id()
        furthest = rng.choices(STAGES, weights=STAGE_WEIGHTS)[0]
        caf = f"{rng.randint(0, 9999999):07d}" if public == Public.RSA and rng.random() < 0.8 else None
        sort_key = sort_name(last, first)
        b = {
            "id": bid, "last_name": last, "first_name": first, "birth_date": birth, "public": public.value,
            "phone": f"+33{rng.choice('67')}{rng.randint(10000000, 99999999)}" if rng.random() < 0.9 else None,
            "email": f"{sort_name(first, '').strip().replace(' ', '.')}.{i}@exemple.fr" if rng.random() < 0.5 else None,
            "address": rng.choice(pools.streets), "commune_insee": c[0], "caf_number": caf,
            "france_travail_id": f"{rng.randint(1000000, 9999999)}{rng.choice('ABCDEFGH')}" if rng.random() < 0.4 else None,
            "nationality": None, "rqth": rng.random() < 0.06, "prescriber": rng.choice([p for p in Prescriber if p is not Prescriber.UNKNOWN]).value,
            "spotting_date": spotted, "referent_id": rng.choice(colleagues) if rng.random() < 0.3 else colleagues[0],
            "status": "actif", "notes": "", "last_contact": min(today, spotted + timedelta(days=rng.randint(0, 900))),
            "to_complete": False, "sort_name": sort_key, "current_stage": furthest.value,
            "created_at": now, "updated_at": now, "version": 1,
        }
        rows["beneficiary"].append(b)
        tokens.extend((key, sort_key, bid) for key in index_keys(last, first, caf, c[0], c[1], c[2]))

        # Pathway: every stage up to the furthest, some skipped, the last one active or done.
        day = spotted
        for st in STAGES[: STAGES.index(furthest) + 1]:
            step = {"id": m.new_id(), "beneficiary_id": bid, "stage": st.value, "reason": None, "comment": "",
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
            open_sessions = [x for x in sessions_by_kind.get(SESSION_STAGE[st].value, []) if seats[x["id"]] > 0] \
                if st in SESSION_STAGE else []
            if open_sessions:
                sess = rng.choice(open_sessions)
                seats[sess["id"]] -= 1
                step["session_id"] = sess["id"]
                rows["registration"].append({
                    "id": m.new_id(), "session_id": sess["id"], "beneficiary_id": bid, "status": "inscrit",
                    "registered_at": now, "walk_in": False,
                    "attendance": (rng.choices([Attendance.PRESENT, Attendance.ABSENT, Attendance.EXCUSED],
                                               weights=[85, 10, 5])[0].value if sess["start_date"] < today else None),
                    "created_at": now, "updated_at": now, "version": 1,
                })
            if st in FUNDING and status == StepStatus.DONE:
                scheme, funder, amount = FUNDING[st]
                step.update(scheme=scheme, funder=funder, funded_amount_cents=amount * 100 + rng.randint(-200, 200) * 100)
            if st == Stage.EXIT:
                outcome = rng.choices(list(OutcomeCategory), weights=[35, 25, 15, 18, 7])[0]
                step["outcome"] = outcome.value
            rows["pathway_step"].append(step)
            day = min(today, day + timedelta(days=length + rng.randint(7, 45)))

        for btype in rng.sample(list(BarrierType), rng.choices([0, 1, 2, 3], weights=[30, 35, 25, 10])[0]):
            bar_id = m.new_id()
            status = rng.choice(list(BarrierStatus))
            identified = spotted + timedelta(days=rng.randint(0, 30))
            rows["barrier"].append({
                "id": bar_id, "beneficiary_id": bid, "type": btype.value,
                "subtype": rng.choice(list(MobilitySubtype)).value if btype == BarrierType.MOBILITY else None,
                "status": status.value, "identified_on": min(identified, today),
                "lifted_on": min(today, identified + timedelta(days=60)) if status == BarrierStatus.LIFTED else None,
                "created_at": now, "updated_at": now, "version": 1,
            })
            if status != BarrierStatus.IDENTIFIED and btype == BarrierType.MOBILITY:
                rows["barrier_action"].append({
                    "id": m.new_id(), "barrier_id": bar_id, "offer_code": "ma_mobilite_62",
                    "done_on": min(today, identified + timedelta(days=10)), "comment": "Orientation vers l'offre",
                    "created_at": now, "updated_at": now, "version": 1,
                })

        if furthest.order >= Stage.AGENCY.order and agencies:
            local = [a for a in agencies if a[2] == c[4]] or agencies
            for _ in range(rng.choice([1, 1, 2])):
                agency = rng.choice(local)
                consent_id = m.new_id()
                rows["consent"].append({
                    "id": consent_id, "beneficiary_id": bid, "partner_kind": PartnerKind.AGENCY.value,
                    "partner_id": agency[0], "partner_name": agency[1],
                    "scope": [ConsentScope.IDENTITY.value, ConsentScope.CONTACT.value, ConsentScope.PATHWAY.value],
                    "given_on": min(today, day), "recorded_by": colleagues[0], "withdrawn_on": None,
                    "created_at": now, "updated_at": now, "version": 1,
                })
                referral_no += 1
                status = rng.choice(list(ReferralStatus))
                rows["referral"].append({
                    "id": m.new_id(), "reference": make_reference(today.year, device, referral_no),
                    "beneficiary_id": bid, "agency_id": agency[0], "scheme": rng.choice(list(ReferralScheme)).value,
                    "trades": rng.sample(list(agency[3]) or trades, 1), "barriers_summary": "",
                    "status": status.value, "status_date": min(today, day + timedelta(days=rng.randint(0, 60))),
                    "refusal_reason": rng.choice(list(RefusalReason)).value if status == ReferralStatus.REFUSED else None,
                    "result": "", "consent_id": consent_id, "created_by": colleagues[0],
                    "created_at": now, "updated_at": now, "version": 1,
                })
        if progress and i % 1000 == 0:
            progress(i, beneficiaries)

    order = [("atelier_session", m.AtelierSession, sessions), ("beneficiary", m.Beneficiary, rows["beneficiary"]),
             ("pathway_step", m.PathwayStep, rows["pathway_step"]), ("barrier", m.Barrier, rows["barrier"]),
             ("barrier_action", m.BarrierAction, rows["barrier_action"]), ("consent", m.Consent, rows["consent"]),
             ("registration", m.Registration, rows["registration"]), ("referral", m.Referral, rows["referral"])]
    with vault.session() as s:
        for table, model, data in order:
            for chunk in _chunks(data):
                insert_rows(s, model.__table__, chunk, journal=False)
            counts[table] = len(data)
        _insert_index(s, tokens)
        audit(s, colleagues[0], "demo_generated", "vault", None, None, {"beneficiaries": beneficiaries, "seed": seed})
    if progress:
        progress(beneficiaries, beneficiaries)
    return counts


def _insert_index(session, tokens: list[tuple[str, str, str]]) -> None:
    """A million index rows at 60,000 files: inserted in key order (appended to the table's
    B-tree) with a large page cache for the other index, whose inserts land at random pages."""
    tokens.sort()
    dbapi = session.connection().connection.dbapi_connection
    cache = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute("PRAGMA cache_size = -262144")  # 256 MiB, for this bulk load only
    try:
        for i in range(0, len(tokens), 50_000):
            dbapi.executemany("INSERT INTO beneficiary_token (token, sort_name, beneficiary_id) VALUES (?, ?, ?)",
                              tokens[i:i + 50_000])
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(cache)}")


def is_demo(session) -> bool:
    return get_setting(session, DEMO_KEY) == "1"
