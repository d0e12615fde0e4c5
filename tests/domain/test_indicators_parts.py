"""The index of a part of the files taken from the whole dataset's (``Index.restricted``, what the
central office's breakdowns compute over): the same figures as an index built from the part's own
rows, and, for filters that keep only the part's files, as the whole dataset's. Random datasets
(those of ``test_indicators_properties``, with barriers and funding lines of sessions added)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from conseiller_app.domain import indicators as I
from tests.domain.test_indicators_properties import TERRITORIES, datasets, days

PERIODS = (I.Filters(), I.Filters.calendar_year(2026), I.Filters.quarter(2026, 2), I.Filters(date(2026, 3, 15), None))


@st.composite
def richer(draw) -> I.Dataset:
    ds = draw(datasets())
    barriers = [I.BarrierRow(x.id, draw(st.sampled_from(["mobilite", "logement", "sante"])),
                             draw(st.sampled_from(["identifie", "leve"])), draw(days()),
                             draw(st.one_of(st.none(), days())))
                for x in ds.files for _ in range(draw(st.integers(0, 2)))]
    session_lines = [I.FundingRow(f"ls{s.id}", None, "session", s.id, "fpett", "spott", 1000, draw(days()))
                     for s in ds.sessions if draw(st.booleans())]
    return I.Dataset(ds.files, ds.steps, ds.sessions, ds.registrations, ds.referrals, barriers, ds.pci,
                     ds.prevention, [*session_lines, *ds.funding], ds.aktiv_envelopes)


def part_of(ds: I.Dataset, ids: set[str]) -> I.Dataset:
    """The files ``ids`` with every row naming them, the sessions and the sessions' lines."""
    def mine(rows):
        return [r for r in rows if r.beneficiary_id in ids]
    return I.Dataset([x for x in ds.files if x.id in ids], mine(ds.steps), ds.sessions, mine(ds.registrations),
                     mine(ds.referrals), mine(ds.barriers), mine(ds.pci), mine(ds.prevention),
                     [x for x in ds.funding if not x.beneficiary_id or x.beneficiary_id in ids], ds.aktiv_envelopes)


@settings(max_examples=120, deadline=None)
@given(richer(), st.sampled_from(["territory", "public", "chantier", "agency_id", "scheme", "referent_id"]),
       st.sampled_from(PERIODS), st.data())
def test_a_parts_index_taken_from_the_whole_gives_the_parts_figures(ds, attr, period, data):
    whole = I.index(ds)
    by_file = {"chantier": whole.file_chantiers, "agency_id": whole.file_agencies, "scheme": whole.file_schemes}
    values: dict[str, set[str]] = {}
    for x in ds.files:
        found = by_file[attr].get(x.id, ()) if attr in by_file else [getattr(x, attr)]
        for v in found:
            values.setdefault(v, set()).add(x.id)
    for value, ids in values.items():
        f = I.Filters(period.start, period.end, **{attr: value})
        part = part_of(ds, ids)
        restricted = I.index_within(ds, part)
        assert restricted is I.index(part)  # kept with the part
        fresh = part_of(ds, ids)  # the same rows, its index built from them
        expected = I.compute(ds, f)
        assert I.compute(part, f) == I.compute(fresh, f) == expected, (attr, value)
        # other filters on the same part (a narrower one: still only its files)
        extra = data.draw(st.sampled_from([{}, {"territory": TERRITORIES[0]}, {"public": "rsa"}]), label="extra")
        if attr not in extra:
            g = I.Filters(period.start, period.end, **{attr: value}, **extra)
            assert I.compute(part, g) == I.compute(ds, g)
    assert I.index(ds) is whole  # the whole dataset's index left as it was
    assert I.compute(ds, period) == I.compute(part_of(ds, {x.id for x in ds.files}), period)
