"""The convention's indicators on a vault built by the services from the table below (30 files a
reader can check by hand), for three filter combinations; and the « D'où vient ce chiffre ? »
lists. Expected values were computed by hand from the table (see the comments).

Journey tokens, applied in order, each on its own day (the clock is set to that day):
``at`` atelier, ``de`` découverte, ``sa`` SAS, ``po`` positionnement (a referral sent that day),
``ap`` action préparatoire agence, ``fo`` formation, ``em`` mission/emploi, ``x`` sortie.
``at:AT1@01-12``: registered to session AT1, then started and done on 12/01/2026.
``po:AR@04-01>04-15``: a referral to the Arras agency sent on 01/04, positioned on 15/04
(``po:AR@03-02!03-20``: refused on 20/03). A trailing ``+``: started, not done. Days without a
year are in 2026. Stages jumped over are recorded as passed (« étape passée »).
"""

from __future__ import annotations

from datetime import date

import pytest

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import Stage, StepReason
from conseiller_app.domain.indicators import Filters
from conseiller_app.storage.services import beneficiaries, facts, followup, indicators, referrals, sessions

AGENCIES = {"AR": "6a1f0c2e-0000-4000-8000-000000000001", "LE": "6a1f0c2e-0000-4000-8000-000000000002",
            "CA": "6a1f0c2e-0000-4000-8000-000000000003"}
COMMUNES = {"A": "62041", "L": "62498", "C": "62193"}  # Arras (arrageois), Lens (lens_lievin), Calais (calaisis)

#        key     kind            commune chantier start        end          agencies
SESSIONS = [
    ("AT1", "sensibilisation", "A", "csne", "2026-01-12", "2026-01-12", ""),
    ("AT2", "sensibilisation", "L", "erbm", "2026-04-13", "2026-04-13", ""),
    ("DE1", "decouverte", "A", "csne", "2026-02-09", "2026-02-12", ""),
    ("DE2", "decouverte", "L", "erbm", "2026-05-04", "2026-05-07", ""),
    ("SAS1", "sas", "A", "csne", "2026-03-02", "2026-03-27", ""),
    ("SP1", "spott", "A", "csne", "2026-03-09", "2026-03-20", "AR"),
    ("SP2", "spott", "L", "erbm", "2026-05-18", "2026-05-29", "LE"),
    ("SP3", "spott", "C", "autre", "2026-06-08", "2026-06-19", "CA"),
    ("SP4", "spott", "L", "csne", "2025-11-17", "2025-11-28", "LE"),
]
#: Funding lines carried by sessions: (session, funder/line/euros, date)
SESSION_FUNDING = [("SP1", "fpett/spott/20000", "2026-02-20"), ("SP2", "fpett/spott/18000", "2026-04-30"),
                   ("SP3", "fpett/spott/15000", "2026-05-25"), ("SP4", "fpett/spott/12000", "2025-10-15")]
ENVELOPES = {2025: 10_000_000, 2026: 20_000_000}

