"""The central office's key folder, created once by ``conseiller-central init``::

    siege-age.key            age X25519 identity (secret; ``age -d -i siege-age.key paquet.age``)
    siege-signature.key      Ed25519 signing key (secret)
    inscription-siege.json   enrollment file for the devices: public halves, name, fingerprint

Secret files are written with mode 0600 in a 0700 folder. Keep the folder on an encrypted disk
and back it up: losing it means the devices must enroll again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from conseiller_app.domain.errors import IntegrityProblem, UsageError
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

    def public(self) -> CentralPublic:
        return CentralPublic(self.name, self.recipient, self.signing_public, self.fingerprint)


def create_keys(folder: Path, name: str) -> CentralKeys:
    folder = Path(folder)
    if (folder / AGE_FILE).exists() or (folder / SIGNING_FILE).exists():
        raise UsageError(f"Des clés du siège existent déjà dans {folder} : elles n'ont pas été remplacées.")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    keys = CentralKeys(name=name, age_identity=crypto.new_age_identity(), signing_key=crypto.new_signing_key())
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    write_bytes_atomic(folder / AGE_FILE, (f"# created: {stamp}\n# public key: {keys.recipient}\n"
                                           f"{keys.age_identity}\n").encode("ascii"))
    write_bytes_atomic(folder / SIGNING_FILE, (f"# Clé de signature Ed25519 du siège ({name}) : secrète.\n"
                                               f"{keys.signing_key}\n").encode("utf-8"))
    write_enrollment(folder / ENROLLMENT_FILE, keys.public())
    return keys


def _secret_line(path: Path, prefix: str = "") -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"Clé du siège introuvable : {path} (option --keys).") from None
    except (OSError, UnicodeDecodeError):
        raise IntegrityProblem(f"Clé du siège illisible : {path}") from None
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#") and line.startswith(prefix):
            return line
    raise IntegrityProblem(f"Clé du siège illisible : {path}")


def load_keys(folder: Path, expected_fingerprint: str | None = None) -> CentralKeys:
    folder = Path(folder)
    age_identity = _secret_line(folder / AGE_FILE, "AGE-SECRET-KEY-")
    signing = _secret_line(folder / SIGNING_FILE)
    try:
        keys = CentralKeys(name="", age_identity=age_identity, signing_key=signing)
        fp = keys.fingerprint
    except Exception:  # noqa: BLE001 - pyrage/cryptography raise their own types for bad keys
        raise IntegrityProblem(f"Clés du siège illisibles dans {folder}.") from None
    if expected_fingerprint and fp != expected_fingerprint:
        raise IntegrityProblem("Ces clés ne sont pas celles de cette base du siège (empreintes différentes).")
    return keys
