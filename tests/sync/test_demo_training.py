"""A training central office (« conseiller-central init --demo »): demo vaults sync to it end to
end, and demonstration data and real data never meet — in bundles, both ways, and at enrollment."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conseiller_app.central import devices, ingest, publish
from conseiller_app.central.service import DEMO_NAME, init, open_central
from conseiller_app.central.status import status
from conseiller_app.storage import demo
from conseiller_app.storage import models as m
from conseiller_app.storage.services import Context
from conseiller_app.storage.vault import Vault
from conseiller_app.sync import device
from conseiller_app.sync import service as sync
from conseiller_app.sync.enrollment import read_enrollment
from conseiller_app.sync.errors import BundleRejected, EnrollmentRefused
from tests.sync.helpers import PASSPHRASE, add_person, db_dump, forge, make_vault, open_plain


@pytest.fixture
def training(tmp_path):
    central = init(f"sqlite:///{tmp_path / 'formation.db'}", tmp_path / "cles-formation", DEMO_NAME, demo=True)
    central.enrollment = tmp_path / "cles-formation" / "inscription-siege.json"
    yield central
    central.close()


@pytest.fixture
def real(tmp_path):
    central = init(f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles", "Siège réel")
    central.enrollment = tmp_path / "cles" / "inscription-siege.json"
    yield central
    central.close()


@pytest.fixture
def demo_vault(tmp_path):
    vault = Vault.create(tmp_path / "demo", PASSPHRASE, "Conseillère Démo", "arrageois", "MDS", check_policy=False)
    demo.generate(vault, 12, seed=5, today=date(2026, 11, 28))
    ctx = Context(vault, today=lambda: date(2026, 11, 28))
    yield ctx
    vault.close()


@pytest.fixture
def real_vault(tmp_path):
    ctx = make_vault(tmp_path / "reel")
    add_person(ctx, "Martin")
    yield ctx
    ctx.vault.close()


def _pin_anyway(ctx, enrollment: Path) -> None:
    """Pin a central office's keys without the enrollment's check (a vault enrolled by an older
    release, or altered): the central office must still refuse what it sends."""
    with ctx.vault.session() as s:
        device.pin_central(s, read_enrollment(enrollment))


def test_the_training_mark_is_kept_in_the_database_and_the_enrollment_file(training, real, tmp_path):
    assert training.demo and not real.demo
    reopened = open_central(f"sqlite:///{tmp_path / 'formation.db'}")
    try:
        assert reopened.demo and status(reopened).central.demo is True
    finally:
        reopened.close()
    assert read_enrollment(training.enrollment).demo is True
    doc = json.loads(training.enrollment.read_text(encoding="utf-8"))
    assert doc["format_version"] == 2 and doc["demo"] is True
    doc = json.loads(real.enrollment.read_text(encoding="utf-8"))
    assert doc["format_version"] == 1 and "demo" not in doc  # real files: unchanged, every release reads them


def test_a_demo_vault_syncs_to_a_training_central_end_to_end(training, demo_vault, tmp_path):
    enrolled = sync.enroll(demo_vault, training.enrollment)
    assert enrolled.name == DEMO_NAME
    out = tmp_path / "usb"
    out.mkdir()
    exported = sync.export(demo_vault, out)
    assert exported.changes > 12
    head, line, _, _ = open_plain(Path(exported.path).read_bytes(), training.keys.age_identity)
    manifest = json.loads(line)
    assert head == b"CONSEILLER-PAQUET 2\n" and manifest["format_version"] == 2 and manifest["demo"] is True

    assert ingest.ingest_file(training, Path(exported.path)).status == "quarantaine"
    did = sync.identity(demo_vault).device_id
    assert devices.approve(training, did).errors == ()
    st = status(training)
    assert st.records["beneficiary"].active == 12 and st.bundles.ingested == 1
    [made] = publish.publish(training, out, [did])
    result = sync.import_bundle(demo_vault, Path(made.file or ""))
    assert result.status == "importe" and result.acknowledged_changes >= exported.changes
    assert sync.status(demo_vault).changes_waiting == 0


def test_a_real_central_refuses_a_demo_bundle_and_writes_nothing(real, demo_vault, tmp_path):
    with pytest.raises(EnrollmentRefused, match="siège de formation"):
        sync.enroll(demo_vault, real.enrollment)
    _pin_anyway(demo_vault, real.enrollment)
    exported = sync.export(demo_vault, tmp_path)
    before = db_dump(real)
    with pytest.raises(BundleRejected) as refused:
        ingest.ingest_file(real, Path(exported.path))
    assert refused.value.reason == "demo"
    assert "coffre de démonstration" in refused.value.message and "Rien n'a été enregistré" in refused.value.message
    assert db_dump(real) == before  # no device, no quarantine, no incident
    assert devices.list_devices(real) == []


def test_a_training_central_refuses_a_real_bundle_and_writes_nothing(training, real_vault, tmp_path):
    with pytest.raises(EnrollmentRefused, match=r"vrais\s+dossiers"):
        sync.enroll(real_vault, training.enrollment)
    assert not sync.status(real_vault).enrolled
    _pin_anyway(real_vault, training.enrollment)
    exported = sync.export(real_vault, tmp_path)
    head, line, _, _ = open_plain(Path(exported.path).read_bytes(), training.keys.age_identity)
    assert head == b"CONSEILLER-PAQUET 1\n" and "demo" not in json.loads(line)
    before = db_dump(training)
    with pytest.raises(BundleRejected) as refused:
        ingest.ingest_file(training, Path(exported.path))
    assert refused.value.reason == "demo" and "siège de formation" in refused.value.message
    assert db_dump(training) == before


def test_the_demo_mark_is_signed_and_its_format_version_checked(training, demo_vault, tmp_path):
    sync.enroll(demo_vault, training.enrollment)
    exported = sync.export(demo_vault, tmp_path)
    data = Path(exported.path).read_bytes()
    identity, recipient = training.keys.age_identity, training.keys.recipient
    with demo_vault.vault.session() as s:
        key = device.ensure_state(s).signing_key

    # Dropping the mark without the device's key breaks the signature.
    head, line, sig, packed = open_plain(data, identity)
    man = json.loads(line)
    del man["demo"]
    from conseiller_app.sync import crypto
    from conseiller_app.sync import format as fmt

    tampered = crypto.encrypt(b"".join([head, fmt.canonical(man), b"\n", sig, packed]), recipient)
    with pytest.raises(BundleRejected) as refused:
        ingest.ingest_bytes(training, tampered, "x.age")
    assert refused.value.reason in ("format", "signature")

    # Version 2 without the mark, or version 1 with it: not a valid manifest, even well signed.
    for container, change in ((b"CONSEILLER-PAQUET 2\n", lambda m_: m_.pop("demo")),
                              (b"CONSEILLER-PAQUET 1\n", lambda m_: m_.update(format_version=1))):
        forged = forge(data, identity, key, recipient, manifest=change, container=container)
        with pytest.raises(BundleRejected) as refused:
            ingest.ingest_bytes(training, forged, "x.age")
        assert refused.value.reason == "format" and "demo" in refused.value.message
    assert devices.list_devices(training) == []


def test_a_demo_vault_refuses_a_real_central_bundle(real, training, demo_vault, real_vault, tmp_path):
    """The return path: a vault takes a central office's bundle only if both are demo or both real."""
    _pin_anyway(real_vault, training.enrollment)
    exported = sync.export(real_vault, tmp_path)
    # A training central office that took the bundle anyway (older release) then published it back:
    # forge its answer from a real one, marked demo and signed with the training office's key.
    training.meta = {**training.meta, "demo": ""}  # as if it were real for one ingest
    ingest.ingest_file(training, Path(exported.path))
    did = sync.identity(real_vault).device_id
    devices.approve(training, did)
    training.meta = {**training.meta, "demo": "1"}
    [made] = publish.publish(training, tmp_path / "retour", [did])
    with real_vault.vault.session() as s:
        before = s.scalar(select(func.count()).select_from(m.ChangeEntry))
    with pytest.raises(BundleRejected) as refused:
        sync.import_bundle(real_vault, Path(made.file or ""))
    assert refused.value.reason == "demo" and "siège de formation" in refused.value.message
    with real_vault.vault.session() as s:
        assert s.scalar(select(func.count()).select_from(m.ChangeEntry)) == before
    assert sync.status(real_vault).reference_version == 0