# key  public  commune spotted       journey | facts
FILES = """
F01 rsa   A 01-05 | at:AT1@01-12 de:DE1@02-09 sa:SAS1@03-02 po:AR@04-01>04-15 em@05-04 x@06-30=emploi_durable
                  | int:oui@02-12 pos:DE1=AR pos:SAS1=AR pci@05-06:logement+,mobilite- prev:finalise@05-04>05-20 bar:mobilite@01-05>03-01
F02 rsa   A 01-06 | at:AT1@01-12 de:DE1@02-09 sa:SAS1@03-02 po:AR@03-30>04-20 ap@05-04 fo@05-18 x@09-30=emploi_transition
                  | int:oui@02-12 pos:SAS1=AR fund:fpett/tremplin_rsa/1200@05-04>ap fund:fpett/cipi/4500,50@05-18>fo fund:akto/aktiv_competences/2000@05-18>fo pci@05-20:budget?,droits+
F03 jeune A 01-07 | at:AT1@01-12 de:DE1@02-09 | int:non@02-12 bar:garde_enfants@01-07
F04 iae   A 01-08 | at:AT1@01-12 de:DE1@02-09+ | pos:DE1=AR
F05 autre A 01-09 | at:AT1@01-12 x@02-15=sortie_neutre |
F06 rsa   A 02-02 | at@02-16 po:AR@02-23>03-02 fo:SP1@03-09 em@04-06 x@10-15=emploi_durable
                  | fund:fpett/cdpi/9000@03-09>fo pci@04-08:sante_prevention+ prev:commence@04-06
F07 rsa   A 02-03 | at@02-16 po:AR@03-02!03-20 |
F08 jeune A 03-02 | at@03-09 x@04-10=autre_sortie |
F09 rsa   A 03-03 | | bar:logement@03-03>06-01 bar:budget@03-03
F10 rsa   A 2025-11-10 | at@2025-11-24 de@2025-12-08 po:AR@01-05>01-19 em@02-02 x@03-31=emploi_durable
                  | pci@02-03:logement+ fund:departement/coup_de_pouce/350@01-19>po
F11 rsa   L 04-01 | at:AT2@04-13 de:DE2@05-04 sa@06-01 po:LE@07-01>07-10 em@07-20 x@11-02=emploi_durable
                  | int:oui@05-07 pos:DE2=LE pci@07-22:mobilite+,garde_enfants+ prev:finalise@07-20>08-10
F12 rsa   L 04-02 | at:AT2@04-13 de:DE2@05-04 po:LE@06-01>06-15 fo@06-22 x@10-01=sortie_positive
                  | int:non@05-07 fund:fpett/cipi/5000@06-22>fo
F13 jeune L 04-03 | at:AT2@04-13 de:DE2@05-04+ | pos:DE2=LE
F14 iae   L 04-06 | at:AT2@04-13 x@05-20=sortie_neutre |
F15 rsa   L 04-07 | at:AT2@04-13 | bar:mobilite@04-07>05-15 bar:numerique@04-07>06-30
F16 rsa   L 05-04 | at@05-18 po:LE@06-01>06-10 ap@06-15 em@07-06+ | fund:fpett/tremplin_rsa/1100@06-15>ap pci@07-08:droits-
F17 autre L 05-05 | at@05-18 po:LE@06-01>06-10 em@06-22 x@08-31=autre_sortie |
F18 rsa   L 2025-09-01 | at@2025-09-15 po:LE@2025-10-01>2025-10-15 em@2025-11-03 x@01-31=emploi_transition
                  | prev:finalise@2025-11-03>2025-12-01 pci@2025-11-05:logement?
F19 jeune L 06-01 | |
F20 rsa   L 06-02 | at@06-15 | bar:justice@06-02
F21 rsa   C 01-12 | at@01-26 de@02-09 sa@03-02 po:CA@04-06>04-20 fo@05-04 em@08-03 x@10-30=emploi_durable
                  | int:oui@02-13 fund:departement/preparatoire_metier/1800@03-02>sa fund:fpett/cdpi/9500@05-04>fo fund:akto/aktiv_competences/2500@05-04>fo prev:abandonne@08-03>08-20 pci@08-05:logement+,budget+,autre-
F22 rsa   C 01-13 | at@01-26 x@03-10=sortie_neutre |
F23 jeune C 01-14 | at@01-26 de@02-09 | int:oui@02-13
F24 iae   C 02-02 | at@02-16 po:CA@03-02>03-10 em@03-16 x@04-30=emploi_transition | fund:departement/coup_de_pouce/400@03-10>po
F25 autre C 02-03 | |
F26 rsa   C 07-01 | at@07-13 de@07-27 sa@09-07+ | int:oui@07-31 fund:departement/preparatoire_metier/1650,50@09-07>sa
F27 rsa   C 07-02 | at@07-13 x@08-14=autre_sortie |
F28 jeune C 09-01 | at@09-14+ |
F29 rsa   A 09-02 | at@09-14 po:AR@10-01>10-12 em@10-19+ | pci@10-21:mobilite?
F30 rsa   A 10-01 | | bar:mobilite@10-01
"""

STAGE_OF = {"at": Stage.AWARENESS, "de": Stage.TASTER, "sa": Stage.PREP_COURSE, "po": Stage.AGENCY,
            "ap": Stage.AGENCY_PREP, "fo": Stage.TRAINING, "em": Stage.JOB}
TODAY = date(2026, 11, 28)


def day(text: str) -> date:
    return date.fromisoformat(text if len(text) == 10 else f"2026-{text}")


def parse_files() -> list[tuple[str, str, str, date, list[str], list[str]]]:
    lines, out = [ln for ln in FILES.strip().splitlines()], []
    for ln in lines:
        if not ln.startswith("F"):
            out[-1][5].extend(ln.split("|", 1)[1].split())
            continue
        head, journey, extra = ([*ln.split("|"), "", ""])[:3]
        key, public, commune, spotted = head.split()
        out.append((key, public, commune, day(spotted), journey.split(), extra.split()))
    return out


