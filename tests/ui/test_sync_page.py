"""The Synchronisation page on a real vault and a real central office (SQLite, temporary folder):
enrollment, export to a chosen folder, ingest and publication at the central office, import of
its answer, a tampered bundle refused, the overdue warning, a demo vault with a training central office, lock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from conseiller_app.central import devices, ingest, publish
from conseiller_app.central.service import init
from conseiller_app.storage.demo import DEMO_KEY
from conseiller_app.storage.models import utcnow
from conseiller_app.storage.profile import set_setting
from conseiller_app.sync import service as sync
from conseiller_app.ui.sync_page import SyncPage
from conseiller_app.ui.worker import DbWorker
from tests.sync.helpers import add_person, register_device
from tests.ui.shell_helpers import visible_texts


@pytest.fixture
def siege(tmp_path):
    root = tmp_path / "siege"
    root.mkdir()
    central = init(f"sqlite:///{root / 'siege.db'}", root / "cles", "Siège de test")
    central.enrollment = root / "cles" / "inscription-siege.json"
    yield central
    central.close()


@pytest.fixture
def page(qtbot, ctx, clock):
    clock.value = utcnow().date()  # the journal's dates are real ones
    worker = DbWorker(synchronous=True)
    worker.set_context(ctx)
    widget = SyncPage(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 900)
    widget.vault_opened()
    return widget


def choose_file(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))


def choose_folder(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(path)))


def enrolled(ctx, siege) -> str:
    sync.enroll(ctx, siege.enrollment)
    return register_device(siege, ctx)


def answer_of_the_siege(ctx, siege, folder: Path) -> Path:
    """The device exports (headless), the central office ingests and publishes its answer."""
    folder.mkdir(exist_ok=True)
    exported = sync.export(ctx, folder)
    assert ingest.ingest_file(siege, Path(exported.path)).status == "ingere"
    [made] = publish.publish(siege, folder / "retour", [sync.identity(ctx).device_id])
    return Path(made.file or "")


def test_enroll_export_and_import_the_answer(page, ctx, siege, qtbot, monkeypatch, tmp_path):
    add_person(ctx, "N'Diaye", "Awa")
    add_person(ctx, "Lefèvre", "Jérôme")
    page.refresh()
    assert page.enroll_card.isVisibleTo(page) and not page.export_button.isEnabled()
    assert page.central_fingerprint.text() == "—"
    assert page.reference_version.text() == "2026.1 (livrée avec l'application)"  # as in Paramètres
    device = sync.identity(ctx)
    assert page.device_id.text() == device.device_id
    assert page.device_fingerprint.text() == device.fingerprint

    # Enroll: the central fingerprint is shown large and must be confirmed as compared.
    choose_file(monkeypatch, siege.enrollment)
    qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
    dialog = page.enroll_dialog
    assert dialog is not None and dialog.isVisible()
    groups = sync.read_enrollment(siege.enrollment).fingerprint
    assert all(g in visible_texts(dialog) for g in groups.split())
    assert not dialog.confirm.isEnabled()
    dialog.compared.setChecked(True)
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert page.status.enrolled and not page.enroll_card.isVisibleTo(page)
    assert page.central_fingerprint.text() == groups
    assert "Siège de test" in page.central.text()
    assert "Poste inscrit" in page.result_banner.text()
    assert page.export_button.isEnabled() and page.import_button.isEnabled()

    # Export into the chosen folder (a USB key): exactly one file, named after device and sequence.
    usb = tmp_path / "cle-usb"
    usb.mkdir()
    # The folder dialog does not open in the central office's keys folder (where the enrollment file was).
    asked_in: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda _parent, _title, start="": asked_in.append(start) or ""))
    page.ask_export()
    assert asked_in and Path(asked_in[0]) != siege.enrollment.parent
    choose_folder(monkeypatch, usb)
    waiting_before = sync.status(ctx).changes_waiting
    assert waiting_before > 0
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    written = list(usb.iterdir())
    assert [p.name for p in written] == [f"paquet-{device.device_id}-000001.age"]
    assert page.last_export.path == str(written[0])
    assert written[0].name in page.result_banner.text()
    st = sync.status(ctx)
    assert page.waiting_tile.value.text() == str(st.changes_waiting)
    assert page.export_tile.value.text() != "jamais" and page.ack_tile.value.text() == "jamais"
    assert page.history.rowCount() == 1
    assert page.history.index(0, 4).data() == "Exporté, en attente d'accusé de réception"

    # The central office: unknown device in quarantine, approved, then it publishes an answer.
    assert ingest.ingest_file(siege, written[0]).status == "quarantaine"
    approved = devices.approve(siege, device.device_id)
    assert approved.errors == () and len(approved.ingested) == 1
    [made] = publish.publish(siege, tmp_path / "retour", [device.device_id])

    choose_file(monkeypatch, Path(made.file or ""))
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    banner = page.result_banner.text()
    assert "Paquet du siège n°1 importé" in banner and page.result_banner.kind == "success"
    assert "Données de référence" in banner and "Accusé de réception" in banner
    assert page.last_import.newly_acknowledged > 0
    # The acknowledgment says what the conseiller sent (bundle n°1 and its changes), in the export's words.
    sent = page.last_export.changes
    assert f"le siège a bien reçu votre paquet n°1 ({sent} changement" in banner
    assert "changement(s)" not in banner and "confirmé(s)" not in banner
    # The reference version keeps the words of Paramètres (was « version 1 »).
    assert page.reference_version.text() == "publication n°1 du siège"
    assert "Données de référence mises à jour (publication n°1 du siège)." in banner
    st = sync.status(ctx)
    assert st.changes_waiting == 0 and st.last_ack_at is not None
    assert page.waiting_tile.value.text() == "0"
    assert page.ack_tile.value.text() == st.last_ack_at.strftime("%d/%m/%Y")
    assert "aujourd'hui" in page.ack_tile.detail.text()
    labels = {page.history.index(r, 4).data() for r in range(page.history.rowCount())}
    assert labels == {"Reçu par le siège", "Importé"}
    assert not page.overdue_banner.isVisibleTo(page)


def test_tampered_bundle_is_refused_and_changes_nothing(page, ctx, siege, qtbot, monkeypatch, tmp_path):
    enrolled(ctx, siege)
    add_person(ctx, "Martin", "Paul")
    answer = answer_of_the_siege(ctx, siege, tmp_path / "echanges")
    data = bytearray(answer.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "abime.age"
    tampered.write_bytes(bytes(data))
    page.refresh()
    before = sync.status(ctx)

    choose_file(monkeypatch, tampered)
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    text = page.result_banner.text()
    assert page.result_banner.kind == "error" and "Paquet refusé" in text
    assert "Rien n'a été modifié" in text and "Traceback" not in text
    assert page.last_import is None
    assert sync.status(ctx) == before
    assert page.waiting_tile.value.text() == str(before.changes_waiting) != "0"
    assert page.ack_tile.value.text() == "jamais"
    assert page.import_button.isEnabled()  # the page is usable again

    # The genuine file still imports afterwards.
    page.import_from(answer)
    assert "importé" in page.result_banner.text() and page.waiting_tile.value.text() == "0"


def test_warning_when_nothing_acknowledged_for_longer_than_the_setting(page, ctx, siege, clock, tmp_path):
    enrolled(ctx, siege)
    add_person(ctx, "Bernard", "Julie")
    sync.import_bundle(ctx, answer_of_the_siege(ctx, siege, tmp_path / "echanges"))
    add_person(ctx, "Petit", "Léo")  # waits for the next bundle
    page.refresh()
    assert not page.overdue_banner.isVisibleTo(page)

    start = clock.value
    clock.value = start + timedelta(days=14)  # the default limit itself: not yet
    page.page_shown()
    assert not page.overdue_banner.isVisibleTo(page)
    clock.value = start + timedelta(days=15)
    page.page_shown()
    assert page.overdue_banner.isVisibleTo(page)
    assert "depuis 15 jours" in page.overdue_banner.text() and "14 jours" in page.overdue_banner.text()
    assert "il y a 15 jours" in page.ack_tile.detail.text()

    with ctx.vault.session() as s:
        set_setting(s, sync.ACK_WARNING_SETTING, "30")
    page.page_shown()
    assert not page.overdue_banner.isVisibleTo(page)


def test_lock_clears_the_page_and_unlock_reloads_it(page, ctx, siege, tmp_path):
    enrolled(ctx, siege)
    add_person(ctx, "Durand", "Inès")
    usb = tmp_path / "cle"
    usb.mkdir()
    page.export_to(usb)
    device = sync.identity(ctx)
    assert device.device_id in visible_texts(page)

    page.lock()
    texts = "\n".join(visible_texts(page))
    for secret in (device.device_id, device.fingerprint, "Siège de test", "paquet-"):
        assert secret not in texts
    assert page.history.rowCount() == 0 and page.status is None
    assert not page.export_button.isEnabled() and not page.import_button.isEnabled()
    page.page_shown()  # shown while locked: nothing is loaded
    assert page.status is None

    page.unlock()
    assert page.device_id.text() == device.device_id and page.history.rowCount() == 1


def test_demo_vault_goes_only_to_a_training_central(page, ctx, siege, qtbot, tmp_path):
    with ctx.vault.session() as s:
        set_setting(s, DEMO_KEY, "1")
    page.refresh()
    assert page.demo_banner.isVisibleTo(page) and "démonstration" in page.demo_banner.text()
    assert "siège de formation" in page.demo_banner.text()
    assert page.enroll_card.isVisibleTo(page) and page.enroll_button.isEnabled()
    assert not page.export_button.isEnabled()  # not enrolled yet
    assert "formation" in page.actions_hint.text()

    # The real central office's enrollment file is refused, in plain words, and nothing is pinned.
    page.enroll_from(siege.enrollment)
    qtbot.waitUntil(lambda: page.enroll_dialog is not None)
    page.enroll_dialog.compared.setChecked(True)
    page.enroll_dialog.confirm.click()
    qtbot.waitUntil(lambda: page.result_banner.kind == "error")
    assert "siège de formation" in page.result_banner.text()
    assert not sync.status(ctx).enrolled

    # A training central office's file is taken, and the export works.
    training = init(f"sqlite:///{tmp_path / 'formation.db'}", tmp_path / "cles-formation", "Formation", demo=True)
    try:
        page.enroll_from(tmp_path / "cles-formation" / "inscription-siege.json")
        qtbot.waitUntil(lambda: page.enroll_dialog is not None)
        page.enroll_dialog.compared.setChecked(True)
        page.enroll_dialog.confirm.click()
        qtbot.waitUntil(lambda: page.status is not None and page.status.enrolled)
        assert page.export_button.isEnabled()
        out = tmp_path / "sortie"
        out.mkdir()
        page.export_to(out)
        qtbot.waitUntil(lambda: page.result_banner.kind == "success")
        [bundle] = out.iterdir()
        assert ingest.ingest_file(training, bundle).status == "quarantaine"
    finally:
        training.close()


def test_export_on_the_real_worker_thread(qtbot, data_dir, vault, passphrase, siege, tmp_path):
    from conseiller_app.ui import vault_ops

    vault.close()
    worker = DbWorker()
    try:
        opened = []
        worker.submit(vault_ops.open_vault, worker, data_dir, passphrase, needs_vault=False, on_done=opened.append)
        qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
        page = SyncPage(worker)
        qtbot.addWidget(page)
        page.vault_opened()
        qtbot.waitUntil(lambda: page.status is not None)
        assert page.enroll_card.isVisibleTo(page)

        page.enroll_from(siege.enrollment)
        qtbot.waitUntil(lambda: page.enroll_dialog is not None)
        page.enroll_dialog.compared.setChecked(True)
        page.enroll_dialog.confirm.click()
        qtbot.waitUntil(lambda: page.status is not None and page.status.enrolled)

        out = tmp_path / "partage"
        out.mkdir()
        page.export_to(out)
        assert not page.export_button.isEnabled()  # busy while the worker writes
        qtbot.waitUntil(lambda: page.last_export is not None, timeout=20_000)
        qtbot.waitUntil(lambda: page.history.rowCount() == 1 and page.export_button.isEnabled())
        assert [p.name for p in out.iterdir()] == [page.last_export.file_name]
    finally:
        worker.shutdown()


def test_enrollment_file_changed_after_the_comparison_is_refused(page, ctx, siege, tmp_path):
    copy = tmp_path / "inscription.json"
    copy.write_bytes(siege.enrollment.read_bytes())
    page.enroll_from(copy)
    dialog = page.enroll_dialog
    other = init(f"sqlite:///{tmp_path / 'autre.db'}", tmp_path / "autres-cles", "Autre siège")
    try:
        copy.write_bytes((tmp_path / "autres-cles" / "inscription-siege.json").read_bytes())
    finally:
        other.close()
    dialog.compared.setChecked(True)
    dialog.confirm.click()
    assert page.result_banner.kind == "error" and "a changé" in page.result_banner.text()
    assert not sync.status(ctx).enrolled and page.enroll_card.isVisibleTo(page)


def test_a_bundle_imported_twice_says_so(page, ctx, siege, tmp_path):
    enrolled(ctx, siege)
    answer = answer_of_the_siege(ctx, siege, tmp_path / "echanges")
    page.import_from(answer)
    page.import_from(answer)
    assert page.result_banner.kind == "info" and "déjà été importé" in page.result_banner.text()
    assert page.history.rowCount() == 2


def test_export_cancelled_before_writing_leaves_nothing(ctx, siege, tmp_path, page):
    from conseiller_app.ui.sync_page import ops
    from conseiller_app.ui.worker import CancelToken

    enrolled(ctx, siege)
    before = sync.status(ctx)
    token = CancelToken()
    token.cancel()
    outcome: dict = {}
    with pytest.raises(ops.ExportCancelled):
        ops.export(ctx, tmp_path, outcome, token=token)
    assert outcome == {} and not list(tmp_path.glob("*.age"))
    assert sync.status(ctx) == before

    page._export_cancelled(outcome, page._generation)  # what the progress dialog's Cancel leads to
    assert "Export annulé" in page.result_banner.text() and page.export_button.isEnabled()


def test_history_model(qtmodeltester, page, ctx, siege, tmp_path):
    enrolled(ctx, siege)
    sync.import_bundle(ctx, answer_of_the_siege(ctx, siege, tmp_path / "echanges"))
    page.refresh()
    qtmodeltester.check(page.history)
    assert page.history.rowCount() == 2
    assert page.history.index(0, 0).data() == "Reçu du siège"
    assert page.history.index(1, 3).data() == "1 changement, 1 entrée d'audit"
    assert "Fichier : paquet-" in page.history.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_hosted_by_the_main_window(shell, vault, passphrase, qtbot):
    vault.close()
    win = shell.unlocked(passphrase)
    page = win.workspace.pages["sync"]
    assert isinstance(page, SyncPage)
    win.workspace.show_page("sync")
    qtbot.waitUntil(lambda: page.status is not None)
    assert page.device_id.text() and page.enroll_card.isVisibleTo(page)
    win.lock()
    qtbot.waitUntil(lambda: not win.session.is_open)
    assert page.status is None and page.device_id.text() == ""
