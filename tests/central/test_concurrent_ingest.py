"""Two devices' bundles ingested at the same moment, both touching one shared record (a session of
the shared calendar), on SQLite and on PostgreSQL (where ingests run side by side): no version is
lost or counted twice, the record's state and its conflict are the ones the file path gives
(the same bundles one after the other).

To make the two ingests overlap for sure, each one, once it has read the versions of its
records, waits (up to a moment) for the other to have read them too: an ingest that read the
shared record's versions without locking it first would then decide its state from half of them.
With the record locked, the second ingest cannot read them before the first has committed: the
first one waits in vain, then goes on.
"""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from conseiller_app.central import ingest, merge, publish
from conseiller_app.central.models import Conflict, Device, Node, Record
from conseiller_app.central.service import init
from conseiller_app.central.status import status
from conseiller_app.storage import models as m
from conseiller_app.sync import device
from conseiller_app.sync import service as sync
from conseiller_app.sync.errors import BundleRejected
from tests.central.conftest import new_db_url
from tests.sync.helpers import (
    add_person,
    add_session,
    central_state,
    device_signing_key,
    edit,
    forge,
    make_vault,
    open_plain,
)

RENDEZVOUS_SECONDS = 1.5
THREADS = "ingest-simultane"


@dataclass
class Shared:
    keys: Path
    devices: list[dict[str, str]]
    bundles: dict[str, bytes]
    session_id: str
    b_signing_key: str
    steps: tuple[tuple[str, str], ...] = (("a1", "b1"), ("a2", "b2"), ("a3", "b3"))


def _identity(ctx) -> dict[str, str]:
    with ctx.vault.session() as s:
        recipient, key, fp = device.public_keys(device.ensure_state(s))
        return {"id": device.device_id(s), "signing_key": key, "age_recipient": recipient, "fingerprint": fp}


def _register(central, devices: list[dict[str, str]]) -> None:
    now = central.now()
    with central.db.write() as conn:
        conn.execute(Device.__table__.insert(), [
            {**d, "status": "approuve", "name": "Appareil de test", "territory": "arrageois", "office": "",
             "first_seen_at": now, "approved_at": now, "audit_seq": 0, "central_seq_seen": 0, "publish_seq": 0}
            for d in devices])


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Shared:
    """A creates a session and publishes it through the central office to B; then both edit it,
    twice, each unaware of the other's edits, with a few new beneficiaries in every bundle."""
    root = tmp_path_factory.mktemp("partage")
    builder = init(f"sqlite:///{root / 'preparation.db'}", root / "cles", "Siège")
    a, b = make_vault(root / "a"), make_vault(root / "b", "Karim Benali")
    out = root / "paquets"
    out.mkdir()
    bundles: dict[str, bytes] = {}

    def export(name: str, ctx, people: int) -> None:
        for i in range(people):
            add_person(ctx, f"Personne-{name[0]}{'xyz'[int(name[1]) - 1]}-{chr(97 + i)}", "Awa")
        bundles[name] = Path(sync.export(ctx, out).path).read_bytes()

    try:
        for ctx in (a, b):
            sync.enroll(ctx, root / "cles" / "inscription-siege.json")
        devices = [_identity(a), _identity(b)]
        _register(builder, devices)
        sid = add_session(a, "Atelier partagé", capacity=12)
        export("a1", a, 8)
        ingest.ingest_bytes(builder, bundles["a1"], "a1")
        made = {p.device_id: Path(p.file or "") for p in publish.publish(builder, root / "retour")}
        for ctx, d in ((a, devices[0]), (b, devices[1])):
            sync.import_bundle(ctx, made[d["id"]])
        with b.vault.session() as s:
            assert s.get(m.AtelierSession, sid) is not None  # B holds the shared session
        edit(b, m.AtelierSession, sid, capacity=20)
        export("b1", b, 8)
        edit(a, m.AtelierSession, sid, capacity=15)
        export("a2", a, 5)
        edit(b, m.AtelierSession, sid, capacity=21)
        export("b2", b, 5)
        edit(a, m.AtelierSession, sid, capacity=16)
        export("a3", a, 3)
        edit(b, m.AtelierSession, sid, capacity=22)
        export("b3", b, 3)
        b_key = device_signing_key(b)
    finally:
        a.vault.close()
        b.vault.close()
        builder.close()
    return Shared(root / "cles", devices, bundles, sid, b_key)


@pytest.fixture
def rendezvous(monkeypatch):
    """Ingests in the test's threads wait for each other once they have read their versions."""
    meeting = threading.Barrier(2)
    real = merge.load_nodes

    def load_nodes(conn, keys):
        nodes = real(conn, keys)
        if threading.current_thread().name.startswith(THREADS):
            # Broken: the other one is waiting for this one's records (locked), go on alone.
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=RENDEZVOUS_SECONDS)
        return nodes

    monkeypatch.setattr(merge, "load_nodes", load_nodes)

    def reset() -> None:
        nonlocal meeting
        meeting = threading.Barrier(2)

    return reset


