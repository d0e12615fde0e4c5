"""The beneficiary list: lazy model, search as you type, filters, sorting."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_beneficiaries_support import (  # noqa: F401 - fixtures
    OFFSCREEN_NOISE,
    make_file,
    open_page,
    people,
    sync_worker,
    threaded_worker,
    visible_names,
    wait_results,
)

pytestmark = OFFSCREEN_NOISE


def test_first_query_lists_every_file_sorted_by_name(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    assert visible_names(page) == ["Dubois", "Lefebvre", "Lefèvre", "Martin", "N'Diaye", "Petit"]
    assert page.list_page.count_label.text() == "6 dossiers"
