"""Raw SQLCipher connections that fail closed: key first, a read proves it, settings asserted."""

from __future__ import annotations

import os
from pathlib import Path

import sqlcipher3

from conseiller_app import APP_NAME
from conseiller_app.domain.errors import (
    AppError,
    IntegrityProblem,
    ReadOnlyStorage,
    StorageFull,
    VaultNotFound,
    WrongPassphrase,
)
from conseiller_app.storage.fsutil import os_error

APPLICATION_ID = 0x50474331  # "PGC1": marks a Parcours Grands Chantiers vault
PLAINTEXT_HEADER = b"SQLite format 3\x00"
EXPECTED_SETTINGS = {
    "cipher_page_size": "4096",
    "kdf_iter": "256000",
    "cipher_hmac_algorithm": "HMAC_SHA512",
    "cipher_kdf_algorithm": "PBKDF2_HMAC_SHA512",
}
DatabaseError = sqlcipher3.DatabaseError
# SQLite's page cache holds pages decrypted: a page read again costs nothing, a page missing
# costs its decryption and HMAC check. 32 MiB keeps the hot part of a 60,000-file vault (search
# index, listing, what the dashboard reads) decrypted once read; the default (8 MiB) made the
# search decrypt the same pages again and again and the list come 2x later after unlocking.
# It fills as pages are read; the application open on that vault then holds ~270 MB resident
# (~215 MB with 8 MiB; over the 300 MB aim with 64 MiB).
CACHE_KIB = 32768


DAMAGED = ("Le coffre est endommagé : une page du fichier ne peut pas être déchiffrée ou vérifiée. "
           "Restaurez une sauvegarde (commande « restore »).")


# Below this, a « disk I/O error » is taken for a full disk: SQLite reports the shared-memory file
# it cannot grow on a full disk as SQLITE_IOERR, not SQLITE_FULL.
NEARLY_FULL_BYTES = 1 << 20


