"""Search of beneficiary files: accent- and case-insensitive prefix search on names, commune and
CAF number, filters, sorting; ids first, rows on demand (for lazy lists).

The list asks for every matching id in order at each key typed (60,000 at most), so the common
case, the active files in name order, reads the search index alone: a short prefix (1 to 3
letters) is one key of ``beneficiary_token`` whose rows are stored in list order; a longer one is
a range of words, few enough to sort. The ids come back joined in one string, because building
one Python row per id costs more than the query itself at this size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, intersect, select
from sqlalchemy.dialects import sqlite

from conseiller_app.domain.enums import BarrierStatus, FileStatus, Public, Stage
from conseiller_app.domain.text import prefix_key, query_tokens
from conseiller_app.domain.validation import age_on
from conseiller_app.storage import models
from conseiller_app.storage.services.context import Context

SORT_KEYS = ("name", "age", "commune", "stage", "last_contact")
_STAGE_ORDER = case({s.value: s.order for s in Stage}, value=models.Beneficiary.current_stage, else_=0)
SEPARATOR = ","  # never in an id (UUID text)
_DIALECT = sqlite.dialect()


@dataclass(frozen=True)
class Filters:
    territory: str | None = None
    public: str | None = None
    stage: str | None = None
    barrier_type: str | None = None  # an open barrier of this type
    referent_id: str | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class Query:
    text: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "name"
    descending: bool = False


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _token_match(t: type[models.BeneficiaryToken], token: str) -> ColumnElement[bool]:
    key = prefix_key(token)
    if key is not None:
        return t.token == key
    return and_(t.token >= token, t.token < _upper_bound(token))


def _statement(q: Query) -> Select[str]:
    """Any query (filters, other sort orders): the files' listing, restricted to the ids the
    search index matches."""
    b = models.Beneficiary
    stmt = select(b.id).where(b.deleted_at.is_(None))
    f = q.filters
    if not f.include_archived:
        stmt = stmt.where(b.status == FileStatus.ACTIVE.value)
    tokens = query_tokens(q.text)
    if tokens:
        t = models.BeneficiaryToken
        subs = [select(t.beneficiary_id).where(_token_match(t, tok)) for tok in tokens]
        matching = subs[0] if len(subs) == 1 else intersect(*subs)
        stmt = stmt.where(b.id.in_(matching))
    needs_commune = f.territory or q.sort == "commune"
    if needs_commune:
        stmt = stmt.join(models.Commune, models.Commune.insee == b.commune_insee)
    if f.territory:
        stmt = stmt.where(models.Commune.territory == f.territory)
    if f.public:
        stmt = stmt.where(b.public == f.public)
    if f.stage:
        stmt = stmt.where(b.current_stage == f.stage)
    if f.referent_id:
        stmt = stmt.where(b.referent_id == f.referent_id)
    if f.barrier_type:
        open_statuses = [s.value for s in BarrierStatus if s.is_open]
        stmt = stmt.where(exists().where(and_(
            models.Barrier.beneficiary_id == b.id, models.Barrier.type == f.barrier_type,
            models.Barrier.status.in_(open_statuses), models.Barrier.deleted_at.is_(None),
        )))
    key = {
        "name": b.sort_name,
        "age": b.birth_date,
        "commune": models.Commune.search_name if needs_commune else b.commune_insee,
        "stage": _STAGE_ORDER,
        "last_contact": b.last_contact,
    }[q.sort if q.sort in SORT_KEYS else "name"]
    # Age ascending means youngest first, i.e. the latest birth date first.
    descending = q.descending != (q.sort == "age")
    order = [key.desc() if descending else key.asc()]
    if q.sort != "name":
        order.append(b.sort_name.asc())
    # The listing index holds (sort_name, id): the id breaks ties, as the search index does.
    order.append(b.id.desc() if descending and q.sort == "name" else b.id.asc())
    return stmt.order_by(*order)


# Active, not deleted: the files the list shows by default. Its complement (archived or deleted
# files, few or none) is read from the listing index, not from the table; status is never NULL.
_HIDDEN = (
    "SELECT id FROM beneficiary WHERE status < ? "
    "UNION ALL SELECT id FROM beneficiary WHERE status > ? "
    "UNION ALL SELECT id FROM beneficiary WHERE status = ? AND deleted_at IS NOT NULL"
)
_HIDDEN_PARAMS = (FileStatus.ACTIVE.value,) * 3


def hidden_sql() -> tuple[str, tuple[Any, ...]]:
    """Whether any file is archived or deleted: when none is, the index needs no filtering (the
    check costs, row by row, as much as reading the rows)."""
    return f"SELECT EXISTS ({_HIDDEN})", _HIDDEN_PARAMS


def _index_sql(q: Query, tokens: list[str], limit: int | None, hidden: bool) -> tuple[str, tuple[Any, ...]]:
    """Active files matching every token, in name order, from the search index alone."""
    params: list[Any] = []

    def match(alias: str, token: str) -> tuple[str, bool]:
        key = prefix_key(token)
        if key is not None:
            params.append(key)
            return f"{alias}.token = ?", True
        params.extend((token, _upper_bound(token)))
        return f"{alias}.token >= ? AND {alias}.token < ?", False

    # The longest token drives (the fewest rows); the others are checked file by file.
    ordered = sorted(tokens, key=len, reverse=True)
    driver, exact = match("t", ordered[0])
    where = [driver]
    if hidden:
        where.append(f"t.beneficiary_id NOT IN ({_HIDDEN})")
        params.extend(_HIDDEN_PARAMS)
    for n, token in enumerate(ordered[1:], start=1):
        cond, _ = match(f"t{n}", token)
        where.append(f"EXISTS (SELECT 1 FROM beneficiary_token AS t{n} "
                     f"WHERE t{n}.beneficiary_id = t.beneficiary_id AND {cond})")
    direction = " DESC" if q.descending else ""
    # A prefix key's rows come in list order and once per file; a range of words needs both.
    group = "" if exact else " GROUP BY t.sort_name, t.beneficiary_id"
    sql = (f"SELECT t.beneficiary_id AS id FROM beneficiary_token AS t WHERE {' AND '.join(where)}{group} "
           f"ORDER BY t.sort_name{direction}, t.beneficiary_id{direction}")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return sql, tuple(params)


def _compiled(stmt: Select[str]) -> tuple[str, tuple[Any, ...]]:
    """SQL text and positional parameters of a statement (its parameters are plain strings and
    integers: no type conversion to apply)."""
    compiled = stmt.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    assert compiled.positiontup is not None  # SQLite's parameters are positional (qmark)
    return str(compiled), tuple(values[name] for name in compiled.positiontup)


def _from_index(q: Query) -> bool:
    return q.sort == "name" and q.filters == Filters()


def needs_hidden_check(q: Query) -> bool:
    return _from_index(q) and bool(query_tokens(q.text))


def ids_sql(q: Query, limit: int | None = None, hidden: bool = True) -> tuple[str, tuple[Any, ...]]:
    """The SQL (and its parameters) answering one row, one column: the matching ids in list
    order, joined by ``SEPARATOR`` (NULL for none); :func:`split_ids` reads it. ``hidden``:
    whether some files are archived or deleted (:func:`hidden_sql`, asked first when
    :func:`needs_hidden_check`). Public for the benchmarks, which run the very same SQL raw.

    The aggregate reads a subquery that is ordered and never flattened into it (SQLite does not
    flatten an ordered subquery under an aggregate), so the ids keep their order;
    ``tests/storage/test_search_index.py`` checks it on the SQLite versions in use."""
    tokens = query_tokens(q.text)
    if tokens and _from_index(q):
        inner, params = _index_sql(q, tokens, limit, hidden)
    else:
        stmt = _statement(q)
        if limit:
            stmt = stmt.limit(limit)
        inner, params = _compiled(stmt)
    return f"SELECT group_concat(id, '{SEPARATOR}') FROM ({inner})", params


def split_ids(packed: str | None) -> list[str]:
    return packed.split(SEPARATOR) if packed else []


def search_ids(ctx: Context, q: Query, limit: int | None = None) -> list[str]:
    # Plain SQL on the session's connection: at each key typed, SQLAlchemy's statement building
    # and compiling would cost as much as the query.
    with ctx.vault.session() as s:
        conn = s.connection()
        hidden = True
        if needs_hidden_check(q):
            hidden = bool(conn.exec_driver_sql(*hidden_sql()).scalar())
        return split_ids(conn.exec_driver_sql(*ids_sql(q, limit, hidden)).scalar())


@dataclass(frozen=True, slots=True)
class FileRow:
    """A file as the lists show it (the beneficiary list, the person pickers, ``conseiller search``)."""

    id: str
    last_name: str
    first_name: str
    age: int
    public: str
    public_label: str
    commune_name: str
    territory: str
    stage: str
    stage_label: str
    last_contact: date | None
    caf_number: str | None
    to_complete: bool
    status: str


ROW_FIELDS = tuple(f.name for f in fields(FileRow))
_ROWS = (
    "SELECT b.id, b.last_name, b.first_name, b.birth_date, b.public, c.name, c.territory, b.current_stage, "
    "b.last_contact, b.caf_number, b.to_complete, b.status "
    "FROM beneficiary AS b JOIN commune AS c ON c.insee = b.commune_insee WHERE b.id IN ({})"
)
_PUBLIC_LABELS = {p.value: p.label for p in Public}
_STAGE_LABELS = {s.value: s.label for s in Stage}


def rows_sql(ids: list[str]) -> tuple[str, tuple[Any, ...]]:
    """The SQL :func:`rows` runs, with its parameters (public for the benchmarks)."""
    return _ROWS.format(", ".join("?" * len(ids))), tuple(ids)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def rows(ctx: Context, ids: list[str]) -> dict[str, FileRow]:
    """The list columns of the given files, keyed by id (order is the caller's). Plain SQL too:
    a page of rows is asked for at every scroll step."""
    if not ids:
        return {}
    today: date = ctx.today()
    out = {}
    with ctx.vault.session() as s:
        for r in s.connection().exec_driver_sql(*rows_sql(ids)):
            birth = date.fromisoformat(r[3])  # NOT NULL
            out[r[0]] = FileRow(r[0], r[1], r[2], age_on(birth, today), r[4], _PUBLIC_LABELS[r[4]], r[5], r[6],
                                r[7], _STAGE_LABELS[r[7]], _day(r[8]), r[9], bool(r[10]), r[11])
    return out


def search(ctx: Context, text: str, limit: int = 50, filters: Filters | None = None) -> list[FileRow]:
    """Convenience for the CLI: the first ``limit`` matching rows in name order."""
    ids = search_ids(ctx, Query(text=text, filters=filters or Filters()), limit=limit)
    found = rows(ctx, ids)
    return [found[i] for i in ids if i in found]
