"""Every refusal of the central office leaves its database as it was (SQLite and PostgreSQL):
a byte flipped anywhere, a truncated file, another recipient, an unknown or revoked device, a
newer format, a bundle over the limits, a replay, a reused bundle id, a forged signature, a
rewritten audit journal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conseiller_app.central import devices, ingest
from conseiller_app.central.keys import create_keys
from conseiller_app.central.service import init
from conseiller_app.storage.services import beneficiaries
from conseiller_app.sync import crypto
from conseiller_app.sync import format as fmt
from conseiller_app.sync import service as sync
from conseiller_app.sync.errors import BundleRejected
from tests.central.conftest import new_db_url
from tests.sync.helpers import (
    add_person,
    db_dump,
    device_signing_key,
    forge,
    make_vault,
    open_plain,
    reseal_raw,
)


@dataclasses.dataclass
class World:
    keys_dir: Path
    identity: str
    recipient: str
    b1: bytes
    b2: bytes
    unknown: bytes
    revoked1: bytes
    revoked2: bytes
    other_central: bytes
    a_key: str


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("rejets")
    keys = create_keys(root / "cles", "Siège")
    create_keys(root / "autre", "Un autre siège")
    a, x, r = make_vault(root / "a"), make_vault(root / "x", "Inconnue Dupuis"), make_vault(root / "r", "Révoquée Roux")
    out = root / "out"
    out.mkdir()

    def export(ctx) -> bytes:
        return Path(sync.export(ctx, out).path).read_bytes()

    try:
        for ctx in (a, x, r):
            sync.enroll(ctx, root / "cles" / "inscription-siege.json")
        p = add_person(a, "Martin", "Paul")
        b1 = export(a)
        beneficiaries.update(a, p, {"phone": "0611223344"})
        add_person(a, "Bernard", "Julie")
        b2 = export(a)
        add_person(x, "Durand", "Léo")
        unknown = export(x)
        add_person(r, "Petit", "Anne")
        revoked1 = export(r)
        revoked2 = export(r)
        sync.enroll(a, root / "autre" / "inscription-siege.json", replace=True)
        other_central = export(a)
        a_key = device_signing_key(a)
    finally:
        for ctx in (a, x, r):
            ctx.vault.close()
    return World(root / "cles", keys.age_identity, keys.recipient, b1, b2, unknown, revoked1, revoked2,
                 other_central, a_key)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def central(request, tmp_path_factory, world):
    """A central office that approved device A (first bundle ingested) and revoked device R."""
    c = init(new_db_url(request, tmp_path_factory, request.param), world.keys_dir, "Siège", existing_keys=True)
    assert ingest.ingest_bytes(c, world.b1, "b1").status == "quarantaine"
    assert ingest.ingest_bytes(c, world.revoked1, "r1").status == "quarantaine"
    for d in devices.list_devices(c):
        devices.approve(c, d.id)
        if d.name.startswith("Révoquée"):
            devices.revoke(c, d.id)
    yield c
    c.close()


def refused(central, data: bytes, *reasons: str) -> BundleRejected:
    with pytest.raises(BundleRejected) as info:
        ingest.ingest_bytes(central, data, "essai.age")
    assert info.value.exit_code == 5
    assert info.value.message.startswith("Paquet refusé")
    if reasons:
        assert info.value.reason in reasons, (info.value.reason, info.value.message)
    return info.value


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def _spread(start: int, end: int, n: int) -> list[int]:
    if end <= start:
        return []
    return sorted({start, end - 1, *range(start, end, max(1, (end - start) // n))})


def test_a_byte_flipped_in_every_region_of_the_file(central, world):
    data = world.b2
    header_end = data.index(b"\n", data.index(b"\n--- ")) + 1
    stanza = data.index(b"-> X25519")
    offsets = [0, 5, 20, 21, *_spread(stanza, stanza + 60, 6), *_spread(header_end - 48, header_end, 6),
               *_spread(header_end, header_end + 16, 4),  # payload nonce
               *_spread(header_end + 16, len(data), 20), len(data) - 17, len(data) - 1]
    before = db_dump(central)
    for offset in sorted(set(offsets)):
        refused(central, _flip(data, offset), "damaged", "recipient", "format")
    assert db_dump(central) == before


def test_a_byte_flipped_in_every_region_of_the_content(central, world):
    """Encrypted again to the central office (anyone can): signature and hashes catch it."""
    parts = open_plain(world.b2, world.identity)
    before = db_dump(central)
    for index, reasons in enumerate([("format", "newer_format"), ("format", "signature"), ("format", "signature"),
                                     ("damaged", "format", "payload")]):
        for offset in _spread(0, len(parts[index]), 6):
            changed = list(parts)
            changed[index] = _flip(parts[index], offset)
            refused(central, reseal_raw(tuple(changed), world.recipient), *reasons)
    assert db_dump(central) == before


def test_truncated_at_many_offsets(central, world):
    data = world.b2
    before = db_dump(central)
    for size in _spread(0, len(data), 40):
        refused(central, data[:size], "damaged", "recipient")
    plain = b"".join(open_plain(data, world.identity))
    for size in _spread(0, len(plain), 12):
        refused(central, crypto.encrypt(plain[:size], world.recipient), "format", "damaged", "limits", "signature")
    assert db_dump(central) == before


def test_other_recipient(central, world):
    before = db_dump(central)
    refused(central, world.other_central, "recipient")
    other_fp = "ab" * 32
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient,
                           manifest=lambda m: m.update(recipient=other_fp)), "recipient")
    assert db_dump(central) == before


def test_unknown_device_is_quarantined_without_touching_the_data(central, world):
    before = db_dump(central, exclude=("device", "bundle", "quarantine"))
    result = ingest.ingest_bytes(central, world.unknown, "x")
    assert result.status == "quarantaine" and "Inconnue Dupuis" in result.message
    assert db_dump(central, exclude=("device", "bundle", "quarantine")) == before
    again = db_dump(central)
    assert ingest.ingest_bytes(central, world.unknown, "x").status == "quarantaine"
    assert db_dump(central) == again


def test_revoked_device(central, world):
    before = db_dump(central)
    refused(central, world.revoked2, "revoked")
    assert db_dump(central) == before


def test_newer_format_version(central, world):
    before = db_dump(central)
    newer = fmt.FORMAT_VERSION + 1
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient,
                           container=f"CONSEILLER-PAQUET {newer}\n".encode(),
                           manifest=lambda m: m.update(format_version=newer)), "newer_format")
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient,
                           manifest=lambda m: m.update(format_version=newer)), "format")
    assert db_dump(central) == before


def test_over_the_limits(central, world):
    before = db_dump(central)
    for limits in (fmt.Limits(max_file_bytes=len(world.b2) - 1), fmt.Limits(max_changes=1), fmt.Limits(max_audit=1),
                   fmt.Limits(max_payload_bytes=500), fmt.Limits(max_manifest_bytes=200)):
        refused(dataclasses.replace(central, limits=limits), world.b2, "limits")
    assert db_dump(central) == before


def test_replay_is_harmless(central, world):
    before = db_dump(central)
    result = ingest.ingest_bytes(central, world.b1, "b1-encore")
    assert result.status == "deja_recu"
    assert db_dump(central) == before


def test_reused_bundle_id_is_refused_and_flagged(central, world):
    from conseiller_app.central.status import status

    first_id = open_plain(world.b1, world.identity)[1]
    import json

    reused = json.loads(first_id)["bundle_id"]
    before = db_dump(central, exclude=("incident",))
    incidents = status(central).incidents
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient,
                           manifest=lambda m: m.update(bundle_id=reused)), "reused_id")
    assert db_dump(central, exclude=("incident",)) == before
    assert status(central).incidents == incidents + 1


def test_forged_signatures(central, world):
    attacker = crypto.new_signing_key()
    before = db_dump(central, exclude=("incident",))
    refused(central, forge(world.b2, world.identity, attacker, world.recipient), "signature")
    refused(central, forge(world.b2, world.identity, attacker, world.recipient,
                           manifest=lambda m: m.update(device_key=crypto.public_signing_key(attacker),
                                                       sender=crypto.fingerprint(m["device_recipient"],
                                                                                 crypto.public_signing_key(attacker)))),
            "device_key")
    assert db_dump(central, exclude=("incident",)) == before


def _rewrite_audit(body: dict) -> None:
    """Change an audit entry and recompute the chain from there (a device rewriting history)."""
    entries = body["audit"]
    entries[0]["details"] = {"rewritten": True}
    prev = entries[0]["prev_hash"]
    for e in entries:
        e["prev_hash"] = prev
        e["hash"] = prev = fmt.audit_hash(prev, e)


def test_audit_chain_must_continue_the_one_received(central, world):
    before = db_dump(central, exclude=("incident",))
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient, payload=_rewrite_audit),
            "audit_chain")

    def tamper(body):
        body["audit"][-1]["details"] = {"x": 1}

    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient, payload=tamper), "audit_chain")
    assert db_dump(central, exclude=("incident",)) == before


def test_payload_inconsistent_with_its_hashes(central, world):
    def change_data(body):
        body["changes"][0]["data"]["last_name"] = "Autre"

    def change_count(body):
        body["changes"].pop()

    before = db_dump(central)
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient, payload=change_data), "payload")
    refused(central, forge(world.b2, world.identity, world.a_key, world.recipient, payload=change_count), "payload")
    assert db_dump(central) == before


def test_the_legitimate_bundle_still_goes_in(central, world):
    """After all these refusals, the real next bundle is ingested normally."""
    result = ingest.ingest_bytes(central, world.b2, "b2")
    assert result.status == "ingere" and result.new_changes > 0
