"""Properties of the indicators over random datasets (pure functions, no vault): counts split by
territory, public or month add up to the unfiltered count; an explanation lists exactly as many
units as its figure; the insertion rate stays in [0, 1] and is absent when nothing is counted."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conseiller_app.domain import indicators as I
from conseiller_app.domain.enums import OutcomeCategory, Public, Stage, StepStatus

TERRITORIES = ("arrageois", "lens_lievin", "calaisis")
PUBLICS = tuple(p.value for p in Public)
BASE = date(2026, 1, 1)
AGENCIES = ("ag1", "ag2")


def days(lo: int = 0, hi: int = 364):
    return st.integers(lo, hi).map(lambda n: BASE + timedelta(days=n))


@st.composite
def datasets(draw) -> I.Dataset:
    n = draw(st.integers(0, 25))
    files, steps, regs, refs, pci, prev, funding = [], [], [], [], [], [], []
    sessions = [I.SessionRow(f"s{i}", draw(st.sampled_from(["decouverte", "sas", "spott", "sensibilisation"])),
                             draw(st.sampled_from(TERRITORIES)), draw(st.sampled_from(["csne", "erbm", "autre"])),
                             draw(days()), None, tuple(draw(st.sets(st.sampled_from(AGENCIES)))))
                for i in range(draw(st.integers(0, 5)))]
    for i in range(n):
        bid = f"f{i}"
        spotted = draw(days(0, 200))
        stages = draw(st.lists(st.sampled_from([s.value for s in Stage if s is not Stage.SPOTTING]), max_size=5))
        files.append(I.FileRow(bid, draw(st.sampled_from(PUBLICS)), draw(st.sampled_from(TERRITORIES)),
                               draw(st.sampled_from(["me", "other"])), spotted, stages[-1] if stages else "reperage"))
        steps.append(I.StepRow(bid, "reperage", "realisee", spotted, spotted, None))
        for stage in stages:
            start = spotted + timedelta(days=draw(st.integers(0, 160)))
            outcome = draw(st.sampled_from([o.value for o in OutcomeCategory])) if stage == "sortie" else None
            status = draw(st.sampled_from([StepStatus.DONE.value, StepStatus.IN_PROGRESS.value]))
            steps.append(I.StepRow(bid, stage, status, start, start, outcome))
        for s in sessions:
            if draw(st.booleans()):
                regs.append(I.RegistrationRow(s.id, bid, draw(st.sampled_from(["inscrit", "desinscrit"])),
                                              draw(st.sampled_from([None, *AGENCIES]))))
        if draw(st.booleans()):
            refs.append(I.ReferralRow(f"r{i}", bid, draw(st.sampled_from(AGENCIES)), "mission",
                                      draw(st.sampled_from(["envoyee", "positionne", "refusee", "cloturee"])),
                                      draw(days())))
        for k in range(draw(st.integers(0, 2))):
            pci.append(I.PciRow(f"p{i}-{k}", bid, draw(days()), "fastt", (("logement", draw(st.booleans())),)))
        if draw(st.booleans()):
            prev.append(I.PreventionRow(f"v{i}", bid, draw(st.sampled_from(["commence", "finalise", "abandonne"])),
                                        spotted, draw(days())))
        for k in range(draw(st.integers(0, 2))):
            funding.append(I.FundingRow(f"l{i}-{k}", bid, "etape", "x", draw(st.sampled_from(["fpett", "departement"])),
                                        draw(st.sampled_from(["cipi", "tremplin_rsa", "coup_de_pouce"])),
                                        draw(st.integers(1, 10**6)), draw(days())))
    return I.Dataset(files, steps, sessions, regs, refs, (), pci, prev, funding, {2026: 10**7})


COUNTS = ("positioned_by_agencies", "prevention_completed", "pci", "insertion_rate", "exits_dynamic",
          "exits_neutral", "fpett_amount_cents", "departement_amount_cents")


@settings(max_examples=80, deadline=None)
@given(datasets(), st.sampled_from(["territory", "public"]))
def test_split_counts_add_up_to_the_unfiltered_count(ds, dimension):
    whole = I.compute(ds)
    values = TERRITORIES if dimension == "territory" else PUBLICS
    parts = [I.compute(ds, I.Filters(**{dimension: v})) for v in values]
    for name in COUNTS:
        assert sum(p.figure(name) for p in parts) == whole.figure(name), name
    for i, f in enumerate(whole.funnel):
        assert sum(p.funnel[i].reached for p in parts) == f.reached
        assert sum(p.funnel[i].current for p in parts) == f.current


@settings(max_examples=60, deadline=None)
@given(datasets())
def test_months_add_up_to_the_year(ds):
    year = I.compute(ds, I.Filters.calendar_year(2026))
    months = [I.compute(ds, I.Filters.month(2026, m)) for m in range(1, 13)]
    for name in ("spott_grands_chantiers", "prevention_completed", "pci", "fpett_amount_cents"):
        assert sum(p.figure(name) for p in months) == year.figure(name), name
    quarters = [I.compute(ds, I.Filters.quarter(2026, q)) for q in range(1, 5)]
    assert sum(q.pci_count for q in quarters) == year.pci_count


@settings(max_examples=80, deadline=None)
@given(datasets(), st.sampled_from([None, *TERRITORIES]), st.sampled_from([None, "rsa", "jeune"]),
       st.sampled_from([None, 1, 2, 3, 4]))
def test_explain_lists_exactly_the_figure(ds, territory, public, quarter):
    f = I.Filters.quarter(2026, quarter, territory=territory, public=public) if quarter else I.Filters(
        territory=territory, public=public)
    report = I.compute(ds, f)
    for name in I.EXPLAINABLE:
        out = I.explain(ds, f, name)
        if out.total_cents is None:
            assert len(out.items) == report.figure(name), name
        else:
            assert out.total_cents == report.figure(name), name
    # one file per unit where the unit is a file
    for name in ("positioned_by_agencies", "insertion_rate", "exits_dynamic", "exits_neutral"):
        assert len(I.explain(ds, f, name).file_ids) == report.figure(name)


@settings(max_examples=80, deadline=None)
@given(datasets(), st.sampled_from([None, *TERRITORIES]), st.sampled_from([None, 1, 2, 3, 4]))
def test_insertion_rate_in_bounds_and_absent_without_denominator(ds, territory, quarter):
    f = I.Filters.quarter(2026, quarter, territory=territory) if quarter else I.Filters(territory=territory)
    r = I.compute(ds, f)
    for rate in (r.insertion_all, r.insertion_departement, r.insertion_agencies):
        if rate.counted == 0:
            assert rate.rate is None and rate.to_json()["rate"] is None
        else:
            assert 0.0 <= rate.rate <= 1.0
    assert r.insertion_departement.counted + r.insertion_agencies.counted == r.insertion_all.counted
    assert r.insertion_departement.dynamic + r.insertion_agencies.dynamic == r.insertion_all.dynamic
    for d in r.delays.values():
        assert (d.median is None) == (d.count == 0)


def test_periods():
    assert (I.Filters.month(2026, 12).start, I.Filters.month(2026, 12).end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert (I.Filters.quarter(2026, 4).start, I.Filters.quarter(2026, 4).end) == (date(2026, 10, 1),
                                                                                  date(2026, 12, 31))
    assert I.Filters.month(2028, 2).end == date(2028, 2, 29)
    f = I.Filters.convention_year(date(2024, 2, 29), 1)
    assert (f.start, f.end) == (date(2024, 2, 29), date(2025, 2, 27))
    assert set(I.DEFINITIONS) >= set(I.INDICATORS)
    assert all(I.DEFINITIONS[k].convention.startswith("«") for k in I.INDICATORS)


@settings(max_examples=60, deadline=None)
@given(datasets(), st.sampled_from([None, *TERRITORIES]))
def test_monthly_trend_equals_one_computation_per_month(ds, territory):
    f = I.Filters(territory=territory)
    trend = I.monthly_dynamic_exits(ds, f, date(2026, 12, 15))
    assert [d for d, _ in trend] == [date(2026, m, 1) for m in range(1, 13)]
    assert [n for _, n in trend] == [I.compute(ds, I.Filters.month(2026, m, territory=territory)).insertion_all.dynamic
                                     for m in range(1, 13)]


def _without_filters(r: I.IndicatorReport) -> dict:
    out = r.to_json()
    out.pop("filters")
    return out


@settings(max_examples=80, deadline=None)
@given(datasets(), st.sampled_from([None, *TERRITORIES]), st.sampled_from([None, "rsa", "jeune"]),
       st.sampled_from([(date(1900, 1, 1), None), (None, date(2100, 12, 31)), (date(1900, 1, 1), date(2100, 1, 1))]))
def test_a_period_holding_every_day_gives_the_figures_without_a_period(ds, territory, public, period):
    """A computation over a period walks the rows of that period only (sorted by date); over a
    period that holds every date it finds every figure of the computation without a period."""
    start, end = period
    whole = I.compute(ds, I.Filters(territory=territory, public=public))
    assert _without_filters(I.compute(ds, I.Filters(start, end, territory=territory, public=public))) == \
        _without_filters(whole)


@settings(max_examples=80, deadline=None)
@given(datasets(), days(), st.integers(0, 120), st.sampled_from([None, *TERRITORIES]))
def test_a_period_counts_the_rows_of_its_days(ds, start, length, territory):
    """The period's figures as plain loops over every row count them (the former computation)."""
    end = start + timedelta(days=length)
    f = I.Filters(start, end, territory=territory)
    r = I.compute(ds, f)
    ix = I.index(ds)
    files = {x.id for x in ds.files if not territory or x.territory == territory}
    inside = f.in_period
    positioned = {b for b, s in ix.positioned if b in files and inside(s.start_date)}
    positioned |= {b for b, starts in ix.agency_prep.items() if b in files and any(inside(d) for d in starts)}
    assert r.positioned_by_agencies == len(positioned)
    exits: dict[str, tuple[date, str]] = {}
    for b, found in ix.exits.items():
        for e in found:
            if b in files and inside(e[0]) and (b not in exits or exits[b][0] <= e[0]):
                exits[b] = e
    assert r.insertion_all.counted + r.insertion_all.neutral == len(exits)
    assert r.exits_by_outcome == {o.value: sum(1 for _, x in exits.values() if x == o.value) for o in OutcomeCategory}
    for key, rows in ix.delay_rows.items():
        assert r.delays[key].count == len([1 for b, day, _ in rows if b in files and inside(day)]), key
    for kind, rows in ix.barrier_rows.items():
        assert r.barriers[kind] == (len([1 for b, d, _ in rows if b in files and inside(d)]),
                                    len([1 for b, _, d in rows if b in files and d is not None and inside(d)])), kind
    cohort = [x for x in ds.files if x.id in files and inside(x.spotting_date)]
    assert r.funnel[0].reached == len(cohort)
    lines = [x for x in ds.funding if x.beneficiary_id in files and inside(x.granted_on)]
    assert r.fpett_total == sum(x.amount_cents for x in lines if x.funder == "fpett" and x.line in I.FPETT_LINES)
    assert r.departement_total == sum(x.amount_cents for x in lines
                                      if x.funder == "departement" and x.line in I.DEPARTEMENT_LINES)


