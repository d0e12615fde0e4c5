"""The bundle format (versions 1 and 2), shared by the devices and the central office.

A bundle is one file encrypted with age (X25519) to its recipient, so the central office can
also open it with the standard tool for an audit (``age -d -i cle-age.txt paquet.age``). The
decrypted content is::

    CONSEILLER-PAQUET 1\\n              container line with the format version
    {manifest, canonical JSON}\\n        one line, UTF-8
    {Ed25519 signature, base64}\\n       over SIGNATURE_CONTEXT + the manifest line
    payload                             gzip of a JSON document (``tail -n +4 | gunzip``)

The manifest names the payload's SHA-256 and sizes, so the signature covers the whole content.
Limits are declared in the manifest and enforced by every reader (:class:`Limits`), before any
expensive step: file size before decryption, line lengths before JSON, decompressed size while
decompressing. Every failure is a :class:`BundleRejected` with a French reason.

Version 2 is version 1 plus one required manifest field, ``demo`` (a boolean): the bundle comes
from a demonstration vault, or from a training central office (``conseiller-central init --demo``),
and holds fictitious people only. A writer uses the lowest version that can say what it carries:
real bundles stay version 1 (every release reads them), demo bundles are version 2, so a release
that predates the field refuses them as "from a newer version" instead of taking fictitious people
for real ones. In version 1 the field must be absent (it means "not demo").
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import uuid
import zlib
from dataclasses import asdict, dataclass
from typing import Any, NotRequired, TypedDict, TypeGuard

from conseiller_app.sync import crypto
from conseiller_app.sync.errors import BundleRejected, BundleTooLarge

FORMAT_VERSION = 2  # the newest version this release reads
BASE_FORMAT_VERSION = 1  # written for real data
DEMO_FORMAT_VERSION = 2  # written for fictitious data: adds the manifest's "demo" field
CONTAINER_PREFIX = b"CONSEILLER-PAQUET "
SIGNATURE_CONTEXT = b"conseiller-paquet-signature-v1\x00"
PAYLOAD_ENCODING = "gzip+json"
DEVICE_KIND = "appareil"  # device -> central office
CENTRAL_KIND = "siege"  # central office -> device
GENESIS = "0" * 64

# Which records travel which way. The central office maintains the agency directory (it comes
# back inside the reference data, so devices do not send their copy); the sessions calendar is
# shared: each device sends its sessions and receives everybody's.
CENTRAL_OWNED = frozenset({"agency"})
SHARED = frozenset({"atelier_session"})


# --- the payloads' documents -------------------------------------------------------------------
# TypedDicts, not dataclasses: these ARE the JSON documents sealed in a bundle (hashed, signed,
# checked key by key by ``sync.schema`` on arrival). Typing them names their keys for the code
# that builds and reads them without a conversion on either side.


class ChangeDoc(TypedDict):
    """One change of a device's journal, with the hash of the version it was made from."""

    seq: int
    entity: str
    id: str
    op: str  # insert | update | delete
    version: int
    parent: str | None
    hash: str
    data: dict[str, Any]  # the record's snapshot
    text: NotRequired[str]  # the canonical snapshot, added by the central office's check (not sent)


class AuditDoc(TypedDict):
    """One entry of a device's chained audit journal."""

    seq: int
    id: str
    at: str  # ISO
    actor_id: str
    action: str
    entity: str
    entity_id: str | None
    beneficiary_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class SenderDoc(TypedDict):
    """Who the device says it is (shown to the central office before approval)."""

    name: str
    territory: str
    office: str
    restored_from: NotRequired[str]  # the device whose backup this vault was restored from


class DevicePayload(TypedDict):
    device: SenderDoc
    changes: list[ChangeDoc]
    audit: list[AuditDoc]


class RecordDoc(TypedDict):
    """A record's current version sent by the central office (shared calendar, resolved conflicts)."""

    entity: str
    id: str
    op: str
    version: int
    hash: str
    data: dict[str, Any]


class CentralPayload(TypedDict):
    reference: dict[str, Any]  # a reference release (``sync.refdata.to_json``), checked by ``sync.schema``
    records: list[RecordDoc]

OPS = ("insert", "update", "delete")
ENTITY_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Limits:
    """Size limits of format version 1, declared in each manifest and enforced on import."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_manifest_bytes: int = 64 * 1024
    max_payload_bytes: int = 512 * 1024 * 1024  # decompressed
    max_changes: int = 200_000
    max_audit: int = 1_000_000
    max_records: int = 200_000

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_LIMITS = Limits()


# --- canonical forms and hashes ---------------------------------------------------------------


_quote = json.encoder.encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def change_hash(entity: str, entity_id: str, op: str, data: dict[str, Any]) -> str:
    """Identity of one version of a record: SHA-256 of the canonical JSON of
    ``{"entity", "id", "op", "data"}`` (what it is, what happened, the full snapshot)."""
    return hashed_snapshot(entity, entity_id, op, data)[0]


def hashed_snapshot(entity: str, entity_id: str, op: str, data: dict[str, Any]) -> tuple[str, str]:
    """(change hash, canonical JSON text of ``data``): the snapshot is serialised once, and the
    text kept by the central office is exactly what was hashed."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    envelope = f'{{"data":{text},"entity":{_quote(entity)},"id":{_quote(entity_id)},"op":{_quote(op)}}}'
    return sha256(envelope.encode("utf-8")), text


