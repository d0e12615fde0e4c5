"""Demo data a new conseiller can try the day on: sessions in the coming weeks, none over its
capacity; the same data for the same seed as before the generator was made faster; a vault that
passes the check and that a training central office takes whole."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conseiller_app.storage import demo
from conseiller_app.storage.services import Context, sessions
from conseiller_app.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.storage.demo_fingerprint import GENERATED, fingerprint


def test_demo_sessions_are_upcoming_too_and_never_overfull(vault):
    today = date(2026, 11, 28)
    demo.generate(vault, 300, seed=62, today=today)
    ctx = Context(vault, today=lambda: today)
    rows = sessions.list_sessions(ctx, date_from=date(2024, 1, 1))
    assert [r.title for r in rows if r.registered > r.capacity] == []
    upcoming = [r for r in rows if r.start_date > today]
    assert len(upcoming) >= 5 and all(r.start_time == "09:00" for r in upcoming)


GOLDEN = json.loads((Path(__file__).parent.parent / "data" / "demo_fingerprint.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("files,seed", [(300, 62), (40, 5)])
def test_a_seeded_generation_gives_what_the_previous_generator_gave(tmp_path, files, seed):
    """Same seed, same day: the same files, steps per stage and status, barriers, sessions,
    funding lines, search index and change journal as the generator before its speed-up
    (fingerprints recorded from commit dd9d4e8; ids and timestamps aside, see demo_fingerprint)."""
    import faker

    golden = GOLDEN["vaults"][f"{files}-{seed}"]
    version = faker.VERSION
    assert version == GOLDEN["faker"], (
        "Faker's data changed the names drawn (and with them the random stream): re-record "
        "tests/data/demo_fingerprint.json with the previous generator before comparing")
    vault = Vault.create(tmp_path / "demo", PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras", check_policy=False)
    try:
        counts = demo.generate(vault, files, seed=seed, today=date(2026, 11, 28))
        got = fingerprint(vault)
    finally:
        vault.close()
    assert counts == {t: n for t, n in golden["counts"].items() if t != "change_log"}
    assert got["counts"] == golden["counts"]
    assert got["steps"] == golden["steps"] and got["furthest"] == golden["furthest"]
    assert got["digests"] == golden["digests"]
    assert got["settings"] == golden["settings"] and got["audit"] == golden["audit"]


def test_a_demo_vault_passes_the_check_and_a_training_central_takes_all_of_it(tmp_path, capsys, monkeypatch):
    """``conseiller demo`` then ``conseiller check``; its bundle, ingested by a training central
    office, holds every generated record once (change journal complete, snapshots readable)."""
    from conseiller_app.central import devices, ingest
    from conseiller_app.central.service import DEMO_NAME, init
    from conseiller_app.central.status import status
    from conseiller_app.sync import service as sync
    from conseiller_app.sync.format import CENTRAL_OWNED
    from tests.central.test_cli import Runner

    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    run = Runner(capsys, "", tmp_path / "unused")
    folder = tmp_path / "demo"
    code, out, _ = run.device(folder, "demo", "--beneficiaries", "60", "--seed", "3")
    assert code == 0 and "60 dossiers" in out
    code, out, err = run.device(folder, "check", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["problems"] == [] and report["files"] == 60, err

    central = init(f"sqlite:///{tmp_path / 'formation.db'}", tmp_path / "cles-formation", DEMO_NAME, demo=True)
    vault = Vault.open(folder, PASSPHRASE)
    try:
        ctx = Context(vault, today=lambda: date(2026, 11, 28))
        with vault.raw() as c:
            expected = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in (*GENERATED, "conseiller")}
            journal = sum(1 for (entity,) in c.execute("SELECT entity FROM change_log")
                          if entity not in CENTRAL_OWNED)  # the agency directory comes from the central office
        sync.enroll(ctx, tmp_path / "cles-formation" / "inscription-siege.json")
        out_dir = tmp_path / "usb"
        out_dir.mkdir()
        exported = sync.export(ctx, out_dir)
        assert exported.changes == journal
        assert ingest.ingest_file(central, Path(exported.path)).status == "quarantaine"
        assert devices.approve(central, sync.identity(ctx).device_id).errors == ()
        records = status(central).records
        assert {t: records[t].active if t in records else 0 for t in expected} == expected
    finally:
        vault.close()
        central.close()
