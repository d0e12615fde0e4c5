"""The bundle format, keys and enrollment file, without databases."""

from __future__ import annotations

import gzip
import json

import pytest

from conseiller_app.sync import crypto
from conseiller_app.sync import format as fmt
from conseiller_app.sync.enrollment import CentralPublic, read_enrollment, write_enrollment
from conseiller_app.sync.errors import BundleRejected, BundleTooLarge, EnrollmentRefused

MANIFEST = {"kind": fmt.DEVICE_KIND, "bundle_id": "0a6f4f2e-1b7c-4d8e-9f00-123456789abc",
            "device_id": "1b6f4f2e-1b7c-4d8e-9f00-123456789abc", "sequence": 1, "created_at": "2026-11-28T10:00:00",
            "recipient": "a" * 64, "sender": "b" * 64, "counts": {}}


@pytest.fixture(scope="module")
def keys():
    ident = crypto.new_age_identity()
    signing = crypto.new_signing_key()
    return ident, crypto.age_recipient(ident), signing, crypto.public_signing_key(signing)


def test_seal_then_open(keys):
    ident, recipient, signing, public = keys
    sealed, manifest, sha = fmt.seal(MANIFEST, {"hello": "é"}, signing, recipient)
    assert sealed.startswith(b"age-encryption.org/v1\n")
    env = fmt.open_envelope(fmt.decrypt(sealed, ident))
    assert env.manifest == manifest and env.manifest_sha256 == sha
    assert manifest["format_version"] == 1 and manifest["limits"] == fmt.DEFAULT_LIMITS.as_dict()
    fmt.verify_signature(env, public, who="test")
    assert fmt.read_payload(env) == {"hello": "é"}


def test_the_plaintext_is_readable_with_standard_tools(keys):
    """What an auditor gets from ``age -d``: a text line, the manifest, the signature, gzip."""
    ident, recipient, signing, _ = keys
    sealed, manifest, _ = fmt.seal(MANIFEST, {"changes": [1, 2]}, signing, recipient)
    plain = crypto.decrypt(sealed, ident)
    lines = plain.split(b"\n", 3)
    assert lines[0] == b"CONSEILLER-PAQUET 1"
    assert json.loads(lines[1]) == manifest
    assert json.loads(gzip.decompress(lines[3])) == {"changes": [1, 2]}


def test_signature_of_another_key_is_refused(keys):
    ident, recipient, signing, _ = keys
    sealed, _, _ = fmt.seal(MANIFEST, {}, signing, recipient)
    env = fmt.open_envelope(fmt.decrypt(sealed, ident))
    other = crypto.public_signing_key(crypto.new_signing_key())
    with pytest.raises(BundleRejected) as info:
        fmt.verify_signature(env, other, who="test")
    assert info.value.reason == "signature"


def test_other_recipient_and_damage_are_told_apart(keys):
    ident, recipient, signing, _ = keys
    sealed, _, _ = fmt.seal(MANIFEST, {"x": "y" * 1000}, signing, recipient)
    with pytest.raises(BundleRejected) as info:
        fmt.decrypt(sealed, crypto.new_age_identity())
    assert info.value.reason == "recipient"
    with pytest.raises(BundleRejected) as info:
        fmt.decrypt(sealed[:-5], ident)
    assert info.value.reason == "damaged"
    with pytest.raises(BundleRejected) as info:
        fmt.decrypt(b"PK\x03\x04 not a bundle", ident)
    assert info.value.reason == "damaged"


def test_decompression_bomb_is_stopped(keys):
    ident, recipient, signing, _ = keys
    sealed, _, _ = fmt.seal(MANIFEST, {"x": "0" * 2_000_000}, signing, recipient)
    env = fmt.open_envelope(fmt.decrypt(sealed, ident))
    env.manifest["payload"]["uncompressed_size"] = 10  # a lie in the (here unsigned) manifest
    with pytest.raises(BundleRejected) as info:
        fmt.read_payload(env, fmt.Limits(max_payload_bytes=100_000))
    assert info.value.reason == "limits"


def test_writer_enforces_the_limits(keys):
    _, recipient, signing, _ = keys
    with pytest.raises(BundleTooLarge):
        fmt.seal(MANIFEST, {"x": "y" * 5000}, signing, recipient, fmt.Limits(max_payload_bytes=1000))


def test_audit_hash_is_the_vaults(vault):
    from sqlalchemy import select

    from conseiller_app.storage import journal
    from conseiller_app.storage.models import AuditEntry

    with vault.session() as s:
        journal.audit(s, "actor", "lecture", "beneficiary", "id-1", "id-1", {"champs": ["nom", "prénom"]})
        journal.audit(s, "actor", "modification", "beneficiary", None, None, {})
    with vault.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        for row in rows:
            entry = {k: getattr(row, k) for k in fmt.AUDIT_HASHED}
            entry["at"] = row.at.isoformat()
            assert fmt.audit_hash(row.prev_hash, entry) == row.hash


def test_fingerprints():
    fp = crypto.fingerprint(crypto.age_recipient(crypto.new_age_identity()),
                            crypto.public_signing_key(crypto.new_signing_key()))
    assert len(fp) == 64
    shown = crypto.display_fingerprint(fp)
    assert len(shown.split()) == 8 and shown.replace(" ", "") == fp[:32].upper()


def test_enrollment_file(tmp_path, keys):
    _, recipient, _, public = keys
    path = tmp_path / "inscription.json"
    central = CentralPublic("Siège", recipient, public, crypto.fingerprint(recipient, public))
    write_enrollment(path, central)
    assert read_enrollment(path) == central
    doc = json.loads(path.read_text())
    assert "AGE-SECRET" not in path.read_text()
    doc["fingerprint"] = "0" * 64
    path.write_text(json.dumps(doc))
    with pytest.raises(EnrollmentRefused, match="altéré"):
        read_enrollment(path)
    path.write_text("{not json")
    with pytest.raises(EnrollmentRefused):
        read_enrollment(path)
    with pytest.raises(EnrollmentRefused, match="introuvable"):
        read_enrollment(tmp_path / "absent.json")
