"""Several devices export, the central office ingests (SQLite and PostgreSQL), resolves a
conflict and publishes, the devices import: the central state is the union of the devices'."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from conseiller_app.central import conflicts, devices, ingest, publish
from conseiller_app.central import status as central_status
from conseiller_app.central.service import init
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries
from conseiller_app.sync import service as sync
from tests.sync.helpers import add_person, add_session, central_records, device_records, edit, make_vault


def _exchange(central, ctxs, folder: Path) -> list[dict]:
    """Each device exports, the central office ingests everything, publishes, devices import."""
    out = folder / "vers-siege"
    back = folder / "vers-appareils"
    out.mkdir(exist_ok=True)
    files = [Path(sync.export(ctx, out).path) for ctx in ctxs]
    results = [ingest.ingest_file(central, f) for f in files]
    made = {p.device_id: Path(p.file or "") for p in publish.publish(central, back)}
    for ctx in ctxs:
        sync.import_bundle(ctx, made[sync.identity(ctx).device_id])
    return [r.as_dict() for r in results]


def test_devices_to_central_and_back(db_url, tmp_path):
    central = init(db_url, tmp_path / "cles", "Siège de test")
    enrollment = tmp_path / "cles" / "inscription-siege.json"
    a = make_vault(tmp_path / "a", "Marie Dupont", "arrageois")
    b = make_vault(tmp_path / "b", "Karim Benali", "arrageois")
    c = make_vault(tmp_path / "c", "Sophie Vasseur", "lens_lievin")
    ctxs = [a, b, c]
    try:
        for ctx in ctxs:
            assert sync.enroll(ctx, enrollment).changed
        p1 = add_person(a, "N'Diaye", "Awa")
        add_person(a, "Lefèvre", "Jérôme", commune="62498")
        beneficiaries.update(a, p1, {"phone": "0612345678"})
        session_id = add_session(a, "Atelier BTP Arras")
        add_person(b, "Vandenbroucke", "Léa")
        gone = add_person(c, "Dupré-Lagarde", "Yanis", commune="62498")
        beneficiaries.archive(c, gone)
        edit(c, m.Beneficiary, gone, deleted_at=m.utcnow())  # a tombstone (as a purge will write)

        # First contact: unknown devices are quarantined, then approved (which ingests them).
        out = tmp_path / "vers-siege"
        out.mkdir()
        files = [Path(sync.export(ctx, out).path) for ctx in ctxs]
        for f in files:
            r = ingest.ingest_file(central, f)
            assert r.status == "quarantaine" and r.device and r.device.fingerprint
            assert f.name.startswith("paquet-") and "Dupont" not in f.name
        assert central_records(central) == {}
        for d in devices.list_devices(central):
            approved = devices.approve(central, d.id)
            assert approved.errors == () and len(approved.ingested) == 1
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, tmp_path / "retour")}
        for ctx in ctxs:
            result = sync.import_bundle(ctx, made[sync.identity(ctx).device_id])
            assert result.status == "importe" and result.reference_installed
        # The session of A reached B and C (shared calendar); nothing is waiting any more.
        with b.vault.session() as s:
            assert s.get(m.AtelierSession, session_id).title == "Atelier BTP Arras"
        for ctx in ctxs:
            st = sync.status(ctx)
            assert st.changes_waiting == 0 and st.history[0].status == "importe"
            assert any(h.status == "accuse" for h in st.history)

        # Concurrent edits of the shared session on A and B: a conflict, kept whole.
        edit(a, m.AtelierSession, session_id, capacity=15)
        edit(b, m.AtelierSession, session_id, capacity=20, place="Maison des sociétés")
        add_person(b, "Œuvrard", "Noé")
        _exchange(central, [a, b], tmp_path)
        [conflict] = conflicts.list_conflicts(central)
        assert conflict.entity == "atelier_session" and conflict.entity_id == session_id
        assert {v.data["capacity"] for v in conflict.versions} == {15, 20}
        assert "capacity" in conflict.differing_fields
        keep = next(v.letter for v in conflict.versions if v.data["capacity"] == 15)
        conflicts.resolve(central, conflict.id, keep, who="test")
        assert conflicts.list_conflicts(central) == []
        _exchange(central, ctxs, tmp_path)
        for ctx in (a, b, c):
            with ctx.vault.session() as s:
                row = s.get(m.AtelierSession, session_id)
                assert (row.capacity, row.place) == (15, "Salle des fêtes")

        # The central office holds exactly the union of the devices' records.
        union: dict = {}
        for ctx in ctxs:
            for key, data in device_records(ctx).items():
                assert union.setdefault(key, data) == data, key
        assert central_records(central) == union
        st = central_status.status(central)
        assert (st.records["beneficiary"].active, st.records["beneficiary"].deleted) == (4, 1)
        assert (st.conflicts.open, st.conflicts.resolved) == (0, 1)
        assert st.bundles.quarantined == 0 and st.incidents == 0
        # Acknowledged changes left the devices' journals (only the newest row is kept).
        for ctx in ctxs:
            with ctx.vault.session() as s:
                assert s.scalar(select(func.count()).select_from(m.ChangeEntry)) <= 1
    finally:
        for ctx in ctxs:
            ctx.vault.close()
        central.close()


def test_lost_bundle_is_recovered_by_the_next(db_url, tmp_path):
    from tests.sync.helpers import register_device

    central = init(db_url, tmp_path / "cles")
    a = make_vault(tmp_path / "a")
    try:
        sync.enroll(a, tmp_path / "cles" / "inscription-siege.json")
        register_device(central, a)
        first = add_person(a, "Martin", "Paul")
        lost = sync.export(a, tmp_path)  # never reaches the central office
        beneficiaries.update(a, first, {"phone": "0611223344"})
        add_person(a, "Bernard", "Julie")
        nxt = sync.export(a, tmp_path)
        assert nxt.changes > lost.changes
        assert ingest.ingest_file(central, Path(nxt.path)).status == "ingere"
        assert central_records(central) == device_records(a)
        # The lost one turning up later changes nothing.
        assert ingest.ingest_file(central, Path(lost.path)).new_changes == 0
        assert central_records(central) == device_records(a)
    finally:
        a.vault.close()
        central.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_delete_and_edit_of_the_same_record_is_a_conflict(backend, tmp_path):
    """A tombstone on one side and an edit on the other: both kept, nobody wins silently."""
    from tests.sync.helpers import register_device

    central = init(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "cles")
    a, b = make_vault(tmp_path / "a"), make_vault(tmp_path / "b", "Karim Benali")
    try:
        for ctx in (a, b):
            sync.enroll(ctx, tmp_path / "cles" / "inscription-siege.json")
            register_device(central, ctx)
        sid = add_session(a)
        _exchange(central, [a, b], tmp_path)
        edit(a, m.AtelierSession, sid, deleted_at=m.utcnow())
        edit(b, m.AtelierSession, sid, title="Atelier maintenu")
        _exchange(central, [a, b], tmp_path)
        [conflict] = conflicts.list_conflicts(central)
        assert sorted(v.op for v in conflict.versions) == ["delete", "update"]
        # While in conflict the devices keep their own version.
        with b.vault.session() as s:
            assert s.get(m.AtelierSession, sid).title == "Atelier maintenu"
        keep = next(v.letter for v in conflict.versions if v.op == "update")
        conflicts.resolve(central, conflict.id, keep)
        _exchange(central, [a, b], tmp_path)
        with a.vault.session() as s:
            row = s.get(m.AtelierSession, sid)
            assert row.deleted_at is None and row.title == "Atelier maintenu"
    finally:
        a.vault.close()
        b.vault.close()
        central.close()


def test_a_vault_restored_from_a_backup_becomes_a_new_device_and_nothing_is_lost(db_url, tmp_path):
    """The laptop is lost; the conseiller restores last week's backup on a new one. The restored
    vault's audit journal and bundle numbers would fork from what the lost laptop sent since: it
    becomes a new device, approved like any, which carries what had not been acknowledged at the
    backup; the central office keeps everything both sent, and is told which device it replaces."""
    from datetime import date

    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from tests.sync.helpers import PASSPHRASE

    central = init(db_url, tmp_path / "cles", "Siège de test")
    a = make_vault(tmp_path / "a", "Marie Dupont", "arrageois")
    sync.enroll(a, tmp_path / "cles" / "inscription-siege.json")
    awa = add_person(a, "N'Diaye", "Awa")
    out = tmp_path / "vers-siege"
    out.mkdir()
    old_id = sync.identity(a).device_id
    assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "quarantaine"
    devices.approve(central, old_id)
    made = {p.device_id: Path(p.file or "") for p in publish.publish(central, tmp_path / "retour-1")}
    sync.import_bundle(a, made[old_id])
    backup = a.vault.backup(tmp_path / "sauvegarde-coffre.db")

    # After the backup the old laptop still sent a file and a change, then was lost.
    jerome = add_person(a, "Lefèvre", "Jérôme")
    beneficiaries.update(a, awa, {"phone": "0612345678"})
    assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "ingere"
    a.vault.close()

    Vault.restore(tmp_path / "b", backup, PASSPHRASE)
    b = Context(Vault.open(tmp_path / "b", PASSPHRASE), today=lambda: date(2026, 11, 28))
    try:
        lea = add_person(b, "Vandenbroucke", "Léa")
        new_id = sync.identity(b).device_id
        assert new_id != old_id
        with b.vault.session() as s:
            sent_upto = s.scalar(select(func.max(m.AuditEntry.seq)))  # what the first bundle carries
        first = ingest.ingest_file(central, Path(sync.export(b, out).path))
        assert first.status == "quarantaine"
        assert "restauré" in first.message and old_id in first.message and "Marie Dupont" in first.message
        assert f"devices revoke {old_id}" in first.message
        approved = devices.approve(central, new_id)
        assert approved.errors == () and len(approved.ingested) == 1

        people = {k[1]: v for k, v in central_records(central).items() if k[0] == "beneficiary"}
        assert set(people) == {awa, jerome, lea}
        assert people[awa]["phone"] == "+33612345678"  # the lost laptop's last change is kept
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, tmp_path / "retour-2")}
        assert sync.import_bundle(b, made[new_id]).status == "importe"
        assert sync.status(b).changes_waiting == 0
        # From now on the new device goes on like any other: nothing already received is sent again.
        add_person(b, "Œuvrard", "Noé")
        waiting = sync.status(b).changes_waiting  # the new file and its first pathway step
        with b.vault.session() as s:
            audit_since = s.scalar(select(func.count()).where(m.AuditEntry.seq > sent_upto))
        again = sync.export(b, out)
        assert again.changes == waiting <= 2 and again.sequence == 2 and again.audit == audit_since
        assert ingest.ingest_file(central, Path(again.path)).status == "ingere"
    finally:
        b.vault.close()