def _session_state(central, sid: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    nt, rt, ct = Node.__table__, Record.__table__, Conflict.__table__
    with central.db.read() as conn:
        nodes = conn.execute(select(nt.c.hash, nt.c.parent, nt.c.device_id).where(nt.c.entity_id == sid)).all()
        records = conn.execute(select(rt.c.hash, rt.c.in_conflict).where(rt.c.entity_id == sid)).all()
        conflicts = conn.execute(select(ct.c.status, ct.c.heads).where(ct.c.entity_id == sid)).all()
    return nodes, records, conflicts


def test_concurrent_uploads_on_a_shared_record_lose_and_duplicate_nothing(shared, db_url, rendezvous, request,
                                                                            tmp_path_factory):
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    central = init(db_url, shared.keys, existing_keys=True)
    files = init(new_db_url(request, tmp_path_factory, backend), shared.keys, existing_keys=True)
    try:
        for c in (central, files):
            _register(c, shared.devices)
        for step in shared.steps:
            rendezvous()
            with ThreadPoolExecutor(len(step), thread_name_prefix=THREADS) as pool:
                results = list(pool.map(lambda n: ingest.ingest_bytes(central, shared.bundles[n], n), step))
            assert [r.status for r in results] == ["ingere"] * len(step)
            for name in step:  # the file path: one bundle after the other
                ingest.ingest_bytes(files, shared.bundles[name], name)
            assert central_state(central) == central_state(files), step
            nodes, records, conflicts = _session_state(central, shared.session_id)
            assert len(nodes) == len(set(nodes)), nodes  # no version twice
            assert len(records) == 1, records
            assert len([c for c in conflicts if c.status == "ouvert"]) == (0 if step == ("a1", "b1") else 1), conflicts
        # Every version of the session is kept: A's creation and two edits, B's three edits.
        nodes, records, conflicts = _session_state(central, shared.session_id)
        assert sorted(n.device_id for n in nodes) == sorted([shared.devices[0]["id"]] * 3 + [shared.devices[1]["id"]] * 3)
        # The two last edits are the heads of the one open conflict; the record is in conflict.
        by_device = {d["id"]: {n.hash for n in nodes if n.device_id == d["id"]} for d in shared.devices}
        parents = {n.parent for n in nodes}
        heads = sorted(h for hs in by_device.values() for h in hs if h not in parents)
        assert len(heads) == 2 and all(any(h in hs for h in heads) for hs in by_device.values())
        assert [(c.status, list(c.heads)) for c in conflicts] == [("ouvert", heads)]
        assert records[0].in_conflict and records[0].hash in heads
        # No placeholder of the record locks is left behind.
        with central.db.read() as conn:
            assert conn.execute(select(Record.__table__.c.entity_id).where(Record.__table__.c.hash == "")).all() == []
    finally:
        central.close()
        files.close()


def test_two_devices_claiming_one_bundle_id_at_once(shared, db_url, rendezvous):
    """B re-signs its bundle under the id of A's, both arrive at the same moment: on PostgreSQL
    both are written side by side until the second one's bundle row meets the first one's; it is
    then rolled back and tried again, and refused as a reused id (an incident), as it would have
    been one after the other. Nothing of the refused bundle is kept."""
    central = init(db_url, shared.keys, existing_keys=True)
    try:
        _register(central, shared.devices)
        keys = central.require_keys()
        a_id = json.loads(open_plain(shared.bundles["a1"], keys.age_identity)[1])["bundle_id"]
        claimed = forge(shared.bundles["b1"], keys.age_identity, shared.b_signing_key, keys.recipient,
                        manifest=lambda man: man.update(bundle_id=a_id))

        def attempt(data: bytes) -> str:
            try:
                return ingest.ingest_bytes(central, data, "paquet").device_id
            except BundleRejected as exc:
                return exc.reason

        with ThreadPoolExecutor(2, thread_name_prefix=THREADS) as pool:
            outcomes = list(pool.map(attempt, [shared.bundles["a1"], claimed]))
        device_ids = [d["id"] for d in shared.devices]
        assert sorted(o == "reused_id" for o in outcomes) == [False, True], outcomes
        winner = next(o for o in outcomes if o in device_ids)
        st = status(central)
        assert st.bundles.ingested == 1 and st.incidents == 1
        with central.db.read() as conn:
            senders = {d for (d,) in conn.execute(select(Node.__table__.c.device_id).distinct())}
            placeholders = conn.execute(select(Record.__table__.c.entity_id).where(Record.__table__.c.hash == "")).all()
        assert senders == {winner} and placeholders == []
    finally:
        central.close()