def _age(public: str) -> str:
    return "2004-05-06" if public == "jeune" else "1985-05-06"


def build(ctx, clock) -> dict[str, str]:
    """The vault of the table, built by the services. Returns the files' ids by key (and the
    sessions' ids under their keys)."""
    ids: dict[str, str] = {}
    clock.value = date(2025, 8, 1)
    for key, kind, commune, chantier, start, end, agencies in SESSIONS:
        ids[key] = sessions.create(ctx, {"kind": kind, "title": f"{kind} {key}", "start_date": start,
                                         "end_date": end, "commune": COMMUNES[commune], "capacity": 20,
                                         "chantier": chantier}).id
        if kind == "spott":
            facts.set_spott(ctx, ids[key], {"agencies": [AGENCIES[a] for a in agencies.split()]})
    events: list[tuple[date, int, callable]] = []  # (day, order, action)
    for n, (key, public, commune, spotted, journey, extra) in enumerate(parse_files()):
        clock.value = spotted
        bid = ids[key] = beneficiaries.create(ctx, {
            "last_name": f"Dossier{chr(65 + n // 26)}{chr(65 + n % 26)}", "first_name": "Test", "public": public,
            "birth_date": _age(public), "commune": COMMUNES[commune], "spotting_date": spotted})
        for token in journey:
            events.append(_journey_event(ctx, clock, ids, bid, token))
        for token in extra:
            events.append(_fact_event(ctx, ids, bid, token))
    # Facts are applied after the journeys of their own file (registrations exist by then).
    for when, _, action in sorted(events, key=lambda e: (e[0], e[1])):
        clock.value = when
        action()
    clock.value = TODAY
    for key, spec, when in SESSION_FUNDING:
        funder, line, euros = spec.split("/")
        facts.add_funding(ctx, {"target_kind": "session", "target_id": ids[key], "funder": funder, "line": line,
                                "amount": euros, "granted_on": when})
    import json

    from conseiller_app.storage.profile import set_setting
    from conseiller_app.storage.reference import AKTIV_ENVELOPES_KEY

    with ctx.vault.session() as s:
        set_setting(s, AKTIV_ENVELOPES_KEY, json.dumps([{"year": y, "amount_cents": a} for y, a in ENVELOPES.items()]))
    return ids


_seq = [0]


def _order() -> int:
    _seq[0] += 1
    return _seq[0]


def _propose(ctx, bid: str, stage: Stage, on: date) -> None:
    p = P.Pathway(pathway_records(ctx, bid))
    o = p.open_step
    if o is not None and o.stage is stage:
        return
    nxt = P.next_stage(p)
    skip = StepReason.ALREADY_EXPERIENCED if nxt is not None and nxt is not stage else None
    from conseiller_app.storage.services import pathway

    pathway.apply(ctx, bid, [P.Propose(stage, on, skip_reason=skip)])


def pathway_records(ctx, bid: str) -> tuple[P.Step, ...]:
    from conseiller_app.storage.services import pathway

    return pathway.get(ctx, bid).steps


def _journey_event(ctx, clock, ids, bid: str, token: str):
    from conseiller_app.storage.services import pathway

    if token.startswith("x@"):
        when, outcome = token[2:].split("=")
        on = day(when)
        return on, _order(), lambda: pathway.apply(ctx, bid, [P.Close(outcome, on)])
    code, rest = token.split("@", 1)
    code, _, target = code.partition(":")
    stage = STAGE_OF[code]
    if code == "po":
        sent, _, after = rest.replace("!", ">!").partition(">")
        on = day(sent)

        def referral():
            agency = AGENCIES[target]
            followup.record_consent(ctx, bid, partner_kind="agence", partner_name=target, partner_id=agency,
                                    scope=["identite", "contact", "parcours"], given_on=on)
            _propose(ctx, bid, stage, on)
            ref = referrals.create(ctx, bid, agency, "mission", send=True, on=on).id
            if after:
                refused = after.startswith("!")
                when = day(after.lstrip("!"))
                clock.value = when
                if refused:
                    referrals.set_status(ctx, ref, "refusee", on=when, refusal_reason="pas_offre")
                else:
                    referrals.set_status(ctx, ref, "positionne", on=when)
        return on, _order(), referral
    in_progress = rest.endswith("+")
    on = day(rest.rstrip("+"))

    def step():
        _propose(ctx, bid, stage, on)
        if target:
            sessions.register(ctx, ids[target], bid)
        actions = [P.Start(on)] + ([] if in_progress else [P.Complete(on)])
        pathway.apply(ctx, bid, actions)
    return on, _order(), step


