"""The dashboard's « Prochaines étapes conseillées »: one suggestion per file of the caseload with
its reason in French; a double-click opens the file; cleared on lock."""

from __future__ import annotations

from conseiller_app.ui.pages.dashboard import DashboardPage
from tests.ui.pages_support import OFFSCREEN_NOISE, make_person, make_session, show

pytestmark = OFFSCREEN_NOISE


def test_caseload_guidance_is_listed_and_opens_files(qtbot, qtmodeltester, ctx, sync_worker):
    make_session(ctx, start="2026-12-07")
    bid = make_person(ctx, last="Lefèvre")
    page = show(qtbot, DashboardPage(sync_worker))
    page.vault_opened()
    qtbot.waitUntil(lambda: page.guidance.rowCount() == 1)
    qtmodeltester.check(page.guidance)
    row = page.guidance.row_data(0)
    assert row.beneficiary_id == bid and page.guidance.index(0, 0).data() == "LEFÈVRE Zoé"
    assert page.guidance.index(0, 1).data() and page.guidance.index(0, 2).data()  # what and why, in French
    assert page.guidance_title.text() == "Prochaines étapes conseillées (1)"
    opened = []
    page.open_beneficiary.connect(opened.append)
    page.guidance_view.activated.emit(page.guidance.index(0, 1))
    assert opened == [bid]
    page.lock()
    assert page.guidance.rowCount() == 0
