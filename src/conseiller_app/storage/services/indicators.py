"""The convention's indicators on this device: what the Indicateurs page, the CLI and the export
call. Loads the vault's rows once (``storage.indicator_rows``) and keeps them while the vault's
data does not change, so that changing a filter only re-runs the pure computation
(``domain.indicators``).

For a page (run these on the worker, never on the GUI thread)::

    report = indicators.compute(ctx, Filters.quarter(2026, 3, territory="arrageois"))
    report.to_json()                      # stable keys, amounts in cents
    indicators.explain(ctx, filters, "positioned_by_agencies").file_ids  # the files to open
    indicators.monthly(ctx, filters, "exits_dynamic")                    # a trend chart's points
    DEFINITIONS[key].counted               # the French definition (hover text)

The signature date of the convention (its years start there) is the setting
``convention_signature`` (:func:`signature_date` / :func:`set_signature_date`).
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from conseiller_app.domain import indicators as I
from conseiller_app.domain import validation as v
from conseiller_app.storage.indicator_rows import TABLES, Rows, refresh_rows
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import get_setting, set_setting
from conseiller_app.storage.reference import aktiv_envelopes
from conseiller_app.storage.services.context import Context
from conseiller_app.storage.vault import Vault

SIGNATURE_KEY = "convention_signature"
#: Used until the real date is set: the Commission Permanente authorised the signature on
#: 8 July 2024 (deliberation 2024-330); the convention runs 4 years from the signature.
DEFAULT_SIGNATURE = date(2024, 7, 8)

#: Per vault (the object: a closed and reopened vault starts again): the rows last read and the
#: dataset built from them.
_cache: weakref.WeakKeyDictionary[Vault, tuple[Rows, I.Dataset]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def dataset(ctx: Context) -> I.Dataset:
    """The vault's rows, brought up to date only when the data changed since the last call: only
    the records changed since are read again when the change journal lists them all (an edit on
    this device), every row otherwise (``storage.indicator_rows.refresh_rows``)."""
    with _lock:
        hit = _cache.get(ctx.vault)
    # The collector stays paused until the new rows are frozen: a pass over a million young rows
    # (on the worker) holds the interpreter's lock for a quarter of a second — the GUI thread
    # waits as long.
    with _paused_collector():
        with ctx.vault.session() as s:
            rows = refresh_rows(s, hit[0] if hit is not None else None)
            if hit is not None and rows is hit[0]:
                return hit[1]
            ds = rows.dataset(aktiv_envelopes(s))
        if rows.how == "full":
            gc.unfreeze()  # the previous dataset's rows go back to the collector (and away by refcount)
        if hit is not None and rows.changed_files is not None:
            I.index_from(hit[1], ds, rows.changed_files)  # only the changed files walked again
        else:
            I.index(ds)  # built once per dataset (grouped by file), kept with it
        with _lock:
            _cache[ctx.vault] = (rows, ds)
        # A million long-lived rows: out of the cyclic collector's sight, or each of its full passes
        # (on any thread, the GUI's included) walks them all — seconds of stall on a loaded machine.
        gc.freeze()
        if hit is not None:
            previous = [hit]
            del hit
            _release(previous, rows)
    return ds


def _release(previous: list[tuple[Rows, I.Dataset]], rows: Rows) -> None:
    """Let the previous rows and their index go a slice at a time (``I.release_index``): freed
    in one go, half a million objects hold the interpreter's lock for a fifth of a second (the
    GUI thread waits as long). What is still used elsewhere (a computation on another thread)
    goes with its last user. ``previous``: a list holding the only reference to them."""
    old_rows, old_ds = previous.pop()
    I.release_index(old_ds)
    if sys.getrefcount(old_ds) <= 2:  # this name and the call's argument: no one else reads it
        for field in TABLES:
            kept = getattr(old_ds, field)
            while kept:
                del kept[-1024:]
    # After a full read, the previous rows go: one at a time (after reading the changes, they
    # are those of the new rows, which letting go of costs nothing).
    if rows.how == "full" and sys.getrefcount(old_rows) <= 2:
        for table in old_rows.tables.values():
            while table:
                table.popitem()


def last_read(ctx: Context) -> str | None:
    """How the rows in use were read: "full" or "changes" (see ``Rows.how``); None before any."""
    with _lock:
        hit = _cache.get(ctx.vault)
    return hit[0].how if hit is not None else None


@contextmanager
def _paused_collector() -> Iterator[None]:
    """The computations allocate many small acyclic objects: the cyclic collector's passes over the
    dataset's million rows would cost more than the computation itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute(ctx: Context, filters: I.Filters | None = None) -> I.IndicatorReport:
    filters = filters if filters is not None else I.Filters()
    ds = dataset(ctx)
    with _paused_collector():
        return I.compute(ds, filters)


