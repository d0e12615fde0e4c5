"""Consolidations built by hand for the comité's documents, without a central office: a
deterministic dataset of the size of the Département (8 territories, agencies, the convention's
four years of months) computed by ``domain.indicators.compute``, with every breakdown of
``domain.consolidation.DIMENSIONS``. Used by the bilan's and the exports' tests and timing."""

from __future__ import annotations

import random
from datetime import date, timedelta

from conseiller_app.domain import indicators as I
from conseiller_app.domain.consolidation import (
    Breakdown,
    BreakdownRow,
    Consolidation,
    DataQuality,
    StaleDevice,
    period_label,
)
from conseiller_app.domain.enums import Public

TERRITORIES = {
    "arrageois": "Arrageois", "artois": "Artois", "audomarois": "Audomarois", "boulonnais": "Boulonnais",
    "calaisis": "Calaisis", "henin_carvin": "Hénin-Carvin", "lens_lievin": "Lens-Liévin",
    "montreuillois_ternois": "Montreuillois-Ternois",
}
SIGNATURE = date(2024, 9, 1)


def dataset(n_files: int = 600, *, seed: int = 7, territories: dict[str, str] | None = None,
            agencies: int = 24, small_territory: str | None = "montreuillois_ternois",
            start: date = SIGNATURE, days: int = 4 * 365) -> I.Dataset:
    """``n_files`` files spread over ``territories``; ``small_territory`` gets only three files,
    so that its counts are 1 to 4 (to be masked)."""
    rnd = random.Random(seed)
    terr = list((territories or TERRITORIES).keys())
    big = [t for t in terr if t != small_territory]
    agency_ids = [f"ag{i:02d}" for i in range(agencies)]
    files, steps, sessions, regs, refs, barriers, pci, prev, funding = [], [], [], [], [], [], [], [], []

    def day(lo: int = 0, hi: int = days - 1) -> date:
        return start + timedelta(days=rnd.randint(lo, hi))

    for i in range(60):
        t = rnd.choice(big)
        kind = rnd.choice(["spott", "spott", "decouverte", "sas"])
        sessions.append(I.SessionRow(f"s{i}", kind, t, rnd.choice(["csne", "erbm", "autre"]) if kind == "spott"
                                     else None, day(), day() if kind == "spott" else None,
                                     tuple(rnd.sample(agency_ids, 2))))
    publics = [p.value for p in Public]
    for i in range(n_files):
        bid = f"f{i:05d}"
        if small_territory and i < 3:
            t: str | None = small_territory
        else:
            t = rnd.choice(big) if rnd.random() > 0.02 else None
        spotted = day(0, days - 120)
        files_stage = "reperage"
        steps.append(I.StepRow(bid, "reperage", "realisee", spotted, spotted, None))
        cursor = spotted
        for stage in ("atelier", "decouverte", "positionnement", "emploi", "sortie"):
            if rnd.random() < 0.35:
                break
            cursor = cursor + timedelta(days=rnd.randint(5, 40))
            outcome = None
            if stage == "sortie":
                outcome = rnd.choice(["emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie",
                                      "sortie_neutre"])
            steps.append(I.StepRow(bid, stage, "realisee", cursor, cursor, outcome))
            files_stage = stage
        referent = f"dev{(i * 7) % 40:02d}"
        files.append(I.FileRow(bid, rnd.choice(publics), t, referent, spotted, files_stage))
        if rnd.random() < 0.4:
            s = rnd.choice(sessions)
            regs.append(I.RegistrationRow(s.id, bid, "inscrit", rnd.choice(agency_ids)))
        if rnd.random() < 0.5:
            refs.append(I.ReferralRow(f"r{i}", bid, rnd.choice(agency_ids),
                                      rnd.choice(["mission", "cipi", "cdpi", "tremplin_rsa"]),
                                      rnd.choice(["envoyee", "positionne", "en_mission", "refusee"]),
                                      spotted + timedelta(days=20)))
        if rnd.random() < 0.5:
            bt = rnd.choice(["mobilite", "logement", "garde_enfants", "sante", "numerique"])
            lifted = spotted + timedelta(days=60) if rnd.random() < 0.5 else None
            barriers.append(I.BarrierRow(bid, bt, "leve" if lifted else "identifie", spotted, lifted))
        if rnd.random() < 0.3:
            pci.append(I.PciRow(f"p{i}", bid, cursor, "fastt",
                                (("logement", rnd.choice([True, False, None])), ("mobilite", True))))
        if rnd.random() < 0.3:
            prev.append(I.PreventionRow(f"v{i}", bid, rnd.choice(["commence", "finalise", "finalise"]), spotted,
                                        spotted + timedelta(days=30)))
        if rnd.random() < 0.6:
            funder, line = rnd.choice([("fpett", "cipi"), ("fpett", "cdpi"), ("fpett", "tremplin_rsa"),
                                       ("akto", "aktiv_competences"), ("departement", "preparatoire_metier"),
                                       ("departement", "coup_de_pouce")])
            funding.append(I.FundingRow(f"l{i}", bid, "etape", "x", funder, line, rnd.randint(20_000, 350_000),
                                        cursor))
    for s in sessions:
        if s.kind == "spott":
            funding.append(I.FundingRow(f"ls{s.id}", None, "session", s.id, "fpett", "spott", 1_250_000, s.start_date))
    envelopes = {y: 40_000_000 for y in range(start.year, start.year + 5)}
    return I.Dataset(files, steps, sessions, regs, refs, barriers, pci, prev, funding, envelopes)