def translate_error(exc: BaseException, where: Path | None = None) -> AppError | None:
    """A SQLite/SQLCipher error the user can act on, or None (a bug). SQLite's messages tell a
    full disk, a read-only medium and a damaged file apart: none of them is a wrong passphrase.
    ``where``: a path on the vault's disk, to tell a full disk behind an I/O error."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        exc = orig
    if isinstance(exc, OSError):
        known = os_error(exc)
        return known if isinstance(known, AppError) else None
    msg = str(exc).lower()
    if "disk is full" in msg:
        return StorageFull()
    if "readonly" in msg or "read-only" in msg or "unable to open database file" in msg:
        return ReadOnlyStorage()
    if "disk i/o error" in msg:
        if where is not None and _free_bytes(where) < NEARLY_FULL_BYTES:
            return StorageFull()
        return IntegrityProblem("Le disque n'a pas pu lire ou écrire le fichier du coffre (erreur d'entrée-sortie) : "
                                "vérifiez le support, puis lancez « conseiller check ».")
    if any(s in msg for s in ("malformed", "not a database", "hmac", "corrupt")):
        return IntegrityProblem(DAMAGED)
    return None


def _free_bytes(path: Path) -> int:
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):  # AttributeError: Windows
        import shutil

        try:
            return shutil.disk_usage(path).free
        except OSError:
            return NEARLY_FULL_BYTES
    return st.f_bavail * st.f_frsize


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _apply_key(conn: sqlcipher3.Connection, passphrase: str) -> None:
    if not passphrase:
        raise WrongPassphrase("La phrase de passe est vide.")
    if "\x00" in passphrase:
        raise WrongPassphrase("La phrase de passe contient un caractère invalide.")
    # SQLCipher logs to stderr by default; keep it quiet before anything else happens.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {quote_literal(passphrase)}")


def assert_cipher_settings(conn: sqlcipher3.Connection) -> None:
    version = conn.execute("PRAGMA cipher_version").fetchone()
    if not version or not version[0]:
        raise IntegrityProblem("La bibliothèque de chiffrement SQLCipher est absente : ouverture refusée.")
    for pragma, expected in EXPECTED_SETTINGS.items():
        row = conn.execute(f"PRAGMA {pragma}").fetchone()
        if not row or str(row[0]) != expected:
            raise IntegrityProblem("Les réglages de chiffrement du coffre ne sont pas ceux attendus : ouverture refusée.")


def refuse_plaintext(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        raise VaultNotFound("Aucun coffre n'existe à cet emplacement.") from None
    if head == PLAINTEXT_HEADER:
        raise IntegrityProblem("Ce fichier est une base de données non chiffrée : l'application refuse de l'ouvrir.")


def configure(conn: sqlcipher3.Connection) -> None:
    """Session pragmas of every vault connection."""
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise IntegrityProblem("Le coffre n'a pas pu passer en mode journalisé (WAL).")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 5000")


def connect(path: Path, passphrase: str, *, create: bool = False) -> sqlcipher3.Connection:
    """Open (or, with ``create``, make) an encrypted vault file; raise a French error otherwise.

    Never creates a file unless asked; never opens a plaintext database.
    """
    path = Path(path)
    if create:
        if path.exists() and path.stat().st_size > 0:
            raise IntegrityProblem("Un fichier existe déjà à cet emplacement : création refusée.")
    else:
        refuse_plaintext(path)
        if path.stat().st_size == 0:
            raise IntegrityProblem("Le fichier du coffre est vide : il a été tronqué ou n'a jamais été créé.")
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _apply_key(conn, passphrase)
        assert_cipher_settings(conn)
        try:
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        except DatabaseError as exc:
            # SQLite tells these apart: a full disk, a read-only medium, a damaged or truncated file
            # read with the right key (SQLITE_CORRUPT) are not a wrong passphrase. A first page
            # that does not authenticate (SQLITE_NOTADB) is a wrong passphrase or a damaged header.
            known = translate_error(exc, path)
            if known is not None and getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB":
                raise known from None
            if not create and _first_page_opens(path, passphrase):
                raise IntegrityProblem(DAMAGED) from None
            raise WrongPassphrase() from None
        if create:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        else:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise IntegrityProblem(f"Ce fichier n'est pas un coffre {APP_NAME}.")
        configure(conn)
        return conn
    except DatabaseError as exc:
        conn.close()
        known = translate_error(exc, path)
        if isinstance(known, (StorageFull, ReadOnlyStorage)):
            raise known from None
        raise IntegrityProblem(
            "Le coffre est endommagé et n'a pas pu être lu. Restaurez une sauvegarde (commande « restore »)."
        ) from exc
    except BaseException:
        conn.close()
        raise


def _first_page_opens(path: Path, passphrase: str) -> bool:
    """Whether the first page decrypts and authenticates with this passphrase (the header alone
    is read: ``PRAGMA application_id`` does not load the schema). When it does, the passphrase is
    right and a later page is damaged; when it does not, the passphrase is wrong (or the first
    page is damaged: the two cannot be told apart)."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _apply_key(conn, passphrase)
        return bool(conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID)  # sqlcipher3: untyped
    except DatabaseError:
        return False
    finally:
        conn.close()


def export_copy(conn: sqlcipher3.Connection, target: Path, passphrase: str) -> None:
    """Write an encrypted copy of the open database to ``target`` (which must not exist)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"ATTACH DATABASE {quote_literal(str(target))} AS export_copy KEY {quote_literal(passphrase)}")
    try:
        conn.execute("SELECT sqlcipher_export('export_copy')")
        conn.execute(f"PRAGMA export_copy.user_version = {int(user_version)}")
        conn.execute(f"PRAGMA export_copy.application_id = {APPLICATION_ID}")
    finally:
        conn.execute("DETACH DATABASE export_copy")
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