def test_exits_of_the_same_day_count_the_last_one_recorded_with_or_without_a_period():
    """Two exits of one file on the same day: the last recorded counts, whether or not the
    computation has a period (the period's rows are sorted by date, a day's rows kept in order)."""
    day = date(2026, 5, 4)
    done, exit_ = StepStatus.DONE.value, Stage.EXIT.value
    steps = [I.StepRow("f1", Stage.SPOTTING.value, done, date(2026, 1, 5), date(2026, 1, 5), None),
             I.StepRow("f1", exit_, done, day, day, OutcomeCategory.NEUTRAL.value),
             I.StepRow("f1", exit_, done, day, day, OutcomeCategory.DURABLE_JOB.value),
             I.StepRow("f1", exit_, done, date(2026, 3, 1), date(2026, 3, 1), OutcomeCategory.NEUTRAL.value)]
    ds = I.Dataset(files=[I.FileRow("f1", "rsa", "arrageois", "me", date(2026, 1, 5), "sortie")], steps=steps)
    for f in (I.Filters(), I.Filters.month(2026, 5), I.Filters(start=date(2026, 1, 1)), I.Filters(end=day)):
        r = I.compute(ds, f)
        assert (r.insertion_all.dynamic, r.insertion_all.counted, r.insertion_all.neutral) == (1, 1, 0), f