def _months(f: I.Filters) -> list[tuple[int, int]]:
    assert f.start and f.end
    y, m, out = f.start.year, f.start.month, []
    while (y, m) <= (f.end.year, f.end.month):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def _clip(f: I.Filters, sub: I.Filters) -> I.Filters:
    start = max(x for x in (f.start, sub.start) if x)
    end = min(x for x in (f.end, sub.end) if x)
    return I.replace_period(f, start, end)


def consolidation(ds: I.Dataset, f: I.Filters, *, territories: dict[str, str] | None = None, agencies: int = 24,
                  today: date = date(2028, 9, 15), quality: DataQuality | None = None,
                  device_id: str | None = None) -> Consolidation:
    """Every breakdown of the issue, computed by the device's own ``compute`` (what the central
    office's ``consolidate`` does over its records)."""
    from dataclasses import replace

    terr = territories or TERRITORIES

    def row(key: str, label: str, sub: I.Filters) -> BreakdownRow:
        return BreakdownRow(key, label, I.compute(ds, sub))

    def with_(**kw: object) -> I.Filters:
        return replace(f, **kw)  # type: ignore[arg-type]

    months = _months(f)
    quarters = sorted({(y, (m - 1) // 3 + 1) for y, m in months})
    breakdowns = {
        "territory": Breakdown("territory", "Territoire", tuple(  # only the one asked, as the central office does
            row(k, v, with_(territory=k)) for k, v in terr.items() if not f.territory or k == f.territory)),
        "conseiller": Breakdown("conseiller", "Conseiller", tuple(
            row(f"dev{i:02d}", f"Conseiller {i:02d}", with_(referent_id=f"dev{i:02d}")) for i in range(40))),
        "agency": Breakdown("agency", "Agence d'emploi", tuple(
            row(f"ag{i:02d}", f"Agence intérim n° {i:02d}", with_(agency_id=f"ag{i:02d}")) for i in range(agencies))),
        "chantier": Breakdown("chantier", "Chantier", tuple(
            row(k, v, with_(chantier=k)) for k, v in (("csne", "Canal Seine-Nord Europe"), ("erbm", "ERBM"),
                                                     ("autre", "Autre chantier")))),
        "public": Breakdown("public", "Public", tuple(row(p.value, p.label, with_(public=p.value)) for p in Public)),
        "scheme": Breakdown("scheme", "Dispositif", tuple(row(s, s, with_(scheme=s)) for s in I.SCHEMES)),
        "month": Breakdown("month", "Mois", tuple(
            row(f"{y}-{m:02d}", period_label(f"{y}-{m:02d}"), _clip(f, I.Filters.month(y, m))) for y, m in months)),
        "quarter": Breakdown("quarter", "Trimestre", tuple(
            row(f"{y}-T{q}", period_label(f"{y}-T{q}"), _clip(f, I.Filters.quarter(y, q))) for y, q in quarters)),
        "convention_year": Breakdown("convention_year", "Année de convention", tuple(
            row(str(n), period_label(str(n)), I.replace_period(f, cy.start, cy.end))
            for n in range(1, 5) for cy in [I.Filters.convention_year(SIGNATURE, n)])),
    }
    trend = breakdowns["month"].rows  # month by month, as central.indicators.consolidate gives it
    if quality is None:
        quality = DataQuality(computed_on=today, stale_after_days=30, devices=40,
                              stale_devices=(StaleDevice("dev03", "Conseiller 03", "artois", date(2028, 7, 1), 76),),
                              files=len(ds.files),
                              files_without_territory=sum(1 for x in ds.files if x.territory is None),
                              open_conflicts=2)
    return Consolidation(f, I.compute(ds, f), breakdowns, trend, quality, device_id)


def realistic(n_files: int = 3000, agencies: int = 60) -> Consolidation:
    """The convention's four years (48 months), the whole Département, ``agencies`` agencies."""
    f = I.Filters(SIGNATURE, date(2028, 8, 31))
    return consolidation(dataset(n_files, agencies=agencies), f, agencies=agencies)