def _fact_event(ctx, ids, bid: str, token: str):
    kind, _, rest = token.partition(":") if not token.startswith("pci@") else ("pci", "", token[4:])
    if kind == "int":
        answer, when = rest.split("@")
        return day(when), _order(), lambda: facts.set_sas_interest(ctx, bid, {"interested": answer,
                                                                              "recorded_on": day(when)})
    if kind == "pos":
        session, agency = rest.split("=")
        start = next(s[4] for s in SESSIONS if s[0] == session)
        return day(start), _order(), lambda: facts.set_positioning(ctx, ids[session], bid, AGENCIES[agency])
    if kind == "pci":
        when, recs = rest.split(":")
        items = [{"code": r[:-1], "followed": {"+": True, "-": False, "?": None}[r[-1]]} for r in recs.split(",")]
        return day(when), _order(), lambda: facts.add_pci(ctx, bid, {"held_on": day(when), "recommendations": items})
    if kind == "prev":
        status, dates = rest.split("@")
        start, _, end = dates.partition(">")
        return (day(end or start), _order(),
                lambda: facts.set_prevention(ctx, bid, {"status": status, "started_on": day(start),
                                                        "completed_on": day(end) if end else None}))
    if kind == "fund":
        spec, target = rest.split(">")
        funder, line, amount_when = spec.split("/")
        amount, when = amount_when.split("@")

        def fund():
            steps = pathway_records(ctx, bid)
            step = next(s for s in reversed(steps) if s.stage == STAGE_OF[target].value)
            facts.add_funding(ctx, {"target_kind": "etape", "target_id": step.id, "funder": funder, "line": line,
                                    "amount": amount, "granted_on": day(when)})
        return day(when), _order() + 10_000, fund  # after the step of the same day
    if kind == "bar":
        type_, _, dates = rest.partition("@")
        identified, _, lifted = dates.partition(">")

        def barrier():
            barrier_id = followup.add_barrier(ctx, bid, type_, identified_on=day(identified))
            if lifted:
                followup.set_barrier_status(ctx, barrier_id, "leve", on=day(lifted))
        return day(lifted or identified), _order(), barrier
    raise AssertionError(token)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from tests.conftest import PASSPHRASE, Clock

    clock = Clock(TODAY)
    vault = Vault.create(tmp_path_factory.mktemp("ind") / "p", PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras",
                         check_policy=False)
    ctx = Context(vault, today=clock)
    ids = build(ctx, clock)
    yield ctx, ids
    vault.close()


def keys(ids: dict[str, str], file_ids) -> set[str]:
    back = {v: k for k, v in ids.items()}
    return {back[i] for i in file_ids}


def funnel(report) -> dict[str, tuple[int, int]]:
    return {f.stage: (f.reached, f.current) for f in report.funnel}


def rate(r) -> tuple:
    return (r.dynamic, r.counted, r.neutral, r.rate)


# --- the whole vault ---------------------------------------------------------------------------