AUDIT_HASHED = ("id", "at", "actor_id", "action", "entity", "entity_id", "beneficiary_id", "details")


def audit_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The vault's audit chain hash (``storage.journal``), recomputed on ISO-text timestamps."""
    payload = json.dumps({k: entry[k] for k in AUDIT_HASHED}, sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


# --- writing ----------------------------------------------------------------------------------


def seal(manifest: dict[str, Any], payload: DevicePayload | CentralPayload, signing_key_b64: str, recipient: str,
         limits: Limits = DEFAULT_LIMITS, *, demo: bool = False) -> tuple[bytes, dict[str, Any], str]:
    """Sign then encrypt. Returns (file bytes, manifest as written, manifest SHA-256). A ``demo``
    bundle (fictitious data) is written in format version 2, marked in its signed manifest."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(raw) > limits.max_payload_bytes:
        raise BundleTooLarge(f"{len(raw) // (1024 * 1024)} Mo de données")
    packed = gzip.compress(raw, compresslevel=6, mtime=0)
    manifest = dict(manifest)
    manifest.pop("demo", None)
    version = DEMO_FORMAT_VERSION if demo else BASE_FORMAT_VERSION
    manifest["format_version"] = version
    if demo:
        manifest["demo"] = True
    manifest["limits"] = limits.as_dict()
    manifest["payload"] = {"encoding": PAYLOAD_ENCODING, "sha256": sha256(packed), "size": len(packed),
                           "uncompressed_size": len(raw)}
    line = canonical(manifest)
    if len(line) > limits.max_manifest_bytes:
        raise BundleTooLarge("manifeste")
    signature = crypto.sign(signing_key_b64, SIGNATURE_CONTEXT + line)
    plaintext = b"".join([CONTAINER_PREFIX, str(version).encode(), b"\n", line, b"\n",
                          crypto.b64(signature).encode("ascii"), b"\n", packed])
    sealed = crypto.encrypt(plaintext, recipient)
    if len(sealed) > limits.max_file_bytes:
        raise BundleTooLarge(f"{len(sealed) // (1024 * 1024)} Mo")
    return sealed, manifest, sha256(line)


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Envelope:
    """A decrypted bundle whose manifest is well formed; signature and payload not checked yet."""

    manifest: dict[str, Any]
    manifest_line: bytes
    signature: bytes
    payload: bytes

    @property
    def manifest_sha256(self) -> str:
        return sha256(self.manifest_line)


def reject(reason: str, message: str) -> BundleRejected:
    return BundleRejected(reason, message)


def decrypt(data: bytes, identity: str, limits: Limits = DEFAULT_LIMITS, *, who: str = "ce siège") -> bytes:
    if len(data) > limits.max_file_bytes:
        raise reject("limits", f"Paquet refusé : le fichier dépasse la taille autorisée "
                               f"({limits.max_file_bytes // (1024 * 1024)} Mo).")
    if not data.startswith(b"age-encryption.org/v1\n"):
        raise reject("damaged", "Paquet refusé : ce fichier n'est pas un paquet chiffré (en-tête absent ou endommagé).")
    try:
        return crypto.decrypt(data, identity)
    except crypto.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise reject(
                "recipient", f"Paquet refusé : il n'est pas adressé à {who} (ou son en-tête est endommagé)."
            ) from None
        raise reject(
            "damaged", "Paquet refusé : le fichier est endommagé ou incomplet (contenu modifié ou tronqué)."
        ) from None


def _json_loads(data: bytes) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(name)

    return json.loads(data.decode("utf-8"), parse_constant=no_constants)


def open_envelope(plaintext: bytes, limits: Limits = DEFAULT_LIMITS) -> Envelope:
    """Split the decrypted container and check the manifest's common fields."""
    first = plaintext.find(b"\n", 0, 40)
    if first < 0 or not plaintext.startswith(CONTAINER_PREFIX):
        raise reject("format", "Paquet refusé : contenu non reconnu (ce n'est pas un paquet de l'application).")
    version_text = plaintext[len(CONTAINER_PREFIX):first]
    if not version_text.isdigit() or len(version_text) > 6:
        raise reject("format", "Paquet refusé : contenu non reconnu (version de format illisible).")
    if int(version_text) > FORMAT_VERSION:
        raise reject("newer_format", f"Paquet refusé : il a été produit par une version plus récente de l'application "
                                     f"(format {int(version_text)}). Mettez l'application à jour.")
    if int(version_text) < 1:
        raise reject("format", "Paquet refusé : version de format inconnue.")
    second = plaintext.find(b"\n", first + 1, first + 2 + limits.max_manifest_bytes)
    if second < 0:
        raise reject("limits", "Paquet refusé : manifeste absent ou trop long.")
    line = plaintext[first + 1:second]
    third = plaintext.find(b"\n", second + 1, second + 200)
    if third < 0:
        raise reject("format", "Paquet refusé : signature absente.")
    try:
        signature = crypto.unb64(plaintext[second + 1:third].decode("ascii"), 64)
        manifest = _json_loads(line)
    except (ValueError, RecursionError):
        raise reject("format", "Paquet refusé : manifeste ou signature illisible.") from None
    if not isinstance(manifest, dict):
        raise reject("format", "Paquet refusé : manifeste illisible.")
    _check_common_manifest(manifest, int(version_text))
    return Envelope(manifest, line, signature, plaintext[third + 1:])


def _bad(field: str) -> BundleRejected:
    return reject("format", f"Paquet refusé : manifeste invalide (champ « {field} »).")


def is_int(v: Any, low: int = 0, high: int = 2**62) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def is_str(v: Any, max_len: int, min_len: int = 0) -> TypeGuard[str]:
    """A text of bounded length without NUL characters (PostgreSQL refuses them in text columns)."""
    return isinstance(v, str) and min_len <= len(v) <= max_len and "\x00" not in v


def is_uuid(v: Any) -> bool:
    if not isinstance(v, str) or len(v) != 36:
        return False
    try:
        return str(uuid.UUID(v)) == v
    except ValueError:
        return False


def is_hex64(v: Any) -> bool:
    return isinstance(v, str) and HEX64_RE.match(v) is not None


def _check_common_manifest(m: dict[str, Any], container_version: int) -> None:
    if m.get("format_version") != container_version:
        raise _bad("format_version")
    if m.get("kind") not in (DEVICE_KIND, CENTRAL_KIND):
        raise _bad("kind")
    for key in ("bundle_id", "device_id"):
        if not is_uuid(m.get(key)):
            raise _bad(key)
    if not is_int(m.get("sequence"), 1):
        raise _bad("sequence")
    if not is_str(m.get("created_at"), 40, 10):
        raise _bad("created_at")
    for key in ("recipient", "sender"):
        if not is_hex64(m.get(key)):
            raise _bad(key)
    p = m.get("payload")
    if not (isinstance(p, dict) and p.get("encoding") == PAYLOAD_ENCODING and is_hex64(p.get("sha256"))
            and is_int(p.get("size")) and is_int(p.get("uncompressed_size"))):
        raise _bad("payload")
    if not isinstance(m.get("counts"), dict):
        raise _bad("counts")
    if ("demo" in m) if container_version == 1 else not isinstance(m.get("demo"), bool):
        raise _bad("demo")


def is_demo_bundle(manifest: dict[str, Any]) -> bool:
    """Whether a (checked) manifest says its bundle holds fictitious data only (format 2)."""
    return manifest.get("demo") is True


def check_kind(env: Envelope, kind: str) -> None:
    if env.manifest["kind"] != kind:
        if kind == DEVICE_KIND:
            raise reject("kind", "Paquet refusé : c'est un paquet du siège, pas un paquet d'appareil.")
        raise reject("kind", "Paquet refusé : c'est un paquet d'appareil, pas un paquet du siège.")


def verify_signature(env: Envelope, public_b64: str, *, who: str) -> None:
    if not crypto.verify(public_b64, env.signature, SIGNATURE_CONTEXT + env.manifest_line):
        raise reject("signature", f"Paquet refusé : la signature ne correspond pas à la clé de {who} "
                                  "(paquet modifié ou contrefait).")


def read_payload(env: Envelope, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Check the payload against the signed manifest, then decompress it within the limits."""
    declared = env.manifest["payload"]
    if len(env.payload) != declared["size"]:
        raise reject("damaged", "Paquet refusé : contenu incomplet ou modifié (taille différente du manifeste).")
    if sha256(env.payload) != declared["sha256"]:
        raise reject("damaged", "Paquet refusé : contenu modifié (empreinte différente du manifeste).")
    if declared["uncompressed_size"] > limits.max_payload_bytes:
        raise reject("limits", "Paquet refusé : le contenu dépasse la taille autorisée.")
    try:
        inflater = zlib.decompressobj(wbits=31)
        raw = inflater.decompress(env.payload, limits.max_payload_bytes + 1)
        if len(raw) > limits.max_payload_bytes or inflater.unconsumed_tail:
            raise reject("limits", "Paquet refusé : le contenu décompressé dépasse la taille autorisée.")
        raw += inflater.flush()
        if not inflater.eof or inflater.unused_data or len(raw) != declared["uncompressed_size"]:
            raise reject("format", "Paquet refusé : contenu compressé illisible.")
        return _json_loads(raw)
    except zlib.error:
        raise reject("format", "Paquet refusé : contenu compressé illisible.") from None
    except (ValueError, RecursionError):
        raise reject("format", "Paquet refusé : contenu illisible (JSON invalide).") from None


def bad_payload(what: str) -> BundleRejected:
    return reject("payload", f"Paquet refusé : contenu invalide ({what}).")
