"""Sample bundles of format version 1 (``tests/data/bundles/v1``, made once by
``make_bundles.py``) and of format version 2 (``v2``, demo data, ``make_bundles_v2.py``) must keep
importing, on both sides, whatever the format becomes."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conseiller_app.central import conflicts, devices, ingest
from conseiller_app.central.service import init
from conseiller_app.central.status import CentralStatus, status
from conseiller_app.domain.errors import UsageError
from conseiller_app.storage import models as m
from conseiller_app.storage.services import Context
from conseiller_app.storage.vault import Vault
from conseiller_app.sync import service as sync
from tests.data.bundles.make_bundles import SAMPLE_PASSPHRASE
from tests.sync.helpers import open_plain

SAMPLES = Path(__file__).parents[1] / "data" / "bundles" / "v1"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


def records_json(st: CentralStatus) -> dict[str, dict[str, int]]:
    """The status's records per kind as the samples' JSON writes them."""
    return {kind: asdict(counts) for kind, counts in st.records.items()}


def test_samples_are_format_version_1():
    from conseiller_app.central.keys import load_keys

    keys = load_keys(SAMPLES / "siege")
    for name in EXPECTED["bundles_a"]:
        head, line, _, _ = open_plain((SAMPLES / name).read_bytes(), keys.age_identity)
        assert head == b"CONSEILLER-PAQUET 1\n" and json.loads(line)["format_version"] == 1


def test_sample_device_bundles_still_ingest(tmp_path):
    central = init(f"sqlite:///{tmp_path / 'siege.db'}", SAMPLES / "siege", "Siège d'essai", existing_keys=True)
    try:
        first, second = (SAMPLES / n for n in EXPECTED["bundles_a"])
        assert ingest.ingest_file(central, first).status == "quarantaine"
        [device] = devices.list_devices(central)
        assert device.id == EXPECTED["device_a"] and device.name == "Claire Martin"
        assert devices.approve(central, device.id).errors == ()
        assert ingest.ingest_file(central, second).status == "ingere"
        assert ingest.ingest_file(central, first).status == "deja_recu"
        st = status(central)
        assert records_json(st) == EXPECTED["records_from_a"]
        assert conflicts.list_conflicts(central) == [] and st.incidents == 0
    finally:
        central.close()


@pytest.fixture
def sample_vault(tmp_path):
    folder = tmp_path / "appareil"
    shutil.copytree(SAMPLES / "appareil", folder)
    ctx = Context(Vault.open(folder, SAMPLE_PASSPHRASE))
    yield ctx
    ctx.vault.close()


def test_sample_central_bundle_still_imports(sample_vault):
    ctx = sample_vault
    before = sync.status(ctx)
    assert before.changes_waiting > 0 and before.device_id == EXPECTED["device_a"]
    result = sync.import_bundle(ctx, SAMPLES / EXPECTED["central_bundle"])
    assert result.status == "importe" and result.reference_installed
    assert result.reference_version == EXPECTED["reference_version"]
    assert result.acknowledged_changes == EXPECTED["ack_changes"]
    assert result.records.applied >= 1
    with ctx.vault.session() as s:
        assert s.get(m.AtelierSession, EXPECTED["shared_session_from_b"]).title == "Atelier BTP Arras"
        assert s.scalar(select(func.count()).select_from(m.ChangeEntry)) <= 2
    after = sync.status(ctx)
    assert after.changes_waiting == 0
    assert {h.status for h in after.history if h.direction == "out"} == {"accuse"}


# --- format version 2: a demo vault and a training central office (tests/data/bundles/v2) -------

SAMPLES_V2 = Path(__file__).parents[1] / "data" / "bundles" / "v2"
EXPECTED_V2 = json.loads((SAMPLES_V2 / "expected.json").read_text(encoding="utf-8"))


def test_v2_samples_are_format_version_2_marked_demo():
    from conseiller_app.central.keys import load_keys
    from conseiller_app.sync.enrollment import read_enrollment

    keys = load_keys(SAMPLES_V2 / "siege")
    head, line, _, _ = open_plain((SAMPLES_V2 / EXPECTED_V2["bundle"]).read_bytes(), keys.age_identity)
    manifest = json.loads(line)
    assert head == b"CONSEILLER-PAQUET 2\n" and manifest["format_version"] == 2 and manifest["demo"] is True
    assert read_enrollment(SAMPLES_V2 / "siege" / "inscription-siege.json").demo


def test_v2_sample_ingests_in_a_training_central_only(tmp_path):
    from conseiller_app.sync.errors import BundleRejected

    central = init(f"sqlite:///{tmp_path / 'formation.db'}", SAMPLES_V2 / "siege", "Formation", existing_keys=True,
                   demo=True)
    try:
        bundle = SAMPLES_V2 / EXPECTED_V2["bundle"]
        assert ingest.ingest_file(central, bundle).status == "quarantaine"
        assert devices.approve(central, EXPECTED_V2["device"]).errors == ()
        assert records_json(status(central)) == EXPECTED_V2["records"]
    finally:
        central.close()
    with pytest.raises(UsageError, match="siège de formation"):  # these keys are a training office's
        init(f"sqlite:///{tmp_path / 'reel.db'}", SAMPLES_V2 / "siege", "Réel", existing_keys=True)
    # A real central office (its own keys, the same age identity copied) refuses the bundle for what it is.
    keys = tmp_path / "cles"
    shutil.copytree(SAMPLES_V2 / "siege", keys)
    (keys / "inscription-siege.json").unlink()
    real = init(f"sqlite:///{tmp_path / 'reel.db'}", keys, "Réel", existing_keys=True)
    try:
        with pytest.raises(BundleRejected) as refused:
            ingest.ingest_file(real, bundle)
        assert refused.value.reason == "demo"
    finally:
        real.close()


def test_v2_sample_central_bundle_imports_in_the_demo_vault(tmp_path):
    folder = tmp_path / "appareil"
    shutil.copytree(SAMPLES_V2 / "appareil", folder)
    ctx = Context(Vault.open(folder, SAMPLE_PASSPHRASE))
    try:
        result = sync.import_bundle(ctx, SAMPLES_V2 / EXPECTED_V2["central_bundle"])
        assert result.status == "importe" and result.reference_version == EXPECTED_V2["reference_version"]
        assert sync.status(ctx).changes_waiting == 0
    finally:
        ctx.vault.close()
