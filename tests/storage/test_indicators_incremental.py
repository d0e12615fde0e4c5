"""After a first computation, edits to the vault are read back from the change journal (only the
records changed since, not every row): the figures then equal a computation from scratch, row
order included, for several filters and every « D'où vient ce chiffre ? » list. Changes made
without a journal entry (an import, new reference data) make the page read everything again.

The vault is the 30-file table of ``test_indicators`` (built by the services), edited here."""

from __future__ import annotations

import weakref
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text

from conseiller_app.domain import indicators as I
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import Stage
from conseiller_app.storage.indicator_rows import TABLES, load_dataset
from conseiller_app.storage.profile import set_setting
from conseiller_app.storage.services import beneficiaries, facts, followup, indicators, pathway, referrals
from tests.storage.test_indicators import AGENCIES, COMMUNES, TODAY, build, pathway_records, rate

FILTERS = [I.Filters(), I.Filters.quarter(2026, 4), I.Filters(territory="lens_lievin", public="rsa"),
           I.Filters.calendar_year(2026, territory="arrageois"), I.Filters.calendar_year(2026, chantier="csne")]


@pytest.fixture
def built(tmp_path):
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from tests.conftest import PASSPHRASE, Clock

    clock = Clock(TODAY)
    vault = Vault.create(tmp_path / "p", PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras", check_policy=False)
    ctx = Context(vault, today=clock)
    ids = build(ctx, clock)
    yield ctx, ids
    vault.close()


def from_scratch(ctx) -> I.Dataset:
    with ctx.vault.session() as s:
        return load_dataset(s)


def assert_same_index(ix: I.Index, scratch: I.Index) -> None:
    """The same entries; lists where order does not count compared as multisets."""
    for name, expected in vars(scratch).items():
        got = getattr(ix, name)
        if name == "ds":
            continue
        if name == "positioned":
            assert Counter(got) == Counter(expected), name
        elif name in ("delay_rows", "barrier_rows"):
            assert {k: Counter(v) for k, v in got.items()} == {k: Counter(v) for k, v in expected.items()}, name
        else:
            assert (dict(got) if isinstance(got, dict) else got) == expected, name


def assert_same_as_scratch(ctx) -> None:
    ds, scratch = indicators.dataset(ctx), from_scratch(ctx)
    for field in TABLES:
        assert list(getattr(ds, field)) == list(getattr(scratch, field)), field
    assert_same_index(I.index(ds), I.index(scratch))
    for f in FILTERS:
        assert indicators.compute(ctx, f) == I.compute(scratch, f), f
        for name in I.EXPLAINABLE:
            assert indicators.explain(ctx, f, name, journal=False) == I.explain(scratch, f, name), (f, name)


def test_edits_after_a_first_computation_give_the_figures_computed_from_scratch(built):
    ctx, ids = built
    first = indicators.compute(ctx)
    assert indicators.last_read(ctx) == "full"
    assert rate(first.insertion_all) == (9, 12, 3, 0.75) and first.pci_count == 9
    lens_before = indicators.compute(ctx, I.Filters(territory="lens_lievin"))

    # An exit, a move to Lens, a new PCI, a funding line removed, a step proposed (not started:
    # not counted yet).
    f16 = ids["F16"]
    pathway.apply(ctx, f16, [P.Complete(date(2026, 11, 20)), P.Close("emploi_durable", date(2026, 11, 20))])
    beneficiaries.update(ctx, ids["F03"], {"commune": COMMUNES["L"]})
    facts.add_pci(ctx, ids["F19"], {"held_on": date(2026, 11, 25), "recommendations": [{"code": "logement"}]})
    tremplin = next(x for x in facts.funding_for(ctx, "etape", next(
        s.id for s in pathway_records(ctx, ids["F02"]) if s.stage == Stage.AGENCY_PREP.value)))
    facts.remove_funding(ctx, tremplin.id)
    pathway.apply(ctx, ids["F25"], [P.Propose(Stage.AWARENESS, date(2026, 11, 26))])

    after = indicators.compute(ctx)
    assert indicators.last_read(ctx) == "changes"  # not every row read again
    # only these files' entries of the index made again (F02: its funding line)
    assert indicators._cache[ctx.vault][0].changed_files == {ids[k] for k in ("F16", "F03", "F19", "F02", "F25")}
    assert rate(after.insertion_all) == (10, 13, 3, 10 / 13)  # F16's exit
    assert after.pci_count == 10
    assert after.fpett_by_line["tremplin_rsa"] == first.fpett_by_line["tremplin_rsa"] - 1_200_00
    lens = indicators.compute(ctx, I.Filters(territory="lens_lievin"))
    assert lens.funnel[0].reached == lens_before.funnel[0].reached + 1  # F03 now counts in Lens-Liévin
    assert_same_as_scratch(ctx)

    # A step started on another file (a new row at the end), then F25's proposed step started:
    # a row that becomes live before rows read since (its place is kept); a barrier lifted.
    pathway.apply(ctx, ids["F30"], [P.Propose(Stage.AWARENESS, date(2026, 11, 26)), P.Start(date(2026, 11, 26))])
    indicators.compute(ctx)
    pathway.apply(ctx, ids["F25"], [P.Start(date(2026, 11, 27))])
    barrier = followup.add_barrier(ctx, ids["F19"], "mobilite", identified_on=date(2026, 11, 2))
    followup.set_barrier_status(ctx, barrier, "leve", on=date(2026, 11, 27))
    followup.record_consent(ctx, ids["F20"], partner_kind="agence", partner_name="LE", partner_id=AGENCIES["LE"],
                            scope=["identite", "contact", "parcours"], given_on=date(2026, 11, 27))
    referrals.create(ctx, ids["F20"], AGENCIES["LE"], "mission", send=True, on=date(2026, 11, 27))
    again = indicators.compute(ctx)
    assert indicators.last_read(ctx) == "changes"
    assert indicators._cache[ctx.vault][0].changed_files == {ids["F25"], ids["F19"], ids["F20"]}
    assert again.delays["atelier_to_agency"].count == after.delays["atelier_to_agency"].count + 1  # F20
    assert again.funnel[1].reached == after.funnel[1].reached + 2  # F30 and F25 reached the atelier
    assert again.barriers["mobilite"][1] == after.barriers["mobilite"][1] + 1
    assert_same_as_scratch(ctx)

    # Nothing changed: the same dataset, not read again.
    assert indicators.dataset(ctx) is indicators.dataset(ctx)


def test_changes_without_a_journal_entry_read_everything_again(built):
    ctx, _ids = built
    indicators.compute(ctx)
    with ctx.vault.session() as s:  # as a reference data release from the central office does
        set_setting(s, "reference_version", "2026-12")
        s.execute(text(
            "UPDATE commune SET territory = 'lens_lievin' WHERE insee = :insee"), {"insee": COMMUNES["A"]})
    report = indicators.compute(ctx, I.Filters(territory="arrageois"))
    assert indicators.last_read(ctx) == "full"
    assert report.funnel[0].reached == 0  # Arras now belongs to Lens-Liévin
    assert_same_as_scratch(ctx)


def test_the_previous_rows_and_their_index_go_after_a_change(built):
    ctx, ids = built
    first = indicators.dataset(ctx)
    dataset_gone, index_gone = weakref.ref(first), weakref.ref(I.index(first))
    del first
    facts.add_pci(ctx, ids["F19"], {"held_on": date(2026, 11, 25), "recommendations": [{"code": "logement"}]})
    assert indicators.compute(ctx).pci_count == 10
    assert dataset_gone() is None and index_gone() is None  # not kept for ever
    with ctx.vault.session() as s:
        set_setting(s, "reference_version", "2026-12")
    kept = indicators.dataset(ctx)  # read in full, the previous rows let go a slice at a time
    assert indicators.last_read(ctx) == "full"
    facts.add_pci(ctx, ids["F20"], {"held_on": date(2026, 11, 26), "recommendations": [{"code": "budget"}]})
    assert indicators.compute(ctx).pci_count == 11
    assert len(kept.pci) == 10 and len(kept.files) == 30  # still used here: left whole


def test_an_index_does_not_keep_its_dataset_alive():
    ds = I.Dataset(files=[I.FileRow("f1", "rsa", "arrageois", "c1", date(2026, 1, 5), "reperage")])
    assert I.compute(ds).funnel[0].reached == 1  # indexed
    gone = weakref.ref(ds)
    del ds
    assert gone() is None  # the index (kept by dataset) went with it, not the other way round
