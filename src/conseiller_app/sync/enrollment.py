"""The central office's enrollment file: its name and the public halves of its two keys.

Written by ``conseiller-central init``; read by ``conseiller sync enroll`` which pins the keys in
the vault after showing the fingerprint, to be compared with the central office by phone.

It may also carry the service's address (``url``, https) and a CA certificate (PEM) to verify it
with when the certificate is not from a public authority. Neither is covered by the fingerprint,
and neither needs to be: the transport adds no trust, bundles are signed and encrypted end to end.

A training central office (``init --demo``) writes ``"demo": true`` in a version 2 file; a real
one keeps writing version 1. A release that predates the field refuses the version 2 file rather
than pin a training office's keys in a vault of real people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from conseiller_app.storage.fsutil import write_bytes_atomic
from conseiller_app.sync import crypto
from conseiller_app.sync.errors import EnrollmentRefused

ENROLLMENT_KIND = "conseiller-inscription-siege"
ENROLLMENT_FILE = "inscription-siege.json"
MAX_ENROLLMENT_BYTES = 64 * 1024
MAX_URL = 300


@dataclass(frozen=True)
class CentralPublic:
    name: str
    recipient: str  # age1...
    signing_key: str  # Ed25519 public key, base64
    fingerprint: str  # hex SHA-256
    url: str | None = None  # the central office's service, https://… (http:// only on the loopback)
    ca_certificate: str | None = None  # PEM, when the service's certificate is not from a public CA
    demo: bool = False  # a training central office: fictitious data only

    @property
    def display_fingerprint(self) -> str:
        return crypto.display_fingerprint(self.fingerprint)


def write_enrollment(path: Path, central: CentralPublic) -> None:
    doc = {
        "kind": ENROLLMENT_KIND,
        "format_version": 2 if central.demo else 1,
        "name": central.name,
        "age_recipient": central.recipient,
        "signing_key": central.signing_key,
        "fingerprint": central.fingerprint,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if central.demo:
        doc["demo"] = True
    if central.url:
        doc["url"] = central.url
    if central.ca_certificate:
        doc["ca_certificate"] = central.ca_certificate
    write_bytes_atomic(Path(path), (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def read_enrollment(path: Path) -> CentralPublic:
    """Read and check an enrollment file (the fingerprint must match the keys it holds)."""
    bad = EnrollmentRefused("Ce fichier n'est pas un fichier d'inscription du siège valide.")
    try:
        path = Path(path)
        if path.stat().st_size > MAX_ENROLLMENT_BYTES:
            raise bad
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnrollmentRefused(f"Fichier d'inscription introuvable : {path}") from None
    except (OSError, ValueError):
        raise bad from None
    if not isinstance(doc, dict) or doc.get("kind") != ENROLLMENT_KIND:
        raise bad
    version = doc.get("format_version")
    if version not in (1, 2) or isinstance(version, bool):
        raise EnrollmentRefused(
            "Ce fichier d'inscription vient d'une version plus récente : mettez l'application à jour."
        )
    name, recipient, key, fp = (doc.get(k) for k in ("name", "age_recipient", "signing_key", "fingerprint"))
    if not (isinstance(name, str) and 0 < len(name) <= 120 and crypto.valid_age_recipient(recipient)
            and crypto.valid_public_signing_key(key) and isinstance(fp, str)):
        raise bad
    if crypto.fingerprint(recipient, key) != fp:
        raise EnrollmentRefused("Fichier d'inscription altéré : l'empreinte ne correspond pas aux clés qu'il contient.")
    demo = doc.get("demo", False)
    if ("demo" in doc) if version == 1 else not isinstance(demo, bool):
        raise bad
    url, ca = doc.get("url"), doc.get("ca_certificate")
    if url is not None and not valid_url(url):
        raise bad
    if ca is not None and not (isinstance(ca, str) and "-----BEGIN CERTIFICATE-----" in ca):
        raise bad
    return CentralPublic(name=name, recipient=recipient, signing_key=key, fingerprint=fp, url=url, ca_certificate=ca,
                         demo=demo)


def valid_url(url: object) -> bool:
    """https://host[:port][/prefix]; plain http only for the loopback interface (tests, a proxy on
    the same machine)."""
    from urllib.parse import urlsplit

    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))