def explain(ctx: Context, filters: I.Filters, name: str, *, journal: bool = True) -> I.Explanation:
    """The units behind one figure. Listing files is a read of personal data: audited (the
    figure's name and the number of files, never the ids)."""
    ds = dataset(ctx)
    with _paused_collector():
        out = I.explain(ds, filters, name)
    if journal:
        with ctx.vault.session() as s:
            audit(s, ctx.actor_id, "indicator_explained", "indicator", None, None,
                  {"name": name, "files": len(out.file_ids)})
    return out


def monthly(ctx: Context, filters: I.Filters, name: str, months: int = 12) -> list[tuple[date, int]]:
    """The figure ``name`` month by month over the ``months`` months ending at the filter's end
    (or today): the points of the trend chart."""
    ds = dataset(ctx)
    end = filters.end or ctx.today()
    y, m = end.year, end.month
    points: list[tuple[date, int]] = []
    for _ in range(months):
        f = I.Filters.month(y, m, territory=filters.territory, chantier=filters.chantier, public=filters.public,
                            agency_id=filters.agency_id, scheme=filters.scheme, referent_id=filters.referent_id)
        points.append((date(y, m, 1), I.compute(ds, f).figure(name)))  # f.start
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return points[::-1]


def filters_from(ctx: Context, values: Mapping[str, Any]) -> I.Filters:
    """Checked filters from raw values (see ``domain.indicators.parse_filters``): the vault's
    territories and the convention's signature date come from here."""
    from sqlalchemy import select

    from conseiller_app.storage import models as m

    with ctx.vault.session() as s:
        territories = dict(s.execute(select(m.Territory.code, m.Territory.name)).all())
    return I.parse_filters(values, territories, signature_date(ctx))


@dataclass(frozen=True)
class PageData:
    """What the Indicateurs page shows for one set of filters (computed on the worker)."""

    report: I.IndicatorReport
    trend: tuple[tuple[date, int], ...]  # dynamic exits, month by month (12 months)
    territories: tuple[tuple[str, str], ...]  # (code, name) for the filter
    signature: date


def page_data(ctx: Context, filters: I.Filters) -> PageData:
    from sqlalchemy import select

    from conseiller_app.storage import models as m

    with ctx.vault.session() as s:
        territories = tuple(s.execute(select(m.Territory.code, m.Territory.name).order_by(m.Territory.name)).all())
    ds = dataset(ctx)
    with _paused_collector():
        trend = I.monthly_dynamic_exits(ds, filters, filters.end or ctx.today())
    return PageData(compute(ctx, filters), tuple(trend),
                    tuple((c, n) for c, n in territories), signature_date(ctx))


@dataclass(frozen=True)
class ExplainRow:
    """One line of « D'où vient ce chiffre ? » in the application (the file's name is shown)."""

    file_id: str | None
    name: str
    day: date | None
    detail: str


def explain_rows(ctx: Context, filters: I.Filters, name: str) -> tuple[I.Explanation, tuple[ExplainRow, ...]]:
    """The explanation and its lines with the files' names (for the page's list, which opens them)."""
    from sqlalchemy import select

    from conseiller_app.storage import models as m

    ex = explain(ctx, filters, name)
    ids = ex.file_ids
    names: dict[str, str] = {}
    with ctx.vault.session() as s:
        b = m.Beneficiary
        for i in range(0, len(ids), 500):
            for bid, last, first in s.execute(select(b.id, b.last_name, b.first_name).where(b.id.in_(ids[i:i + 500]))):
                names[bid] = f"{last.upper()} {first}"
    return ex, tuple(ExplainRow(it.file_id, names.get(it.file_id or "", "—"), it.day, it.detail) for it in ex.items)


def signature_date(ctx: Context) -> date:
    with ctx.vault.session() as s:
        text = get_setting(s, SIGNATURE_KEY)
    return date.fromisoformat(text) if text else DEFAULT_SIGNATURE


def set_signature_date(ctx: Context, value: str | date) -> date:
    day = v.parse_date("signature", "Date de signature de la convention", value)
    assert day is not None
    if not date(2024, 7, 8) <= day <= ctx.today() + timedelta(days=1):
        from conseiller_app.domain.errors import ValidationError

        raise ValidationError("signature", "la convention a été signée après le 8 juillet 2024 et pas dans le futur.",
                              "Date de signature de la convention")
    with ctx.vault.session() as s:
        set_setting(s, SIGNATURE_KEY, day.isoformat())
        audit(s, ctx.actor_id, "setting_changed", "setting", None, None, {"key": SIGNATURE_KEY})
    return day


__all__ = ["DEFAULT_SIGNATURE", "ExplainRow", "PageData", "compute", "dataset", "explain", "explain_rows", "filters_from",
           "last_read", "monthly", "page_data", "set_signature_date", "signature_date"]