def test_every_indicator_without_filter(built):
    ctx, _ids = built
    r = indicators.compute(ctx)
    assert r.spott_grands_chantiers == 3  # SP1 (CSNE), SP2 (ERBM), SP4 (CSNE, 2025); SP3 is « autre »
    assert r.positioned_by_agencies == 6  # F01 F04 F11 F13 (registrations), F02 (SAS1 + ap), F16 (ap)
    # 15 exits: 3 neutral (F05 F14 F22), 12 counted, 9 dynamic, 3 « autre » (F08 F17 F27)
    assert rate(r.insertion_all) == (9, 12, 3, 0.75)
    # agencies: F01 F02 F06 F10 F11 F12 F17 F18 F21 F24 (F07's referral was refused)
    assert rate(r.insertion_agencies) == (9, 10, 0, 0.9)
    assert rate(r.insertion_departement) == (0, 2, 3, 0.0)
    assert r.exits_by_outcome == {"emploi_durable": 5, "emploi_transition": 3, "sortie_positive": 1,
                                  "autre_sortie": 3, "sortie_neutre": 3}
    assert r.prevention_completed == 3  # F01, F11, F18 (in 2025); F06 started, F21 abandoned
    assert (r.pci_count, r.pci_files) == (9, 9)
    assert r.pci_recommendations == {"logement": (4, 3, 0), "mobilite": (3, 1, 1), "garde_enfants": (1, 1, 0),
                                     "budget": (2, 1, 0), "sante_prevention": (1, 1, 0), "droits": (2, 1, 1),
                                     "autre": (1, 0, 1)}
    assert r.fpett_by_line == {"cipi": 950_050, "cdpi": 1_850_000, "spott": 6_500_000, "tremplin_rsa": 230_000}
    assert r.fpett_total == 9_530_050
    assert (r.aktiv_allocated, r.aktiv_committed) == (30_000_000, 450_000)
    assert r.departement_by_line == {"preparatoire_metier": 345_050, "coup_de_pouce": 75_000}
    assert funnel(r) == {"reperage": (30, 4), "atelier": (26, 3), "decouverte": (11, 4), "sas": (5, 1),
                         "positionnement": (13, 1), "action_preparatoire": (2, 0), "formation": (4, 0),
                         "emploi": (10, 2), "sortie": (15, 15), "suivi": (0, 0)}
    assert {k: (d.median, d.count) for k, d in r.delays.items()} == {
        "spotting_to_atelier": (12.0, 26), "atelier_to_agency": (17.0, 13), "agency_to_mission": (30.5, 10)}
    assert {k: v for k, v in r.barriers.items() if v != (0, 0)} == {
        "mobilite": (3, 2), "garde_enfants": (1, 0), "logement": (1, 1), "budget": (1, 0), "numerique": (1, 1),
        "justice": (1, 0)}
    j = r.to_json()
    assert j["fpett_amount_cents"]["total"] == 9_530_050 and j["aktiv_envelope_cents"]["remaining"] == 29_550_000
    assert j["insertion_rate"]["departement"]["rate"] == 0.0 and j["insertion_rate"]["all"]["exits"] == 15


def test_second_quarter_of_2026(built):
    ctx, _ids = built
    r = indicators.compute(ctx, Filters.quarter(2026, 2))
    assert r.spott_grands_chantiers == 1  # SP2
    assert r.positioned_by_agencies == 4  # F11 F13 (DE2 on 04/05), F02 (ap 04/05), F16 (ap 15/06)
    assert rate(r.insertion_all) == (2, 3, 1, 2 / 3)  # F01 durable, F24 transition, F08 autre; F14 neutral
    assert rate(r.insertion_agencies) == (2, 2, 0, 1.0)
    assert rate(r.insertion_departement) == (0, 1, 1, 0.0)
    assert r.exits_by_outcome == {"emploi_durable": 1, "emploi_transition": 1, "sortie_positive": 0,
                                  "autre_sortie": 1, "sortie_neutre": 1}
    assert r.prevention_completed == 1
    assert (r.pci_count, r.pci_files) == (3, 3)  # F06 08/04, F01 06/05, F02 20/05
    assert r.pci_recommendations == {"logement": (1, 1, 0), "mobilite": (1, 0, 1), "garde_enfants": (0, 0, 0),
                                     "budget": (1, 0, 0), "sante_prevention": (1, 1, 0), "droits": (1, 1, 0),
                                     "autre": (0, 0, 0)}
    assert r.fpett_by_line == {"cipi": 950_050, "cdpi": 950_000, "spott": 3_300_000, "tremplin_rsa": 230_000}
    assert (r.aktiv_allocated, r.aktiv_committed) == (20_000_000, 450_000)
    assert r.departement_total == 0
    # cohort spotted in Q2: F11 F12 F13 F14 F15 F16 F17 F19 F20
    assert funnel(r) == {"reperage": (9, 1), "atelier": (8, 2), "decouverte": (3, 1), "sas": (1, 0),
                         "positionnement": (4, 0), "action_preparatoire": (1, 0), "formation": (1, 0),
                         "emploi": (3, 1), "sortie": (4, 4), "suivi": (0, 0)}
    assert {k: (d.median, d.count) for k, d in r.delays.items()} == {
        "spotting_to_atelier": (11.5, 8), "atelier_to_agency": (49.0, 5), "agency_to_mission": (33.0, 3)}
    assert {k: v for k, v in r.barriers.items() if v != (0, 0)} == {
        "mobilite": (1, 1), "numerique": (1, 1), "justice": (1, 0), "logement": (0, 1)}


