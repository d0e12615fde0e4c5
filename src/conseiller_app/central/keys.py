"""The central office's key folder, created once by ``conseiller-central init``::

    siege-age.key            age X25519 identity (secret; ``age -d -i siege-age.key paquet.age``)
    siege-signature.key      Ed25519 signing key (secret)
    inscription-siege.json   enrollment file for the devices: public halves, name, fingerprint

Secret files are written with mode 0600 in a 0700 folder. Keep the folder on an encrypted disk
and back it up: losing it means the devices must enroll again.

With a key passphrase (``init --protect-keys`` or ``keys protect``), both secret files are age
files encrypted with that passphrase (scrypt), as ``age -p`` writes them: every command that
needs the keys asks for it, and ``age -d -i siege-age.key paquet.age`` still works (age asks for
the passphrase of an encrypted identity file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from conseiller_app.domain.errors import IntegrityProblem, UsageError, WrongPassphrase
from conseiller_app.domain.validation import check_passphrase
from conseiller_app.storage.fsutil import write_bytes_atomic
from conseiller_app.sync import crypto
from conseiller_app.sync.enrollment import ENROLLMENT_FILE, CentralPublic, write_enrollment

AGE_FILE = "siege-age.key"
SIGNING_FILE = "siege-signature.key"


@dataclass(frozen=True)
class CentralKeys:
    name: str
    age_identity: str
    signing_key: str

    @property
    def recipient(self) -> str:
        return crypto.age_recipient(self.age_identity)

    @property
    def signing_public(self) -> str:
        return crypto.public_signing_key(self.signing_key)

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self.recipient, self.signing_public)

    def public(self, *, demo: bool = False) -> CentralPublic:
        return CentralPublic(self.name, self.recipient, self.signing_public, self.fingerprint, demo=demo)


KEY_PASSPHRASE_ENV = "CONSEILLER_CENTRAL_KEY_PASSPHRASE"


class KeysLocked(UsageError):
    def __init__(self) -> None:
        super().__init__("Les clés du siège sont protégées par une phrase de passe : donnez-la avec "
                         f"--key-passphrase-file FICHIER ou la variable {KEY_PASSPHRASE_ENV}.")


def _secret_files(folder: Path, keys: CentralKeys) -> dict[Path, bytes]:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return {
        folder / AGE_FILE: f"# created: {stamp}\n# public key: {keys.recipient}\n{keys.age_identity}\n".encode("ascii"),
        folder / SIGNING_FILE: (f"# Clé de signature Ed25519 du siège ({keys.name}) : secrète.\n"
                                f"{keys.signing_key}\n").encode(),
    }


def _write_secrets(folder: Path, keys: CentralKeys, passphrase: str | None) -> None:
    for path, content in _secret_files(folder, keys).items():
        write_bytes_atomic(path, crypto.passphrase_encrypt(content, passphrase) if passphrase else content)


def create_keys(folder: Path, name: str, passphrase: str | None = None, *, demo: bool = False) -> CentralKeys:
    folder = Path(folder)
    if (folder / AGE_FILE).exists() or (folder / SIGNING_FILE).exists():
        raise UsageError(f"Des clés du siège existent déjà dans {folder} : elles n'ont pas été remplacées.")
    if passphrase is not None:
        check_passphrase(passphrase, [name])
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    keys = CentralKeys(name=name, age_identity=crypto.new_age_identity(), signing_key=crypto.new_signing_key())
    _write_secrets(folder, keys, passphrase)
    write_enrollment(folder / ENROLLMENT_FILE, keys.public(demo=demo))
    return keys


def keys_protected(folder: Path) -> bool:
    try:
        with open(Path(folder) / AGE_FILE, "rb") as fh:
            return fh.read(len(crypto.AGE_MAGIC)) == crypto.AGE_MAGIC
    except OSError:
        return False


def _secret_line(path: Path, prefix: str = "", passphrase: str | None = None) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"Clé du siège introuvable : {path} (option --keys).") from None
    except OSError:
        raise IntegrityProblem(f"Clé du siège illisible : {path}") from None
    if raw.startswith(crypto.AGE_MAGIC):
        if passphrase is None:
            raise KeysLocked()
        opened = crypto.passphrase_decrypt(raw, passphrase)
        if opened is None:
            raise WrongPassphrase("Phrase de passe des clés du siège incorrecte : rien n'a été fait.")
        raw = opened
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise IntegrityProblem(f"Clé du siège illisible : {path}") from None
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#") and line.startswith(prefix):
            return line
    raise IntegrityProblem(f"Clé du siège illisible : {path}")


def load_keys(folder: Path, expected_fingerprint: str | None = None, passphrase: str | None = None) -> CentralKeys:
    folder = Path(folder)
    age_identity = _secret_line(folder / AGE_FILE, "AGE-SECRET-KEY-", passphrase)
    signing = _secret_line(folder / SIGNING_FILE, "", passphrase)
    try:
        keys = CentralKeys(name="", age_identity=age_identity, signing_key=signing)
        fp = keys.fingerprint
    except Exception:  # noqa: BLE001 - pyrage/cryptography raise their own types for bad keys
        raise IntegrityProblem(f"Clés du siège illisibles dans {folder}.") from None
    if expected_fingerprint and fp != expected_fingerprint:
        raise IntegrityProblem("Ces clés ne sont pas celles de cette base du siège (empreintes différentes).")
    return keys


def protect_keys(folder: Path, name: str, new_passphrase: str, old_passphrase: str | None = None) -> CentralKeys:
    """Encrypt the secret files with ``new_passphrase`` (or change it). Each file is replaced
    atomically, then the keys are read back with the new passphrase and compared."""
    folder = Path(folder)
    check_passphrase(new_passphrase, [name])
    keys = load_keys(folder, passphrase=old_passphrase)
    keys = CentralKeys(name=name, age_identity=keys.age_identity, signing_key=keys.signing_key)
    _write_secrets(folder, keys, new_passphrase)
    if load_keys(folder, keys.fingerprint, new_passphrase).fingerprint != keys.fingerprint:  # pragma: no cover
        raise IntegrityProblem("Les clés relues ne sont pas celles écrites.")
    return keys
