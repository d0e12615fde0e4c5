"""The small-count rules of the comité's documents (``reports.comite``) over random datasets (the
indicator property tests' own generator): no count from 1 to 4 in any table, a masked cell is
never alone in a column whose total is shown, and a published rate never gives a masked count
back."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings

from conseiller_app.domain import indicators as I
from conseiller_app.domain.consolidation import Breakdown, BreakdownRow, Consolidation, is_small
from conseiller_app.domain.enums import Public
from conseiller_app.reports import comite as K
from tests.domain.test_indicators_properties import TERRITORIES, datasets

F = I.Filters(date(2026, 1, 1), date(2026, 12, 31))


def consolidation(ds: I.Dataset) -> Consolidation:
    def rows(pairs):
        return tuple(BreakdownRow(k, k, I.compute(ds, f)) for k, f in pairs)

    from dataclasses import replace

    months = rows((f"2026-{m:02d}", I.replace_period(F, *_span(m))) for m in range(1, 13))
    return Consolidation(F, I.compute(ds, F), {
        "territory": Breakdown("territory", "Territoire", rows((t, replace(F, territory=t)) for t in TERRITORIES)),
        "public": Breakdown("public", "Public", rows((p.value, replace(F, public=p.value)) for p in Public)),
        "month": Breakdown("month", "Mois", months),
    }, months)


def _span(m: int) -> tuple[date, date]:
    f = I.Filters.month(2026, m)
    assert f.start and f.end
    return f.start, f.end


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_no_small_count_and_nothing_to_subtract(ds):
    c = consolidation(ds)
    for sheet in K.sheets(c, date(2027, 1, 15)):
        if sheet.key == "qualite":
            continue
        for j, col in enumerate(sheet.columns):
            if col.kind not in ("count", "mixed"):
                continue
            for row in sheet.rows:
                cell = row[j]
                assert not (isinstance(cell, int) and is_small(cell)), (sheet.key, row)
        if not sheet.rows or sheet.rows[-1][0] != "Ensemble" or not sheet.key.startswith("par_"):
            continue
        body = sheet.rows[:-1]
        for j, col in enumerate(sheet.columns):
            if col.kind != "count":
                continue
            masked = [r[j] is K.MASK for r in body]
            shown_positive = [isinstance(r[j], int) and r[j] > 0 for r in body]
            # A masked cell alone could be found as total minus the others.
            assert sum(masked) != 1 or not any(shown_positive), (sheet.key, col.title)
        counted = 1 + K.BREAKDOWN_COLUMNS.index("exits_counted")
        dynamic = 1 + K.BREAKDOWN_COLUMNS.index("exits_dynamic")
        rate = 1 + K.BREAKDOWN_COLUMNS.index("insertion_rate")
        for r in sheet.rows:
            if isinstance(r[rate], K.Pct):
                assert isinstance(r[counted], int) and isinstance(r[dynamic], int)
                assert not is_small(r[counted] - r[dynamic])


def _exits(territory: str, dynamic: int, other: int) -> list[tuple[I.FileRow, I.StepRow]]:
    out = []
    for i in range(dynamic + other):
        bid = f"{territory}-{i}"
        day = date(2026, 6, 1)
        outcome = "emploi_durable" if i < dynamic else "autre_sortie"
        out.append((I.FileRow(bid, "rsa", territory, "me", date(2026, 1, 5), "sortie"),
                    I.StepRow(bid, "sortie", "realisee", day, day, outcome)))
    return out


def test_a_rate_that_would_give_back_a_small_count_is_not_published():
    """10 exits in the Arrageois, 8 of them dynamic: « 10 − 8 » would name 2 people, so the
    dynamic exits and the rate are withheld there — and, so that the total does not give them
    back, in the next smallest territory too; the Calaisis (20 exits, 15 dynamic) is not touched
    by the first rule but by the second."""
    pairs = _exits("arrageois", 8, 2) + _exits("calaisis", 15, 5) + _exits("lens_lievin", 30, 10)
    ds = I.Dataset(files=[f for f, _ in pairs], steps=[s for _, s in pairs])
    rows = tuple(BreakdownRow(t, t, I.compute(ds, I.Filters(territory=t))) for t in ("arrageois", "calaisis",
                                                                                      "lens_lievin"))
    cells, whole = K.breakdown_cells(rows, I.compute(ds))
    assert [c["exits_counted"] for c in cells] == [10, 20, 40]
    assert [c["exits_dynamic"] for c in cells] == [K.MASK, K.MASK, 30]
    assert cells[0]["insertion_rate"] is K.NOT_PUBLISHED and cells[1]["insertion_rate"] is K.NOT_PUBLISHED
    assert cells[2]["insertion_rate"] == K.Pct(0.75)
    assert whole["exits_dynamic"] == 53 and whole["insertion_rate"] == K.Pct(53 / 70)