def test_lens_lievin_rsa_recipients(built):
    ctx, _ids = built
    r = indicators.compute(ctx, Filters(territory="lens_lievin", public="rsa"))  # F11 F12 F15 F16 F18 F20
    assert r.spott_grands_chantiers == 0  # a session belongs to no public
    assert r.positioned_by_agencies == 2  # F11 (DE2), F16 (ap)
    assert rate(r.insertion_all) == (3, 3, 0, 1.0)
    assert rate(r.insertion_agencies) == (3, 3, 0, 1.0)
    assert rate(r.insertion_departement) == (0, 0, 0, None)  # absent, not 0
    assert r.to_json()["insertion_rate"]["departement"]["rate"] is None
    assert r.prevention_completed == 2
    assert (r.pci_count, r.pci_files) == (3, 3)
    assert r.fpett_by_line == {"cipi": 500_000, "cdpi": 0, "spott": 0, "tremplin_rsa": 110_000}
    assert (r.aktiv_allocated, r.aktiv_committed) == (30_000_000, 0)
    assert r.departement_total == 0
    assert funnel(r) == {"reperage": (6, 0), "atelier": (6, 2), "decouverte": (2, 0), "sas": (1, 0),
                         "positionnement": (4, 0), "action_preparatoire": (1, 0), "formation": (1, 0),
                         "emploi": (3, 1), "sortie": (3, 3), "suivi": (0, 0)}
    assert {k: (d.median, d.count) for k, d in r.delays.items()} == {
        "spotting_to_atelier": (12.5, 6), "atelier_to_agency": (32.5, 4), "agency_to_mission": (33.0, 3)}
    assert {k: v for k, v in r.barriers.items() if v != (0, 0)} == {
        "mobilite": (1, 1), "numerique": (1, 1), "justice": (1, 0)}


def test_chantier_and_convention_year(built):
    ctx, _ids = built
    # Files registered to a CSNE session: F01-F05 (AT1, DE1, SAS1), F06 (SP1).
    r = indicators.compute(ctx, Filters(chantier="csne"))
    assert r.spott_grands_chantiers == 2  # SP1, SP4
    assert rate(r.insertion_all) == (3, 3, 1, 1.0)  # F01 F02 F06 dynamic; F05 neutral
    # Convention year 2 from a signature on 8 July 2025: 08/07/2025 - 07/07/2026
    f = Filters.convention_year(date(2024, 7, 8), 2)
    assert (f.start, f.end) == (date(2025, 7, 8), date(2026, 7, 7))
    assert indicators.compute(ctx, f).spott_grands_chantiers == 3


# --- « D'où vient ce chiffre ? » ---------------------------------------------------------------


def test_explain_lists_the_files_behind_each_figure(built):
    ctx, ids = built
    everything = Filters()
    assert keys(ids, indicators.explain(ctx, everything, "positioned_by_agencies").file_ids) == {
        "F01", "F02", "F04", "F11", "F13", "F16"}
    assert keys(ids, indicators.explain(ctx, everything, "exits_dynamic").file_ids) == {
        "F01", "F02", "F06", "F10", "F11", "F12", "F18", "F21", "F24"}
    assert keys(ids, indicators.explain(ctx, everything, "exits_neutral").file_ids) == {"F05", "F14", "F22"}
    q2 = Filters.quarter(2026, 2)
    assert keys(ids, indicators.explain(ctx, q2, "prevention_completed").file_ids) == {"F01"}
    spott = indicators.explain(ctx, q2, "spott_grands_chantiers")
    assert [i.record_id for i in spott.items] == [ids["SP2"]] and spott.file_ids == []
    money = indicators.explain(ctx, q2, "departement_amount_cents")
    assert money.items == () and money.total_cents == 0
    fpett = indicators.explain(ctx, Filters(territory="lens_lievin", public="rsa"), "fpett_amount_cents")
    assert keys(ids, fpett.file_ids) == {"F12", "F16"} and fpett.total_cents == 610_000
    report = indicators.compute(ctx, q2)
    for name in ("spott_grands_chantiers", "positioned_by_agencies", "insertion_rate", "exits_dynamic",
                 "prevention_completed", "pci"):
        assert len(indicators.explain(ctx, q2, name).items) == report.figure(name)
