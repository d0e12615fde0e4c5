"""The central office: an open database with its keys, limits and clock. Created by :func:`init`,
opened by :func:`open_central`; the operations live in ``ingest``, ``devices``, ``conflicts``,
``publish``, ``reference`` and ``status``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conseiller_app.central.db import CentralDB, open_db
from conseiller_app.central.keys import CentralKeys, create_keys, load_keys
from conseiller_app.domain.errors import UsageError
from conseiller_app.sync.enrollment import ENROLLMENT_FILE
from conseiller_app.sync.format import DEFAULT_LIMITS, Limits

DEFAULT_NAME = "Mission Insertion par l'Emploi — Département du Pas-de-Calais"
DEMO_NAME = "Siège de formation (données fictives)"
DEMO_META = "demo"  # "1" in a training central office's meta table, set once by init


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Central:
    db: CentralDB
    meta: dict[str, str]
    keys: CentralKeys | None = None
    limits: Limits = DEFAULT_LIMITS
    now: Callable[[], datetime] = field(default=utcnow)
    #: Computed data kept between calls while the data does not change (``central.indicators``).
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.meta.get("name", "")

    @property
    def fingerprint(self) -> str:
        return self.meta["fingerprint"]

    @property
    def demo(self) -> bool:
        """A training central office (``init --demo``): it takes only demo vaults' bundles."""
        return self.meta.get(DEMO_META) == "1"

    def require_keys(self) -> CentralKeys:
        if self.keys is None:
            raise UsageError("Cette commande a besoin des clés du siège : indiquez leur dossier avec --keys.")
        return self.keys

    def close(self) -> None:
        self.db.close()


def init(url: str, keys_dir: Path, name: str = DEFAULT_NAME, *, existing_keys: bool = False,
         limits: Limits = DEFAULT_LIMITS, key_passphrase: str | None = None, demo: bool = False) -> Central:
    """Create the keys (or reuse existing ones: a new database for the same central office, e.g.
    when moving from SQLite to PostgreSQL), the database and the first reference release.

    ``demo``: a training central office, for fictitious data only. The mark is kept in the
    database (and in the enrollment file): it takes only demo vaults' bundles, and a real central
    office refuses them."""
    from conseiller_app.central import reference
    from conseiller_app.sync.enrollment import read_enrollment

    db = CentralDB(url)
    try:
        db.ensure_folder()
        if db.initialised():
            raise UsageError("Cette base du siège est déjà initialisée : elle n'a pas été modifiée.")
        if existing_keys:
            keys = load_keys(Path(keys_dir), passphrase=key_passphrase)
            enrollment = enrollment_path(keys_dir)
            if enrollment.exists() and read_enrollment(enrollment).demo != demo:
                raise UsageError("Ces clés sont celles d'un siège de formation (données fictives) : un siège réel a "
                                 "ses propres clés. Rien n'a été créé." if not demo else
                                 "Ces clés sont celles d'un siège réel : un siège de formation a ses propres clés "
                                 "(autre dossier --keys). Rien n'a été créé.")
        else:
            keys = create_keys(Path(keys_dir), name, key_passphrase, demo=demo)
        keys = CentralKeys(name=name, age_identity=keys.age_identity, signing_key=keys.signing_key)
        meta = {"name": name, "fingerprint": keys.fingerprint, "created_at": utcnow().isoformat(timespec="seconds")}
        if demo:
            meta[DEMO_META] = "1"
        db.create(meta)
        central = Central(db=db, meta=db.check(), keys=keys, limits=limits)
        reference.load_shipped(central)
        return central
    except BaseException:
        db.close()
        raise


def open_central(url: str, keys_dir: Path | None = None, *, limits: Limits = DEFAULT_LIMITS,
                 now: Callable[[], datetime] = utcnow, key_passphrase: str | None = None) -> Central:
    db, meta = open_db(url)
    try:
        keys = None
        if keys_dir is not None:
            loaded = load_keys(Path(keys_dir), meta.get("fingerprint"), key_passphrase)
            keys = CentralKeys(name=meta.get("name", ""), age_identity=loaded.age_identity,
                               signing_key=loaded.signing_key)
        return Central(db=db, meta=meta, keys=keys, limits=limits, now=now)
    except BaseException:
        db.close()
        raise


def enrollment_path(keys_dir: Path) -> Path:
    return Path(keys_dir) / ENROLLMENT_FILE


def set_service_address(keys_dir: Path, url: str | None, ca_file: Path | None = None) -> Path:
    """Rewrite the enrollment file of an existing central office with the service's address (and
    the CA certificate to verify it with, if any); the keys it carries are unchanged."""
    from dataclasses import replace

    from conseiller_app.sync.enrollment import read_enrollment, valid_url, write_enrollment

    path = enrollment_path(keys_dir)
    current = read_enrollment(path)
    if url is not None and not valid_url(url):
        raise UsageError("Adresse du service invalide : https://hote[:port] (http:// seulement pour 127.0.0.1).")
    ca = None
    if ca_file is not None:
        try:
            ca = Path(ca_file).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"Certificat illisible : {ca_file}") from None
        if "-----BEGIN CERTIFICATE-----" not in ca or len(ca) > 32 * 1024:
            raise UsageError(f"Ce fichier n'est pas un certificat PEM : {ca_file}")
    write_enrollment(path, replace(current, url=url.rstrip("/") if url else None, ca_certificate=ca))
    return path
