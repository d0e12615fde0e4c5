"""Paramètres › Conservation des données: the months setting saved in the vault (1–36), the
« Voir les dossiers à purger… » dialog listing the files with their reason, the purge after a
confirmation that says it is final and reaches the central office, then the list refreshed."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.services import beneficiaries, retention, search
from conseiller_app.ui.pages.settings import SettingsPage
from tests.storage.test_retention import fill, make_file
from tests.ui.pages_support import OFFSCREEN_NOISE, show

pytestmark = OFFSCREEN_NOISE


def _open_page(qtbot, worker) -> SettingsPage:
    page = show(qtbot, SettingsPage(worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.name.text() == "Marie Dupont")
    return page


def test_months_setting_is_saved_within_range(qtbot, ctx, sync_worker):
    page = _open_page(qtbot, sync_worker)
    assert page.retention_months.value() == 24
    assert (page.retention_months.minimum(), page.retention_months.maximum()) == (1, 36)
    page.retention_months.setValue(18)
    page.save_retention_months()
    qtbot.waitUntil(lambda: "18 mois" in page.retention_saved.text())
    with ctx.vault.session() as s:
        assert get_setting(s, "retention_months") == "18"
    page.lock()
    assert page.retention_saved.text() == ""


def test_dialog_lists_then_purges_after_confirmation(qtbot, ctx, clock, sync_worker, tmp_path):
    old = make_file(ctx, clock, date(2024, 2, 1))
    fill(ctx, old, date(2024, 2, 1))
    running = make_file(ctx, clock, date(2023, 6, 1), "Petit", "Léo", caf=None)
    fill(ctx, running, date(2023, 6, 1), open_referral=True)
    make_file(ctx, clock, date(2026, 6, 1), "Recent", "Noé", caf=None)

    page = _open_page(qtbot, sync_worker)
    page.show_purge.click()
    dialog = page.retention_dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert dialog.isVisible()
    texts = [[dialog.model.item(r, c).text() for c in range(5)] for r in range(2)]
    assert texts[0][:4] == ["LEMAIRE Océane", "01/02/2024", "Repérage", "À purger"]
    assert texts[0][4].startswith("Sans contact depuis le 01/02/2024")
    assert texts[1][0] == "PETIT Léo" and texts[1][3] == "À vérifier" and "Orientation en cours" in texts[1][4]
    assert "2 dossiers sans contact" in dialog.summary.text() and "1 à purger, 1 à vérifier" in dialog.summary.text()
    # « à purger » ticked, « à vérifier » not
    assert dialog.checked_ids() == [old]
    assert dialog.purge_button.isEnabled() and dialog.purge_button.text() == "Purger la sélection (1)"

    _render(dialog, tmp_path)

    # cancelling the confirmation purges nothing
    dialog.purge_button.click()
    box = dialog.confirmation
    assert isinstance(box, QMessageBox)
    assert "ne peut pas être annulée" in box.text() and "siège" in box.text()
    next(b for b in box.buttons() if b.text() == "Annuler").click()
    qtbot.waitUntil(lambda: dialog.confirmation is None)
    assert beneficiaries.count(ctx) == 3

    purged = []
    dialog.purged.connect(purged.append)
    seen_by_page = []
    page.files_purged.connect(seen_by_page.append)
    dialog.purge_button.click()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: purged == [1])
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert seen_by_page == [1]
    assert "1 dossier purgé." in dialog.banner.text() and "siège" in dialog.banner.text()
    assert dialog.model.item(0, 0).text() == "PETIT Léo" and dialog.checked_ids() == []
    assert not dialog.purge_button.isEnabled()
    assert beneficiaries.count(ctx) == 2
    assert search.search(ctx, "lemaire") == []
    assert ctx.vault.check().ok

    # the « à vérifier » one, ticked by hand, is purged too
    dialog.model.item(0, 0).setCheckState(Qt.CheckState.Checked)
    assert dialog.checked_ids() == [running]
    dialog.purge_button.click()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: purged == [1, 1])
    qtbot.waitUntil(lambda: "Aucun dossier" in dialog.summary.text())
    assert retention.candidates(ctx).files == ()


def test_dialog_says_when_nothing_is_to_purge(qtbot, ctx, clock, sync_worker):
    make_file(ctx, clock, date(2026, 6, 1))
    page = _open_page(qtbot, sync_worker)
    page.open_retention_dialog()
    dialog = page.retention_dialog
    qtbot.waitUntil(lambda: "rien à purger" in dialog.summary.text())
    assert dialog.model.rowCount() == 0 and not dialog.purge_button.isEnabled()


def _render(dialog, tmp_path: Path) -> None:
    """A picture of the dialog for a person to look at (kept when RETENTION_PNG names a file)."""
    out = Path(os.environ.get("RETENTION_PNG") or tmp_path / "dossiers-a-purger.png")
    assert dialog.grab().save(str(out))
    assert out.stat().st_size > 1000


def test_a_purge_from_the_settings_reaches_the_open_list_at_once(shell, vault, ctx, clock, passphrase, qtbot):
    make_file(ctx, clock, date(2024, 2, 1))
    make_file(ctx, clock, date(2026, 6, 1), "Recent", "Noé", caf=None)
    vault.close()
    win = shell.unlocked(passphrase)
    win.workspace.show_page("beneficiaries")
    model = win.beneficiaries.list_page.model
    qtbot.waitUntil(lambda: model.rowCount() == 2 and model.row_data(0) is not None)
    win.workspace.show_page("settings")
    page = win.settings_page
    page.open_retention_dialog()
    dialog = page.retention_dialog
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    dialog.purge_button.click()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    qtbot.waitUntil(lambda: model.row_data(0) is not None)
    assert model.row_data(0).last_name == "Recent"
