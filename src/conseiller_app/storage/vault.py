"""The vault: one encrypted SQLCipher database per conseiller profile, in a data folder.

Layout of a data folder::

    coffre.db            the encrypted database (+ coffre.db-wal / -shm while open)
    sauvegardes/         automatic encrypted backups (before migrations, restores)
    journaux/            technical logs (never any personal data)
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from conseiller_app.domain.errors import (
    AppError,
    IntegrityProblem,
    ReadOnlyStorage,
    StorageFull,
    ValidationError,
    VaultExists,
    VaultNotFound,
    WrongPassphrase,
)
from conseiller_app.domain.validation import check_passphrase
from conseiller_app.storage import cipher, journal, migrate
from conseiller_app.storage.fsutil import commit_file, fsync_dir, os_error, temp_path_beside
from conseiller_app.storage.lock import VaultLock
from conseiller_app.storage.paths import (  # noqa: F401 - LOG_DIR, VAULT_FILE, default_data_dir, vault_exists re-exported
    BACKUP_DIR,
    LOG_DIR,
    VAULT_FILE,
    default_data_dir,
    vault_exists,
    vault_path,
)

log = logging.getLogger(__name__)

# Setting written into a vault restored from a backup (its value: when); the sync layer gives the
# restored vault a new device identity the next time it needs one, then removes it.
RESTORED_SETTING = "restored_at"


@dataclass
class CheckReport:
    problems: list[str]
    audit_entries: int
    files: int

    @property
    def ok(self) -> bool:
        return not self.problems


def translate_db_error(exc: BaseException, where: Path | None = None) -> AppError | None:
    """Map a database exception to a user-actionable error, or None for a bug."""
    return cipher.translate_error(exc, where)


class Vault:
    """An open vault. Create with :meth:`create` or :meth:`open`; :meth:`close` when done."""

    def __init__(self, data_dir: Path, passphrase: str, first_connection: sqlcipher3.Connection | None = None,
                 lock: VaultLock | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.path = vault_path(self.data_dir)
        self._passphrase = passphrase
        # Held from open to close: no other process opens this vault meanwhile (storage.lock).
        self._vault_lock = lock
        self._lock = threading.RLock()
        # A connection already keyed and verified is reused by the pool (one key derivation less).
        self._spare = first_connection
        self.engine: Engine = self._make_engine()
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        journal.install(self.Session)

    # --- engine ------------------------------------------------------------------------------

    def _make_engine(self) -> Engine:
        path, passphrase = self.path, self._passphrase

        def creator() -> sqlcipher3.Connection:
            spare, self._spare = self._spare, None
            if spare is not None:
                return spare
            return cipher.connect(path, passphrase)

        engine = create_engine(
            "sqlite+pysqlite://",
            module=sqlcipher3,
            creator=creator,
            poolclass=SingletonThreadPool,
            hide_parameters=True,
        )

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # Proper transactions (the driver runs with isolation_level=None), IMMEDIATE: the write
            # lock is taken at the start, where the busy timeout applies, rather than at the first
            # write of a read-then-write, where SQLite fails at once with « database is locked »
            # (a deferred reader cannot wait for a writer without risking a deadlock). Sessions of
            # one process are serialised by ``_lock`` anyway, and other processes by the vault lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    # --- life cycle ----------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        data_dir: Path,
        passphrase: str,
        name: str,
        territory: str,
        office: str = "",
        *,
        check_policy: bool = True,
    ) -> Vault:
        """Create a new vault at head, with reference data and its owner's profile."""
        from conseiller_app.storage import reference as reference_loader
        from conseiller_app.storage.profile import create_owner

        data_dir = Path(data_dir)
        path = vault_path(data_dir)
        if path.exists():
            raise VaultExists("Un coffre existe déjà dans ce dossier : il n'a pas été modifié.")
        if check_policy:
            check_passphrase(passphrase, [name])
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc) from None
        lock = VaultLock(data_dir).acquire()
        try:
            if path.exists():
                raise VaultExists("Un coffre existe déjà dans ce dossier : il n'a pas été modifié.")
            conn = cipher.connect(path, passphrase, create=True)
            conn.close()
        except BaseException:
            lock.release()
            raise
        try:
            vault = cls(data_dir, passphrase, lock=lock)
            with vault.engine.begin() as c:
                migrate.upgrade(c)
            with vault.session() as s:
                reference_loader.load_shipped(s)
                create_owner(s, name=name, territory=territory, office=office)
            return vault
        except BaseException:
            with contextlib.suppress(Exception):  # cleaning up after the first failure, which is re-raised
                vault.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            lock.release()
            raise

    @classmethod
    def open(cls, data_dir: Path, passphrase: str, *, wait: float = 0.0) -> Vault:
        """Open an existing vault; back it up then upgrade it when its schema is older.

        Raises :class:`VaultBusy` when another process has it open (after waiting up to ``wait``
        seconds when that process is a command, which ends soon)."""
        data_dir = Path(data_dir)
        if not vault_path(data_dir).exists():
            raise VaultNotFound(
                "Aucun coffre dans ce dossier. Créez-en un avec « conseiller init » ou l'assistant de démarrage."
            )
        lock = VaultLock(data_dir).acquire(wait)
        try:
            _remove_leftovers(data_dir)
            probe = cipher.connect(vault_path(data_dir), passphrase)  # fails closed before anything else
        except BaseException:
            lock.release()
            raise
        vault = cls(data_dir, passphrase, first_connection=probe, lock=lock)
        try:
            try:
                with vault.engine.connect() as c:
                    outdated = migrate.needs_upgrade(c)
                if outdated:
                    vault.backup(vault.backup_dir() / f"avant-migration-{_stamp()}.db")
                    with vault.engine.begin() as c:
                        migrate.upgrade(c)
            except (OperationalError, DBAPIError, cipher.DatabaseError) as exc:
                known = translate_db_error(exc, data_dir)
                if known is None:
                    raise
                raise known from None
        except BaseException:
            vault.close()
            raise
        return vault

    def close(self) -> None:
        """Close every connection (pending WAL content is checkpointed by SQLite), then let
        other processes open the vault."""
        self._dispose()
        if self._vault_lock is not None:
            self._vault_lock.release()

    def _dispose(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()
        self.engine.dispose()

    def backup_dir(self) -> Path:
        return self.data_dir / BACKUP_DIR

    # --- sessions ------------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        with self._lock:
            s = self.Session()
            try:
                yield s
                s.commit()
            except (OperationalError, DBAPIError) as exc:
                s.rollback()
                known = translate_db_error(exc, self.data_dir)
                if known is not None:
                    raise known from None
                raise
            except BaseException:
                s.rollback()
                raise
            finally:
                s.close()

    @contextmanager
    def raw(self) -> Iterator[sqlcipher3.Connection]:
        """The DBAPI connection of this thread (for maintenance pragmas)."""
        with self._lock, self.engine.connect() as c:
            yield c.connection.dbapi_connection

    # --- maintenance ---------------------------------------------------------------------------

    def checkpoint(self) -> None:
        with self.raw() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def check(self) -> CheckReport:
        """Cipher integrity (every page's HMAC) after a checkpoint, then SQLite's own checks."""
        problems: list[str] = []
        try:
            with self.raw() as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                bad_pages = conn.execute("PRAGMA cipher_integrity_check").fetchall()
                if bad_pages:
                    problems.append(f"{len(bad_pages)} page(s) chiffrée(s) altérée(s) dans le fichier du coffre.")
                rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
                if rows != ["ok"]:
                    problems.append(f"Structure de la base incohérente ({len(rows)} anomalie(s)).")
                fk = conn.execute("PRAGMA foreign_key_check").fetchall()
                if fk:
                    problems.append(f"{len(fk)} référence(s) brisée(s) entre enregistrements.")
        except (cipher.DatabaseError, DBAPIError) as exc:
            known = translate_db_error(exc, self.data_dir)
            if isinstance(known, (StorageFull, ReadOnlyStorage)):
                raise known from None  # the disk, not the vault: the check could not run
            problems.append(known.message if known else "Lecture du coffre impossible.")
            return CheckReport(problems, 0, 0)
        with self.session() as s:
            broken, count = journal.verify_audit_chain(s)
            if broken is not None:
                problems.append(f"Le journal d'audit a été altéré (entrée n°{broken}).")
            from conseiller_app.storage.models import Beneficiary

            files = s.scalar(select(text("count(*)")).select_from(Beneficiary)) or 0
        return CheckReport(problems, count, files)

    def backup(self, out: Path) -> Path:
        """Write an encrypted backup (same passphrase) atomically to ``out``."""
        out = Path(out)
        if out.resolve() == self.path.resolve():
            raise VaultExists("La sauvegarde ne peut pas remplacer le coffre lui-même.")
        if out.is_dir():
            raise ValidationError("out", "c'est un dossier : indiquez le nom du fichier de sauvegarde à écrire "
                                         "(ex. dossier/sauvegarde.db).", "Sauvegarde")
        inside = _is_within(out, self.data_dir)
        if inside and not _is_within(out, self.backup_dir()):
            # The application's own files live there (the vault, its -wal, temporary copies that
            # the next open removes): a backup written among them can be lost without a word.
            raise ValidationError("out", "pas dans le dossier du coffre (hors de son sous-dossier « sauvegardes ») : "
                                         "choisissez un autre emplacement, de préférence un autre support.",
                                  "Sauvegarde")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_beside(out, ".db")
        tmp.unlink()  # ATTACH must create it encrypted
        try:
            with self.raw() as conn:
                cipher.export_copy(conn, tmp, self._passphrase)
            commit_file(tmp, out)
        except cipher.DatabaseError as exc:
            _cleanup(tmp)
            known = translate_db_error(exc, self.data_dir)
            raise (known or IntegrityProblem("La sauvegarde a échoué.")) from None
        except OSError as exc:
            _cleanup(tmp)
            if exc.errno == 28:
                raise StorageFull() from None
            raise
        except BaseException:
            _cleanup(tmp)
            raise
        return out

    def rekey(self, new_passphrase: str, *, check_policy: bool = True) -> None:
        """Change the passphrase atomically: a re-encrypted copy replaces the file in one rename.

        Afterwards only the new passphrase opens the vault (the -wal is checkpointed first, so no
        page encrypted with the old key remains beside the new file).
        """
        if check_policy:
            check_passphrase(new_passphrase)
        tmp = temp_path_beside(self.path, ".db")
        tmp.unlink()
        try:
            with self.raw() as conn:
                cipher.export_copy(conn, tmp, new_passphrase)
            cipher.connect(tmp, new_passphrase).close()  # the copy opens with the new key
            _cleanup(Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm"))
            self._dispose()  # the vault lock stays held: nobody opens the file while it is replaced
            for suffix in ("-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            commit_file(tmp, self.path)
        except BaseException:
            _cleanup(tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm"))
            raise
        self._passphrase = new_passphrase
        self.engine = self._make_engine()
        self.Session.configure(bind=self.engine)

    @classmethod
    def restore(cls, data_dir: Path, source: Path, passphrase: str) -> Path | None:
        """Replace the vault by a backup that opens with ``passphrase`` and passes the checks.

        The replaced vault, if any, is kept in ``sauvegardes/`` (nothing is ever lost). Returns
        the path where the previous vault was kept.
        """
        data_dir = Path(data_dir)
        source = Path(source)
        if not source.is_file():
            raise VaultNotFound("Le fichier de sauvegarde est introuvable.")
        if vault_path(data_dir).exists() and source.resolve() == vault_path(data_dir).resolve():
            raise VaultExists("Ce fichier est le coffre lui-même, pas une sauvegarde : rien n'a été modifié. "
                              "Indiquez un fichier du dossier « sauvegardes » ou une sauvegarde écrite par « backup ».")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc) from None
        lock = VaultLock(data_dir).acquire()
        try:
            return cls._restore_locked(data_dir, source, passphrase)
        finally:
            lock.release()

    @classmethod
    def _restore_locked(cls, data_dir: Path, source: Path, passphrase: str) -> Path | None:
        try:
            cipher.refuse_plaintext(source)
        except (IntegrityProblem, VaultNotFound):
            raise IntegrityProblem("Ce fichier n'est pas une sauvegarde de coffre valide.") from None
        target = vault_path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        staged = temp_path_beside(target, ".db")
        try:
            shutil.copyfile(source, staged)
            try:
                conn = cipher.connect(staged, passphrase)
            except WrongPassphrase:
                raise WrongPassphrase(
                    "Cette sauvegarde ne s'ouvre pas avec cette phrase de passe (ou ce n'est pas une sauvegarde valide)."
                ) from None
            try:
                bad = conn.execute("PRAGMA cipher_integrity_check").fetchall()
                ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                has_schema = conn.execute(
                    "SELECT count(*) FROM sqlite_schema WHERE name IN ('alembic_version', 'beneficiary')"
                ).fetchone()[0] == 2
                if not bad and ok and has_schema:
                    # The restored vault went back in time: what it sends from now on must not pass
                    # for the continuation of what the lost one sent (see sync.device).
                    conn.execute("INSERT INTO setting (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                 (RESTORED_SETTING, datetime.now(UTC).isoformat(timespec="seconds")))
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                conn.close()
            if bad or not ok or not has_schema:
                raise IntegrityProblem("Ce fichier n'est pas une sauvegarde de coffre valide (contrôle d'intégrité en échec).")
            kept = None
            if target.exists():
                kept = data_dir / BACKUP_DIR / f"avant-restauration-{_stamp()}.db"
                kept.parent.mkdir(parents=True, exist_ok=True)
                old = cipher.connect(target, passphrase) if _opens(target, passphrase) else None
                if old is not None:
                    old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    old.close()
                os.replace(target, kept)
                # A vault that could not be checkpointed keeps its WAL beside the kept copy.
                for suffix in ("-wal", "-shm"):
                    side = Path(str(target) + suffix)
                    if side.exists():
                        os.replace(side, Path(str(kept) + suffix))
                fsync_dir(kept.parent)
            commit_file(staged, target)
            return kept
        except cipher.DatabaseError:
            raise IntegrityProblem("Ce fichier n'est pas une sauvegarde de coffre valide.") from None
        finally:
            _cleanup(staged, Path(str(staged) + "-wal"), Path(str(staged) + "-shm"))


def _is_within(path: Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def _remove_leftovers(data_dir: Path) -> None:
    """Temporary copies a killed ``rekey``, ``restore`` or migration backup left in the data folder
    (``.tmp-*.db``: a full encrypted copy each). Called with the vault lock held, so no other
    process is writing one."""
    for leftover in data_dir.glob(".tmp-*.db*"):
        _cleanup(leftover)


def _opens(path: Path, passphrase: str) -> bool:
    try:
        cipher.connect(path, passphrase).close()
        return True
    except AppError:
        return False


def _cleanup(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            Path(p).unlink(missing_ok=True)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S-%f")