def test_training_central_from_the_command_lines(tmp_path, capsys, monkeypatch):
    """``conseiller-central init --demo`` and its status; a demo vault's bundle through the CLI."""
    from tests.central.test_cli import Runner

    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    run = Runner(capsys, f"sqlite:///{tmp_path / 'formation.db'}", tmp_path / "cles-formation")
    code, out, _ = run.central("init", "--demo")
    assert code == 0 and "Siège de formation (données fictives)" in out
    code, out, _ = run.central("status")
    assert code == 0 and "Siège de formation (données fictives)" in out
    assert json.loads(run.central("status", "--json")[1])["demo"] is True

    real = Runner(capsys, f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles")
    assert real.central("init", "--name", "Siège réel")[0] == 0
    assert "formation" not in real.central("status")[1]

    folder = tmp_path / "demo"
    code, _, _ = run.device(folder, "demo", "--beneficiaries", "5", "--seed", "2")
    assert code == 0
    code, out, _ = run.device(folder, "sync", "status")
    assert code == 0 and "siège de formation" in out
    fingerprint = json.loads(real.central("status", "--json")[1])["central"]["fingerprint"]
    code, _, err = run.device(folder, "sync", "enroll", str(tmp_path / "cles" / "inscription-siege.json"),
                              "--fingerprint", fingerprint)
    assert code == 2 and "siège de formation" in err
    fingerprint = json.loads(run.central("status", "--json")[1])["central"]["fingerprint"]
    code, _, _ = run.device(folder, "sync", "enroll", str(tmp_path / "cles-formation" / "inscription-siege.json"),
                            "--fingerprint", fingerprint)
    assert code == 0
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    assert run.device(folder, "sync", "export", "--out", str(out_dir))[0] == 0
    [bundle] = out_dir.iterdir()
    code, out, _ = run.central("ingest", str(bundle))
    assert code == 5 and "quarantaine" in out  # an unknown device: quarantined, to approve
