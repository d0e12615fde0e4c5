"""Opening the central office's database: SQLite (default) or PostgreSQL, schema version check,
and write transactions serialised across processes.

SQLite: one writer at a time, whatever it does. PostgreSQL: the writer lock is a reader-writer
lock. Publications, resolutions, approvals and every other write hold it alone (exclusive);
ingests share it (:meth:`CentralDB.ingest`), so that devices' uploads are written side by side.
Ingests exclude each other only where they meet: one device's bundles one at a time (a lock per
device: its sequence, audit chain and versions), and a record's versions, state and conflicts
one ingest at a time (its ``record`` row locked, see ``merge.lock_records``). A deadlock or a
duplicate key between two ingests (two devices creating the same record, two bundles claiming
one id) rolls one of them back: :class:`Contention`, and the ingest is tried again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, make_url, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, DBAPIError, NoSuchModuleError, OperationalError

from conseiller_app.central.models import SCHEMA_VERSION, CentralBase, Meta
from conseiller_app.domain.errors import AppError, IntegrityProblem, UsageError

_LOCK_KEY = 7_274_821_130  # pg_advisory_xact_lock key of the central office's writers
# pg_advisory_xact_lock(class, key) of one device's ingests (the two-integer keys are a space apart
# from the one-bigint key above); key: hashtext(device id) (two devices sharing it only wait).
_DEVICE_LOCK_CLASS = 72_748
# PostgreSQL errors after which a whole ingest is tried again: deadlock, serialization failure,
# unique violation (another ingest committed the same new row first).
_RETRY_SQLSTATES = frozenset({"40P01", "40001", "23505"})


class Contention(Exception):
    """An ingest rolled back because another one got there first (PostgreSQL): try it again."""


class DatabaseUnavailable(AppError):
    exit_code = 1


def normalise_url(url: str) -> str:
    """A URL, or a plain file path meaning a SQLite database."""
    if "://" not in url:
        return "sqlite:///" + str(Path(url).expanduser().resolve())
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    unsupported = UsageError("Base de données non prise en charge : utilisez un fichier SQLite ou "
                             "postgresql+psycopg://…")
    try:
        if make_url(url).get_backend_name() not in ("sqlite", "postgresql"):
            raise unsupported
        engine = create_engine(url, hide_parameters=True, pool_pre_ping=url.startswith("postgresql"))
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise unsupported from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:  # the sqlite3 driver's connection
            dbapi_conn.isolation_level = None  # transactions are begun below
            cur = dbapi_conn.cursor()
            # cache_size: up to 64 MiB of pages (default 2 MiB), so that an ingest's index lookups and
            # inserts into tables of tens of thousands of versions stay in memory.
            for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = FULL", "busy_timeout = 60000",
                           "cache_size = -65536"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:  # a writer lock from the start: one writer at a time
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


class CentralDB:
    """An open central office database."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction, holding the central office's writer lock."""
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
                yield conn
        except OperationalError as exc:
            raise _unavailable(exc) from None

    @contextmanager
    def ingest(self, device_id: str) -> Iterator[Connection]:
        """One ingest's transaction. SQLite: as :meth:`write`. PostgreSQL: the writer lock shared
        with the other ingests, then this device's own lock (see the module's documentation);
        raises :class:`Contention` when it must be tried again."""
        if self.dialect != "postgresql":
            with self.write() as conn:
                yield conn
            return
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({_LOCK_KEY}), "
                                     f"pg_advisory_xact_lock({_DEVICE_LOCK_CLASS}, hashtext(%(d)s))", {"d": device_id})
                yield conn
        except Exception as exc:
            # SQLAlchemy's errors wrap the driver's; ingests also use the driver's cursor (bulk).
            driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
            if getattr(driver_error, "sqlstate", None) in _RETRY_SQLSTATES:
                raise Contention() from exc
            if isinstance(exc, OperationalError):
                raise _unavailable(exc) from None
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One transaction for reading (PostgreSQL: without the writer lock; SQLite takes it anyway)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            raise _unavailable(exc) from None

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, or None (PostgreSQL, in-memory)."""
        database = self.engine.url.database
        if self.dialect == "sqlite" and database and database != ":memory:":
            return Path(database)
        return None

    def initialised(self) -> bool:
        try:
            return inspect(self.engine).has_table(Meta.__tablename__)
        except OperationalError as exc:
            raise _unavailable(exc) from None
        except DatabaseError:
            raise _not_central() from None

    def ensure_folder(self) -> None:
        """For a SQLite file, create its folder (0700) and the empty file (0600) that SQLite will
        fill (``init`` only: other commands never create a base). The file holds personal data in
        clear: only its owner may read it (SQLite gives its -wal and -shm the same mode)."""
        path = self.sqlite_file
        if path is None:
            return
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def exposure(self) -> list[str]:
        """Warnings on how the SQLite file is protected (empty for PostgreSQL): it is never
        encrypted, and group or other users may be able to read it."""
        path = self.sqlite_file
        if path is None:
            return []
        warnings = [("la base SQLite du siège n'est pas chiffrée : elle contient des données personnelles en clair. "
                     "Gardez-la sur un disque chiffré, ou passez à PostgreSQL sur un stockage chiffré (voir le README).")]
        for what, target, mode in (("le fichier", path, 0o600), ("le dossier", path.parent, 0o700)):
            try:
                current = stat.S_IMODE(target.stat().st_mode)
            except OSError:
                continue
            if os.name == "posix" and current & 0o077:
                warnings.append(f"{what} {target} est lisible par d'autres utilisateurs de la machine "
                                f"(droits {current:o}) : « chmod {mode:o} {target} ».")
        return warnings

    def create(self, meta: dict[str, str]) -> None:
        if self.initialised():
            raise UsageError("Cette base du siège est déjà initialisée : elle n'a pas été modifiée.")
        with self.write() as conn:
            CentralBase.metadata.create_all(conn)
            conn.execute(Meta.__table__.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)}]
                         + [{"key": k, "value": v} for k, v in meta.items()])

    def check(self) -> dict[str, str]:
        """The meta facts of an initialised database at this application's schema version."""
        path = self.sqlite_file
        if path is not None and not path.is_file():
            # Never create a file for a mistyped --db (SQLite would, empty).
            raise UsageError(f"Base du siège introuvable : {path} (vérifiez --db ; « conseiller-central init » "
                             "crée une base). Rien n'a été créé.")
        if not self.initialised():
            raise UsageError("Base du siège non initialisée : lancez d'abord « conseiller-central init ».")
        try:
            with self.engine.connect() as conn:
                meta = dict(conn.execute(select(Meta.key, Meta.value)).all())
        except DatabaseError:
            raise _not_central() from None
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise IntegrityProblem("Cette base du siège a été créée par une version plus récente de l'application : "
                                   "mettez l'application à jour.")
        if version < SCHEMA_VERSION:  # pragma: no cover - no older schema exists yet
            raise IntegrityProblem("Cette base du siège doit être migrée avant usage.")
        self._add_missing_tables()
        return meta

    def _add_missing_tables(self) -> None:
        """Tables added to schema 1 by the service (users, sessions, nonces…) are created in a base
        made before them: only new tables, never a change to an existing one."""
        existing = set(inspect(self.engine).get_table_names())
        if all(t in existing for t in CentralBase.metadata.tables):
            return
        with self.write() as conn:
            CentralBase.metadata.create_all(conn, checkfirst=True)


def _not_central() -> AppError:
    return UsageError("Ce fichier n'est pas une base du siège (ni une base SQLite lisible ; un coffre de conseiller, "
                      "chiffré, n'en est pas une) : vérifiez --db. Rien n'a été modifié.")


def _unavailable(exc: OperationalError) -> AppError:
    text = str(getattr(exc, "orig", exc)).lower()
    if "database is locked" in text:
        return DatabaseUnavailable("La base du siège est occupée par une autre opération : réessayez dans un instant.")
    return DatabaseUnavailable("La base de données du siège est injoignable ou illisible "
                               "(vérifiez l'adresse --db et que le serveur fonctionne).")


def open_db(url: str) -> tuple[CentralDB, dict[str, str]]:
    db = CentralDB(url)
    try:
        return db, db.check()
    except BaseException:
        db.close()
        raise
