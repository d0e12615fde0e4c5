"""A retention purge travels: after export and ingest, the central office holds only the
tombstones of the purged file (no earlier version keeps its personal data), whether its earlier
versions were acknowledged, sent but not yet acknowledged, or never sent; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from conseiller_app.central import conflicts, ingest, publish
from conseiller_app.central.models import Node
from conseiller_app.central.service import init
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, retention
from conseiller_app.sync import service as sync
from tests.conftest import Clock
from tests.storage.test_retention import fill, make_file
from tests.sync.helpers import central_records, device_records, make_vault, register_device

SECRETS = ("Lemaire", "Océane", "oceane.lemaire", "7654321", "12 rue des Lilas", "Mobilité réduite",
           "Voiture prêtée", "Horaires décalés", "Très motivée", "0699887766")


def _nodes_of(central, ids: set[str]) -> list[tuple[str, str, bool, str]]:
    t = Node.__table__
    with central.db.read() as conn:
        return [(r.entity, r.entity_id, bool(r.deleted), r.data)
                for r in conn.execute(select(t.c.entity, t.c.entity_id, t.c.deleted, t.c.data)) if r.entity_id in ids]


def _file_keys(ctx, bid: str) -> set[str]:
    with ctx.vault.session() as s:
        ids = {bid}
        for model in (m.Barrier, m.Consent, m.PathwayStep, m.Registration, m.Referral):
            ids |= set(s.scalars(select(model.id).where(model.beneficiary_id == bid)))
        ids |= set(s.scalars(select(m.BarrierAction.id)))
    return ids


def test_purge_reaches_the_central_office(db_url, tmp_path):
    central = init(db_url, tmp_path / "cles", "Siège de test")
    a = make_vault(tmp_path / "a")
    clock = Clock(date(2026, 11, 28))
    a.today = clock
    try:
        sync.enroll(a, tmp_path / "cles" / "inscription-siege.json")
        register_device(central, a)
        gone = make_file(a, clock, date(2024, 2, 1))
        fill(a, gone, date(2024, 2, 1))
        stays = make_file(a, clock, date(2026, 9, 1), "Durand", "Lina", caf=None)
        out, back = tmp_path / "vers-siege", tmp_path / "retour"
        out.mkdir()

        # 1. everything reaches the central office and is acknowledged
        assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "ingere"
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, back)}
        sync.import_bundle(a, made[sync.identity(a).device_id])
        assert "Océane" in json.dumps([d for _, _, _, d in _nodes_of(central, {gone})], ensure_ascii=False)
        # 2. an edit sent but not yet acknowledged, then one never sent
        beneficiaries.update(a, gone, {"phone": "06 99 88 77 66"})
        assert ingest.ingest_file(central, Path(sync.export(a, out).path)).status == "ingere"
        beneficiaries.update(a, gone, {"email": "autre.adresse@exemple.fr"})

        # 3. the purge, exported and ingested
        keys = _file_keys(a, gone)
        assert retention.purge(a, [gone]).purged == 1
        result = ingest.ingest_file(central, Path(sync.export(a, out).path))
        assert result.status == "ingere" and result.conflicts_opened == 0

        # the central office's current state of every record of the file is its tombstone ...
        records = central_records(central)
        mine = {k: v for k, v in records.items() if k[1] in keys}
        assert len(mine) == len(keys) == 8
        assert all(v["deleted_at"] is not None for v in mine.values())
        assert records == device_records(a)
        assert conflicts.list_conflicts(central) == []
        # ... and no version it holds of them keeps any personal data (earlier ones are erased)
        nodes = _nodes_of(central, keys)
        held = json.dumps([d for _, _, _, d in nodes], ensure_ascii=False)
        for word in SECRETS:
            assert word not in held, word
        assert all(d == "{}" for _, _, deleted, d in nodes if not deleted)
        assert "autre.adresse" not in held  # the edit never sent did not travel at all
        # the other file is untouched
        assert records[("beneficiary", stays)]["last_name"] == "Durand"

        # 4. acknowledged: the device's journal keeps nothing of the person either
        made = {p.device_id: Path(p.file or "") for p in publish.publish(central, back)}
        assert sync.import_bundle(a, made[sync.identity(a).device_id]).status == "importe"
        assert sync.status(a).changes_waiting == 0
        with a.vault.session() as s:
            journal = json.dumps([e.data for e in s.scalars(select(m.ChangeEntry))], ensure_ascii=False)
            row = s.get(m.Beneficiary, gone)
            assert row.deleted_at is not None and row.last_name == ""  # not resurrected by the import
        for word in SECRETS:
            assert word not in journal
        assert a.vault.check().ok
    finally:
        a.vault.close()
        central.close()
