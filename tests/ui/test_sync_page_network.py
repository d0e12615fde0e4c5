"""« Envoyer au siège » / « Recevoir du siège » on the Synchronisation page against the real
service (uvicorn on 127.0.0.1): push, pull, the offline state when the service is stopped, and no
dialog for being offline; the automatic exchange setting (off by default) is kept in the vault."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from conseiller_app.central import devices, publish
from conseiller_app.central.service import init, set_service_address
from conseiller_app.storage.models import utcnow
from conseiller_app.sync import service as sync
from conseiller_app.ui.sync_page import SyncPage, ops
from conseiller_app.ui.worker import DbWorker
from tests.central.webserver import WebServer
from tests.sync.helpers import add_person


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "siege"
    root.mkdir()
    url = f"sqlite:///{root / 'siege.db'}"
    central = init(url, root / "cles", "Siège de test")
    server = WebServer(url, root / "cles")
    set_service_address(root / "cles", server.url)
    server.start()
    yield central, server, root / "cles" / "inscription-siege.json"
    server.stop()
    central.close()


@pytest.fixture
def page(qtbot, ctx, clock, served):
    clock.value = utcnow().date()
    sync.enroll(ctx, served[2])
    worker = DbWorker(synchronous=True)
    worker.set_context(ctx)
    widget = SyncPage(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 900)
    widget.vault_opened()
    return widget


def _no_dialog() -> bool:
    return not any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_push_pull_and_offline(page, ctx, served, qtbot):
    central, server, _ = served
    assert page.network_box.isVisibleTo(page) and page.push_button.isEnabled()
    assert not page.auto_check.isChecked() and ops.auto_minutes(ctx) == 0  # off by default
    add_person(ctx, "Dupont")

    page.push_button.click()
    assert page.exchange_state.text() == "envoi en cours…" and not page.push_button.isEnabled()
    qtbot.waitUntil(lambda: page.exchange_state.text().startswith("envoyé à "), timeout=30_000)
    assert "en attente d'approbation" in page.result_banner.text()
    qtbot.waitUntil(lambda: page.status.history and page.status.history[0].direction == "out")

    [d] = devices.list_devices(central)
    devices.approve(central, d.id)
    publish.publish(central, None)
    page.pull_button.click()
    qtbot.waitUntil(lambda: page.exchange_state.text().startswith("reçu à "), timeout=30_000)
    qtbot.waitUntil(lambda: page.status.changes_waiting == 0 and page.status.last_import_at is not None)

    server.stop()
    exported = len(page.status.history)
    add_person(ctx, "Martin")
    page.push_button.click()
    qtbot.waitUntil(lambda: page.exchange_state.text() == "hors ligne", timeout=30_000)
    assert _no_dialog() and page.result_banner.kind != "error"
    page.refresh()
    assert len(page.status.history) == exported  # offline: no bundle made for nothing
    page.pull_button.click()
    qtbot.waitUntil(lambda: page.exchange_state.text() == "hors ligne" and page.pull_button.isEnabled(),
                    timeout=30_000)
    assert _no_dialog()

    # The automatic exchange: saved in the vault, its timer armed; offline, it backs off.
    page.auto_check.setChecked(True)
    assert ops.auto_minutes(ctx) == 30 and page.exchange.timer.isActive()
    page.exchange._auto()
    qtbot.waitUntil(lambda: page.exchange_state.text() == "hors ligne" and not page.exchange.busy, timeout=30_000)
    assert page.exchange.timer.remainingTime() <= 4 * 60_000  # retried after a few minutes, not 30
    page.lock()
    assert not page.exchange.timer.isActive()


def test_automatic_exchange_runs_from_the_start_without_visiting_the_page(shell, ctx, vault, passphrase, qtbot,
                                                                          served):
    sync.enroll(ctx, served[2])
    vault.close()
    win = shell.unlocked(passphrase)
    qtbot.wait(300)
    assert win.workspace.built_page("sync") is None  # off by default: nothing runs
    win.lock()
    qtbot.waitUntil(lambda: not win.session.is_open)

    with_auto = shell.unlocked(passphrase)
    with_auto.worker.submit(ops.set_auto_minutes, 15)
    with_auto.lock()
    qtbot.waitUntil(lambda: not with_auto.session.is_open)
    from tests.ui.shell_helpers import unlock

    unlock(qtbot, with_auto, passphrase)
    qtbot.waitUntil(lambda: with_auto.workspace.built_page("sync") is not None)
    page = with_auto.workspace.built_page("sync")
    qtbot.waitUntil(lambda: page.exchange.timer.isActive() and page.auto_check.isChecked())
    assert with_auto.workspace.current_key() != "sync"
