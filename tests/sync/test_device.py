"""The device side: keys, enrollment, export, import of the central office's bundles, status."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conseiller_app.central import ingest, publish
from conseiller_app.central import reference as central_reference
from conseiller_app.central.service import init
from conseiller_app.resources import reference_dir
from conseiller_app.storage import models as m
from conseiller_app.storage.profile import set_setting
from conseiller_app.storage.services import beneficiaries
from conseiller_app.sync import crypto
from conseiller_app.sync import format as fmt
from conseiller_app.sync import service as sync
from conseiller_app.sync.errors import BundleRejected, EnrollmentRefused, NotEnrolled
from tests.sync.helpers import (
    add_person,
    add_session,
    device_signing_key,
    edit,
    forge,
    make_vault,
    open_plain,
    register_device,
)


@pytest.fixture(scope="module")
def siege(tmp_path_factory):
    root = tmp_path_factory.mktemp("siege")
    central = init(f"sqlite:///{root / 'siege.db'}", root / "cles", "Siège de test")
    central.enrollment = root / "cles" / "inscription-siege.json"
    yield central
    central.close()


@pytest.fixture
def device(tmp_path, siege):
    """An enrolled device, approved by the central office."""
    ctx = make_vault(tmp_path / "appareil")
    sync.enroll(ctx, siege.enrollment)
    register_device(siege, ctx)
    yield ctx
    ctx.vault.close()


def round_trip(siege, ctx, folder: Path) -> dict:
    folder.mkdir(exist_ok=True)
    exported = sync.export(ctx, folder)
    ingest.ingest_file(siege, Path(exported.path))
    [made] = publish.publish(siege, folder, [sync.identity(ctx).device_id])
    return sync.import_bundle(ctx, Path(made.file or ""))


def bundle_of(siege, path: Path) -> tuple[dict, dict]:
    import gzip

    _, line, _, packed = open_plain(Path(path).read_bytes(), siege.keys.age_identity)
    return json.loads(line), json.loads(gzip.decompress(packed))


def journal_size(ctx) -> int:
    with ctx.vault.session() as s:
        return s.scalar(select(func.count()).select_from(m.ChangeEntry))


# --- keys and enrollment ----------------------------------------------------------------------


def test_keys_are_made_once_and_kept_in_the_encrypted_vault(tmp_path):
    ctx = make_vault(tmp_path / "v")
    try:
        first = sync.identity(ctx)
        assert sync.identity(ctx) == first
        key = device_signing_key(ctx)
        ctx.vault.checkpoint()
        assert key.encode() not in ctx.vault.path.read_bytes()
        assert first.device_id and len(first.fingerprint.split()) == 8
    finally:
        ctx.vault.close()


def test_enrollment_pins_the_keys(tmp_path, siege):
    from conseiller_app.central.keys import create_keys

    ctx = make_vault(tmp_path / "v")
    try:
        shown = sync.read_enrollment(siege.enrollment)
        result = sync.enroll(ctx, siege.enrollment)
        assert result.changed and result.fingerprint == shown.fingerprint
        assert result.fingerprint == crypto.display_fingerprint(siege.fingerprint)
        assert not sync.enroll(ctx, siege.enrollment).changed
        create_keys(tmp_path / "autre", "Autre")
        with pytest.raises(EnrollmentRefused, match="--replace"):
            sync.enroll(ctx, tmp_path / "autre" / "inscription-siege.json")
        assert sync.status(ctx).central_fingerprint == shown.fingerprint
        assert sync.enroll(ctx, tmp_path / "autre" / "inscription-siege.json", replace=True).changed
        st_ = sync.status(ctx)  # the new central office numbers its bundles and releases afresh
        assert st_.central_name == "Autre" and st_.reference_version == 0
    finally:
        ctx.vault.close()


# --- export -----------------------------------------------------------------------------------


def test_export_needs_enrollment_and_a_demo_vault_cannot_enroll_with_a_real_central(tmp_path, siege):
    ctx = make_vault(tmp_path / "v")
    try:
        with pytest.raises(NotEnrolled):
            sync.export(ctx, tmp_path)
        with ctx.vault.session() as s:
            set_setting(s, "demo", "1")
        with pytest.raises(EnrollmentRefused, match="siège de formation"):
            sync.enroll(ctx, siege.enrollment)
        assert not sync.status(ctx).enrolled
        with pytest.raises(NotEnrolled):
            sync.export(ctx, tmp_path)
        assert list(tmp_path.glob("*.age")) == []
        assert sync.status(ctx).next_sequence == 1
    finally:
        ctx.vault.close()


def test_exported_file(device, siege, tmp_path):
    pid = add_person(device, "N'Diaye", "Awa")
    out = tmp_path / "cle-usb"
    out.mkdir()
    result = sync.export(device, out)
    path = Path(result.path)
    assert re.fullmatch(r"paquet-[0-9a-f-]{36}-000001\.age", path.name)
    assert sorted(p.name for p in out.iterdir()) == [path.name]  # nothing else left (atomic write)
    manifest, payload = bundle_of(siege, path)
    for key in ("format_version", "bundle_id", "device_id", "sequence", "created_at", "recipient", "last_ack", "counts",
                "payload", "limits", "range"):
        assert key in manifest
    assert manifest["recipient"] == siege.fingerprint and manifest["sequence"] == 1
    assert manifest["counts"]["changes"] == len(payload["changes"]) == result.changes
    entities = {c["entity"] for c in payload["changes"]}
    assert {"beneficiary", "conseiller"} <= entities and "agency" not in entities
    created = next(c for c in payload["changes"] if c["id"] == pid)
    assert created["op"] == "insert" and created["parent"] is None
    assert created["hash"] == fmt.change_hash("beneficiary", pid, "insert", created["data"])
    assert payload["audit"] and payload["audit"][0]["prev_hash"] == fmt.GENESIS
    assert payload["device"]["name"] == "Marie Dupont"


def test_bundles_are_cumulative_until_acknowledged(device, siege, tmp_path):
    p1 = add_person(device, "Martin", "Paul")
    first = sync.export(device, tmp_path)
    add_person(device, "Bernard", "Julie")
    second = sync.export(device, tmp_path)
    m1, b1 = bundle_of(siege, first.path)
    m2, b2 = bundle_of(siege, second.path)
    assert m2["range"]["changes_from"] == m1["range"]["changes_from"] == 1
    assert {c["hash"] for c in b1["changes"]} < {c["hash"] for c in b2["changes"]}
    last_p1 = [c for c in b2["changes"] if c["id"] == p1][-1]

    for path in (first.path, second.path):
        ingest.ingest_file(siege, Path(path))
    [made] = publish.publish(siege, tmp_path, [sync.identity(device).device_id])
    result = sync.import_bundle(device, Path(made.file or ""))
    assert result.newly_acknowledged > 0
    assert journal_size(device) == 1  # the newest row is kept so its number is never reused
    st_ = sync.status(device)
    assert st_.changes_waiting == 0 and st_.last_ack_at is not None
    assert {h.status for h in st_.history if h.direction == "out"} == {"accuse"}

    beneficiaries.update(device, p1, {"phone": "0611223344"})
    third = sync.export(device, tmp_path)
    m3, b3 = bundle_of(siege, third.path)
    assert m3["range"]["changes_from"] == m2["range"]["changes_to"] + 1
    [update] = [c for c in b3["changes"] if c["entity"] == "beneficiary"]
    assert update["op"] == "update" and update["parent"] == last_p1["hash"]
    assert m3["last_ack"]["changes"] == m2["range"]["changes_to"]


def test_status_warns_when_nothing_is_acknowledged_for_long(device, tmp_path):
    add_person(device, "Martin", "Paul")
    st_ = sync.status(device)
    assert st_.changes_waiting >= 2 and not st_.ack_overdue and st_.ack_warning_days == 14
    device.today = lambda: date.today() + timedelta(days=20)
    st_ = sync.status(device)
    assert st_.ack_overdue and st_.days_without_ack >= 20
    with device.vault.session() as s:
        set_setting(s, "sync_ack_warning_days", "60")
    assert not sync.status(device).ack_overdue


# --- import -----------------------------------------------------------------------------------


def test_import_refusals(device, siege, tmp_path):
    other = make_vault(tmp_path / "autre", "Karim Benali")
    try:
        sync.enroll(other, siege.enrollment)
        register_device(siege, other)
        add_person(device, "Martin", "Paul")
        ingest.ingest_file(siege, Path(sync.export(device, tmp_path).path))
        mine = sync.identity(device).device_id
        p1 = {p.device_id: Path(p.file or "") for p in publish.publish(siege, tmp_path / "p1")}
        p2 = {p.device_id: Path(p.file or "") for p in publish.publish(siege, tmp_path / "p2")}
        theirs = sync.identity(other).device_id

        def refused(path_or_bytes, reason):
            path = path_or_bytes
            if isinstance(path_or_bytes, bytes):
                path = tmp_path / "forge.age"
                path.write_bytes(path_or_bytes)
            with pytest.raises(BundleRejected) as info:
                sync.import_bundle(device, path)
            assert info.value.reason == reason, info.value.message
            assert info.value.exit_code == 5

        refused(p1[theirs], "recipient")  # encrypted to the other device
        my_identity = _age_identity(device)
        recipient = crypto.age_recipient(my_identity)
        key = siege.keys.signing_key
        data = p2[mine].read_bytes()
        refused(
            forge(data, my_identity, key, recipient, manifest=lambda m_: m_.update(device_id=theirs)), "other_device"
        )
        refused(forge(data, my_identity, crypto.new_signing_key(), recipient), "signature")
        refused(forge(data, my_identity, key, recipient, manifest=lambda m_: m_["ack"].update(changes=10**6)), "ack")
        before = journal_size(device)
        assert sync.import_bundle(device, p2[mine]).status == "importe"
        assert journal_size(device) < before
        assert sync.import_bundle(device, p2[mine]).status == "deja_importe"
        refused(p1[mine], "older")
        refused(forge(data, my_identity, key, recipient, manifest=lambda m_: m_.update(sequence=99)), "reused_id")
    finally:
        other.vault.close()


def _age_identity(ctx) -> str:
    from conseiller_app.storage.sync_models import SyncState

    with ctx.vault.session() as s:
        return s.get(SyncState, 1).age_identity


def test_reference_data_only_go_up(tmp_path):
    root = tmp_path / "siege"
    central = init(f"sqlite:///{root / 's.db'}", root / "cles")
    ctx = make_vault(tmp_path / "v")
    try:
        sync.enroll(ctx, root / "cles" / "inscription-siege.json")
        register_device(central, ctx)
        round_trip(central, ctx, tmp_path / "r1")
        # The central office corrects a commune's territory and adds an agency: version 2.
        folder = tmp_path / "ref"
        shutil.copytree(reference_dir(), folder)
        csv = (folder / "communes-62.csv").read_text(encoding="utf-8").splitlines()
        header, rows = csv[0].split(","), csv[1:]
        arras = next(i for i, r in enumerate(rows) if r.startswith("62041,"))
        col = header.index("territoire_propose")
        cells = rows[arras].split(",")
        cells[col] = "Artois"
        rows[arras] = ",".join(cells)
        (folder / "communes-62.csv").write_text("\n".join([csv[0], *rows]) + "\n", encoding="utf-8")
        meta = json.loads((folder / "reference.json").read_text(encoding="utf-8"))
        meta["agencies"].append({"id": "0196a0b0-0000-7000-8000-000000000001", "name": "Agence nouvelle",
                                 "territory": "artois", "trades": ["macon"]})
        (folder / "reference.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        assert central_reference.load_folder(central, folder) == (2, True)
        assert central_reference.load_folder(central, folder) == (2, False)
        add_session(ctx)  # sessions point to chantiers, which the reference update replaces
        result = round_trip(central, ctx, tmp_path / "r2")
        assert result.reference_installed and result.reference_version == 2
        with ctx.vault.session() as s:
            assert s.get(m.Commune, "62041").territory == "artois"
            assert s.get(m.Agency, "0196a0b0-0000-7000-8000-000000000001").name == "Agence nouvelle"
            assert s.get(m.Setting, "reference_version").value == "siege-2"
        assert sync.status(ctx).reference_version == 2
        # A (forged, validly signed) bundle with an older reference version is refused.
        [made] = publish.publish(central, tmp_path / "r3")
        ident = _age_identity(ctx)

        def older(body):
            body["reference"]["version"] = 1

        forged = forge(Path(made.file or "").read_bytes(), ident, central.keys.signing_key, crypto.age_recipient(ident),
                       manifest=lambda m_: m_.update(reference_version=1), payload=older)
        (tmp_path / "f.age").write_bytes(forged)
        with pytest.raises(BundleRejected) as info:
            sync.import_bundle(ctx, tmp_path / "f.age")
        assert info.value.reason == "reference_older"
    finally:
        ctx.vault.close()
        central.close()


def test_local_changes_are_never_overwritten_by_the_central_office(tmp_path, siege):
    a, b = make_vault(tmp_path / "a"), make_vault(tmp_path / "b", "Karim Benali")
    try:
        for ctx in (a, b):
            sync.enroll(ctx, siege.enrollment)
            register_device(siege, ctx)
        sid = add_session(a)
        round_trip(siege, a, tmp_path / "x1")
        round_trip(siege, b, tmp_path / "x2")
        with b.vault.session() as s:
            assert s.get(m.AtelierSession, sid).capacity == 12
        edit(b, m.AtelierSession, sid, capacity=30)  # not sent yet
        edit(a, m.AtelierSession, sid, capacity=8)
        round_trip(siege, a, tmp_path / "x3")
        [made] = publish.publish(siege, tmp_path / "x4", [sync.identity(b).device_id])
        result = sync.import_bundle(b, Path(made.file or ""))
        assert result.records.local == 1
        with b.vault.session() as s:
            assert s.get(m.AtelierSession, sid).capacity == 30
        ingest.ingest_file(siege, Path(sync.export(b, tmp_path).path))
        from conseiller_app.central import conflicts

        assert any(c.entity_id == sid for c in conflicts.list_conflicts(siege))
    finally:
        a.vault.close()
        b.vault.close()


@pytest.fixture(scope="module")
def central_bundle(tmp_path_factory, siege):
    root = tmp_path_factory.mktemp("fuzz-appareil")
    ctx = make_vault(root / "v")
    sync.enroll(ctx, siege.enrollment)
    register_device(siege, ctx)
    ingest.ingest_file(siege, Path(sync.export(ctx, root).path))
    [made] = publish.publish(siege, root, [sync.identity(ctx).device_id])
    yield ctx, Path(made.file or "").read_bytes(), root
    ctx.vault.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_or_mutated_central_bundles_are_refused(central_bundle, data):
    ctx, original, root = central_bundle
    if data.draw(st.booleans()):
        blob = data.draw(st.binary(max_size=2048))
    else:
        blob = bytearray(original)
        pos = data.draw(st.integers(0, len(blob) - 1))
        if data.draw(st.booleans()):
            blob[pos] ^= data.draw(st.integers(1, 255))
        else:
            del blob[pos:]
        blob = bytes(blob)
    path = root / "essai.age"
    path.write_bytes(blob)
    with pytest.raises(BundleRejected):
        sync.import_bundle(ctx, path)
