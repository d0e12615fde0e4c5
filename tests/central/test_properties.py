"""Properties (hypothesis): random bytes and mutated real bundles always end in a clear refusal,
never a crash or a hang; ingestion is idempotent and independent of the order of arrival."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conseiller_app.central import ingest, publish
from conseiller_app.central.keys import create_keys
from conseiller_app.central.service import init, open_central
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries
from conseiller_app.sync import crypto
from conseiller_app.sync import format as fmt
from conseiller_app.sync import service as sync
from conseiller_app.sync.errors import BundleRejected
from tests.sync.helpers import (
    add_person,
    add_session,
    central_records,
    central_state,
    device_signing_key,
    edit,
    make_vault,
    open_plain,
    register_device,
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


@dataclass
class Scenario:
    keys_dir: Path
    template: Path  # a central office database with both devices approved, nothing ingested
    bundles: dict[str, bytes]
    identity: str
    recipient: str
    a_key: str
    a_manifest: dict


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    """Two devices, overlapping cumulative bundles on both sides of an acknowledgment, a
    concurrent edit of a shared session (a conflict)."""
    root = tmp_path_factory.mktemp("proprietes")
    keys = create_keys(root / "cles", "Siège")
    template = root / "modele.db"
    central = init(f"sqlite:///{template}", root / "cles", "Siège", existing_keys=True)
    a, b = make_vault(root / "a"), make_vault(root / "b", "Karim Benali")
    out = root / "out"
    out.mkdir()
    bundles: dict[str, bytes] = {}

    def export(name, ctx):
        bundles[name] = Path(sync.export(ctx, out).path).read_bytes()

    try:
        for ctx in (a, b):
            sync.enroll(ctx, root / "cles" / "inscription-siege.json")
            register_device(central, ctx)
        raw = central.db.engine.raw_connection()  # everything into the main file before copying it
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        shutil.copy(template, root / "vierge.db")
        p1 = add_person(a, "Martin", "Paul")
        sid = add_session(a)
        export("a1", a)
        beneficiaries.update(a, p1, {"phone": "0611223344"})
        export("a2", a)  # cumulative: a1's changes again, plus the update
        add_person(b, "Durand", "Léo")
        export("b1", b)
        for name in ("a2", "b1"):
            ingest.ingest_bytes(central, bundles[name], name)
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, root / "retour")}
        imported = {}
        for ctx in (a, b):
            imported[sync.identity(ctx).device_id] = sync.import_bundle(
                ctx, made[sync.identity(ctx).device_id])
        with b.vault.session() as s:  # the shared session reached the other device (diagnostics if not)
            assert s.get(m.AtelierSession, sid) is not None, (imported, central_records(central).keys())
        edit(a, m.AtelierSession, sid, capacity=15)
        export("a3", a)  # after the acknowledgment
        add_person(a, "Bernard", "Julie")
        export("a4", a)
        edit(b, m.AtelierSession, sid, capacity=20)
        export("b2", b)
        a_key = device_signing_key(a)
    finally:
        a.vault.close()
        b.vault.close()
        central.close()
    manifest = json.loads(open_plain(bundles["a2"], keys.age_identity)[1])
    return Scenario(root / "cles", root / "vierge.db", bundles, keys.age_identity, keys.recipient, a_key, manifest)


def fresh_central(scenario: Scenario, folder: Path, name: str):
    db = folder / f"{name}-{time.monotonic_ns()}.db"
    shutil.copy(scenario.template, db)
    return open_central(f"sqlite:///{db}", scenario.keys_dir)


def ingest_all(central, names, bundles) -> None:
    for n in names:
        ingest.ingest_bytes(central, bundles[n], n)


def state_after(scenario, folder, names) -> dict:
    central = fresh_central(scenario, folder, "etat")
    try:
        ingest_all(central, names, scenario.bundles)
        return central_state(central)
    finally:
        central.close()


def test_the_scenario_has_a_conflict(scenario, tmp_path):
    state = state_after(scenario, tmp_path, sorted(scenario.bundles))
    assert len(state["conflicts"]) == 1


@FAST
@given(data=st.data())
def test_order_and_repetition_do_not_matter(scenario, tmp_path, data):
    """Any subset of the bundles, in any order, some repeated: the same state as in order."""
    names = sorted(scenario.bundles)
    subset = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True), label="subset")
    shuffled = data.draw(st.permutations(subset), label="order")
    repeated = data.draw(st.lists(st.sampled_from(subset), max_size=3), label="replays")
    expected = state_after(scenario, tmp_path, sorted(subset))
    assert state_after(scenario, tmp_path, list(shuffled) + repeated) == expected


def test_ingesting_twice_is_ingesting_once(scenario, tmp_path):
    names = sorted(scenario.bundles)
    assert state_after(scenario, tmp_path, names + names) == state_after(scenario, tmp_path, names)


@pytest.fixture(scope="module")
def shared_central(scenario, tmp_path_factory):
    central = fresh_central(scenario, tmp_path_factory.mktemp("fuzz"), "fuzz")
    ingest.ingest_bytes(central, scenario.bundles["a1"], "a1")
    yield central
    central.close()


def _refused_quickly(central, data: bytes) -> None:
    started = time.monotonic()
    try:
        result = ingest.ingest_bytes(central, data, "essai")
    except BundleRejected as exc:
        assert exc.exit_code == 5 and exc.message.startswith("Paquet refusé")
    else:
        assert result.status in ("ingere", "deja_recu", "quarantaine")
    assert time.monotonic() - started < 5


@FAST
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused(shared_central, blob):
    with pytest.raises(BundleRejected):
        ingest.ingest_bytes(shared_central, blob, "hasard")
    with pytest.raises(BundleRejected):
        ingest.ingest_bytes(shared_central, b"age-encryption.org/v1\n" + blob, "hasard")


@FAST
@given(data=st.data())
def test_mutated_real_bundles_are_refused(scenario, shared_central, data):
    original = scenario.bundles[data.draw(st.sampled_from(sorted(scenario.bundles)))]
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(0, len(mutated) - 1)))
        if kind == "flip" and mutated:
            mutated[pos] ^= data.draw(st.integers(1, 255))
        elif kind == "cut":
            del mutated[pos:]
        elif kind == "insert":
            mutated[pos:pos] = data.draw(st.binary(min_size=1, max_size=64))
        elif mutated:
            del mutated[pos:pos + data.draw(st.integers(1, 64))]
    if bytes(mutated) == original:
        return
    with pytest.raises(BundleRejected):
        ingest.ingest_bytes(shared_central, bytes(mutated), "mutation")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@FAST
@given(data=st.data())
def test_signed_garbage_from_an_approved_device_is_refused(scenario, shared_central, data):
    """A compromised device signs whatever it likes: still a clean refusal (or a valid ingest)."""
    manifest = dict(scenario.a_manifest)
    for key in data.draw(st.lists(st.sampled_from(sorted(manifest)), max_size=3, unique=True)):
        manifest[key] = data.draw(JSON)
    payload = data.draw(st.one_of(JSON, st.fixed_dictionaries({
        "device": st.one_of(JSON, st.just({"name": "X", "territory": "arrageois", "office": ""})),
        "changes": st.lists(st.dictionaries(st.sampled_from(["seq", "entity", "id", "op", "version", "parent", "hash",
                                                             "data"]), JSON), max_size=3),
        "audit": st.lists(JSON, max_size=2)})))
    raw = json.dumps(payload).encode()
    packed = fmt.gzip.compress(raw, mtime=0)
    manifest.setdefault("payload", {})
    if data.draw(st.booleans()):
        manifest["payload"] = {"encoding": fmt.PAYLOAD_ENCODING, "sha256": fmt.sha256(packed), "size": len(packed),
                               "uncompressed_size": len(raw)}
    line = fmt.canonical(manifest)
    sig = crypto.b64(crypto.sign(scenario.a_key, fmt.SIGNATURE_CONTEXT + line)).encode()
    blob = crypto.encrypt(b"CONSEILLER-PAQUET 1\n" + line + b"\n" + sig + b"\n" + packed, scenario.recipient)
    _refused_quickly(shared_central, blob)
