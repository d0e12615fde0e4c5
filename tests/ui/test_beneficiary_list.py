"""The beneficiary list: lazy model, search as you type, filters, sorting, stale results."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from conseiller_app.storage import models as m
from conseiller_app.storage.services import followup
from conseiller_app.storage.services.search import Filters, Query
from conseiller_app.ui.beneficiaries.list_model import PLACEHOLDER, BeneficiaryListModel
from conseiller_app.ui.beneficiaries.list_page import BeneficiaryListPage
from tests.ui.test_beneficiaries_support import (
    OFFSCREEN_NOISE,
    open_page,
    type_text,
    visible_names,
    wait_results,
)

pytestmark = OFFSCREEN_NOISE


def search(qtbot, page, text: str, expected: int) -> list[str]:
    edit = page.list_page.search_edit
    edit.clear()
    type_text(qtbot, edit, text)
    wait_results(qtbot, page, expected)
    return visible_names(page)


def click_header(qtbot, view, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_first_query_lists_every_file_sorted_by_name(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    assert visible_names(page) == ["Dubois", "Lefebvre", "Lefèvre", "Martin", "N'Diaye", "Petit"]
    assert page.list_page.count_label.text() == "6 dossiers"
    model = page.list_page.model
    row = visible_names(page).index("Lefèvre")
    assert [model.index(row, c).data() for c in range(7)] == [
        "LEFÈVRE", "Amélie", "41", "Arras", "Allocataire du RSA", "Repérage", "28/11/2026"]
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Nom"


def test_search_as_you_type_ignores_accents_case_and_apostrophes(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    assert search(qtbot, page, "lefe", 2) == ["Lefebvre", "Lefèvre"]
    assert search(qtbot, page, "LEFÈV", 1) == ["Lefèvre"]
    assert search(qtbot, page, "ndia", 1) == ["N'Diaye"]
    assert search(qtbot, page, "n'diaye aïss", 1) == ["N'Diaye"]
    assert search(qtbot, page, "bethune", 1) == ["Martin"]  # the commune
    assert search(qtbot, page, "zzz", 0) == []
    assert page.list_page.count_label.text() == "Aucun dossier ne correspond à la recherche."
    page.list_page.search_edit.clear()  # the clear button: every file again, without waiting
    assert page.list_page.model.rowCount() == 6


def test_typing_is_debounced_into_one_query(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    started = []
    page.list_page.model.query_started.connect(lambda: started.append(1))
    qtbot.keyClicks(page.list_page.search_edit, "martin")
    assert started == []  # nothing yet: the conseiller is still typing
    wait_results(qtbot, page, 1)
    assert started == [1]


def test_each_filter_returns_the_right_files(qtbot, ctx, people, sync_worker):
    with ctx.vault.session() as s:
        colleague = m.Conseiller(name="Karim Benali", territory="lens_lievin")
        s.add(colleague)
        s.flush()
        s.get(m.Beneficiary, people["Petit"]).referent_id = colleague.id
        s.get(m.Beneficiary, people["Dubois"]).current_stage = "atelier"
        colleague_id = colleague.id
    barrier = followup.add_barrier(ctx, people["Martin"], "mobilite", "pas_de_permis")
    followup.add_barrier(ctx, people["Lefèvre"], "logement")
    followup.set_barrier_status(ctx, followup.add_barrier(ctx, people["Dubois"], "mobilite"), "leve")

    page = open_page(qtbot, sync_worker)
    lp = page.list_page
    wait_results(qtbot, page, 6)

    def choose(combo, value, expected: int) -> list[str]:
        combo.setCurrentIndex(combo.findData(value))
        wait_results(qtbot, page, expected)
        names = visible_names(page)
        combo.setCurrentIndex(0)
        wait_results(qtbot, page, 6)
        return names

    assert choose(lp.territory_combo, "lens_lievin", 2) == ["Lefebvre", "N'Diaye"]
    assert choose(lp.public_combo, "rsa", 3) == ["Dubois", "Lefebvre", "Lefèvre"]
    assert choose(lp.public_combo, "jeune", 1) == ["N'Diaye"]
    assert choose(lp.stage_combo, "atelier", 1) == ["Dubois"]
    # Only open barriers count: Dubois's mobility barrier is lifted.
    assert choose(lp.barrier_combo, "mobilite", 1) == ["Martin"]
    assert choose(lp.referent_combo, colleague_id, 1) == ["Petit"]
    assert lp.referent_combo.findText("Karim Benali") > 0

    # Filters combine with each other and with the text.
    lp.public_combo.setCurrentIndex(lp.public_combo.findData("rsa"))
    wait_results(qtbot, page, 3)
    assert search(qtbot, page, "lefe", 2) == ["Lefebvre", "Lefèvre"]
    lp.territory_combo.setCurrentIndex(lp.territory_combo.findData("arrageois"))
    wait_results(qtbot, page, 1)
    assert visible_names(page) == ["Lefèvre"]
    qtbot.mouseClick(lp.reset_button, Qt.MouseButton.LeftButton)
    wait_results(qtbot, page, 2)  # the text stays
    followup.set_barrier_status(ctx, barrier, "leve")


def test_sorting_by_header_click_reruns_the_query(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    view = page.list_page.view
    wait_results(qtbot, page, 6)
    click_header(qtbot, view, 2)  # Âge: youngest first
    qtbot.waitUntil(lambda: page.list_page.model.query().sort == "age")
    wait_results(qtbot, page, 6)
    assert visible_names(page) == ["N'Diaye", "Petit", "Dubois", "Lefèvre", "Martin", "Lefebvre"]
    click_header(qtbot, view, 2)  # again: oldest first
    qtbot.waitUntil(lambda: page.list_page.model.query().descending)
    wait_results(qtbot, page, 6)
    assert visible_names(page) == ["Lefebvre", "Martin", "Lefèvre", "Dubois", "Petit", "N'Diaye"]
    click_header(qtbot, view, 3)  # Commune, ascending again
    qtbot.waitUntil(lambda: page.list_page.model.query().sort == "commune")
    wait_results(qtbot, page, 6)
    order = visible_names(page)
    assert order[0] == "Lefèvre" and order[-2:] == ["N'Diaye", "Lefebvre"]  # Arras … Lens, Liévin
    # Prénom cannot be sorted by the services: the list and its indicator stay as they were.
    click_header(qtbot, view, 1)
    assert page.list_page.model.query().sort == "commune"
    assert view.horizontalHeader().sortIndicatorSection() == 3
    assert visible_names(page) == order


def test_commune_sort_ignores_accents(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    page.list_page.model.sort(3, Qt.SortOrder.AscendingOrder)
    wait_results(qtbot, page, 6)
    assert visible_names(page) == ["Lefèvre", "Martin", "Petit", "Dubois", "N'Diaye", "Lefebvre"]


def test_sorting_by_stage_and_last_contact(qtbot, ctx, people, sync_worker):
    from datetime import date

    with ctx.vault.session() as s:
        s.get(m.Beneficiary, people["Petit"]).current_stage = "emploi"
        s.get(m.Beneficiary, people["Martin"]).current_stage = "atelier"
        s.get(m.Beneficiary, people["Dubois"]).last_contact = date(2026, 1, 5)
    page = open_page(qtbot, sync_worker)
    model = page.list_page.model
    wait_results(qtbot, page, 6)
    model.sort(5, Qt.SortOrder.DescendingOrder)
    wait_results(qtbot, page, 6)
    assert visible_names(page)[:2] == ["Petit", "Martin"]
    model.sort(6, Qt.SortOrder.AscendingOrder)
    wait_results(qtbot, page, 6)
    assert visible_names(page)[0] == "Dubois"


def test_enter_and_double_click_open_the_file(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    search(qtbot, page, "petit", 1)
    qtbot.keyClick(page.list_page.search_edit, Qt.Key.Key_Down)  # into the results
    assert page.list_page.view.hasFocus() or page.list_page.view.currentIndex().row() == 0
    qtbot.keyClick(page.list_page.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.current_editor() is not None)
    assert page.current_editor().beneficiary_id == people["Petit"]
    page.focus_search()
    assert page.tabs.currentIndex() == 0
    search(qtbot, page, "martin", 1)
    view = page.list_page.view
    rect = view.visualRect(page.list_page.model.index(0, 0))
    # A real double click: press and release, then the double-click event (QTest's mouseDClick
    # alone sends only the latter, which the view takes for a first press).
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: page.current_editor() is not None and page.current_editor().beneficiary_id == people["Martin"]
    )
    assert page.tabs.count() == 3


def test_search_and_filters_with_the_real_worker_thread(qtbot, people, threaded_worker):
    page = open_page(qtbot, threaded_worker)
    wait_results(qtbot, page, 6)
    qtbot.waitUntil(lambda: len(visible_names(page)) == 6)
    assert search(qtbot, page, "lef", 2) == ["Lefebvre", "Lefèvre"]
    lp = page.list_page
    lp.territory_combo.setCurrentIndex(lp.territory_combo.findData("lens_lievin"))
    wait_results(qtbot, page, 1)
    qtbot.waitUntil(lambda: visible_names(page) == ["Lefebvre"])
    lp.territory_combo.setCurrentIndex(0)
    lp.search_edit.clear()
    qtbot.keyClicks(lp.search_edit, "dubo")
    wait_results(qtbot, page, 1)
    qtbot.waitUntil(lambda: visible_names(page) == ["Dubois"])


# --- the lazy model --------------------------------------------------------------------------------


def test_model_passes_qtmodeltester_with_real_data(qtbot, qtmodeltester, people, sync_worker):
    model = BeneficiaryListModel(sync_worker, page_size=4, max_pages=2)
    model.set_query(Query())
    assert model.rowCount() == 6
    qtmodeltester.check(model)
    # A page arriving while the tester watches: dataChanged is checked too.
    assert model.index(5, 0).data() == PLACEHOLDER
    qtbot.waitUntil(lambda: model.row_data(5) is not None)
    assert all(model.index(r, 0).data() != PLACEHOLDER for r in range(4, 6))
    model.set_query(Query(text="lef"))
    assert model.rowCount() == 2
    model.sort(2, Qt.SortOrder.DescendingOrder)
    model.set_query(Query(filters=Filters(public="rsa")))
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_multidata_answers_like_data(qtbot, people, sync_worker):
    """The view paints through multiData (one call per cell): it must agree with data()."""
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

    model = BeneficiaryListModel(sync_worker, page_size=4)
    model.set_query(Query())
    roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole,
             Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.CheckStateRole]
    for row in (0, 5):  # loaded, then not yet loaded
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in roles:
                item = QModelRoleData(int(role))
                model.multiData(index, QModelRoleDataSpan(item))
                assert item.data() == model.data(index, role), (row, column, role)
    assert model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def test_rows_not_loaded_show_an_ellipsis_until_their_page_arrives(qtbot, people, sync_worker):
    model = BeneficiaryListModel(sync_worker, page_size=2, max_pages=10)
    model.set_query(Query())
    assert model.index(0, 0).data() == "DUBOIS"  # the first page comes with the ids
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    assert model.index(4, 0).data() == PLACEHOLDER
    assert model.row_data(4) is None
    qtbot.waitUntil(lambda: changed == [(4, 5)])
    assert model.index(4, 0).data() == "N'DIAYE"
    assert model.fetched_rows == 4


def test_scrolling_to_the_end_does_not_load_every_row(qtbot, ctx, threaded_worker, clock):
    from conseiller_app.storage import demo

    demo.generate(ctx.vault, 3000, seed=3, today=clock.value)
    page = BeneficiaryListPage(threaded_worker)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.run_query()
    model, view = page.model, page.view
    qtbot.waitUntil(lambda: model.rowCount() > 2500, timeout=10_000)
    total = model.rowCount()
    view.scrollToBottom()
    last = total - 1
    qtbot.waitUntil(lambda: model.row_data(last) is not None, timeout=10_000)
    assert model.index(last, 0).data() not in (PLACEHOLDER, "")
    assert model.fetched_rows <= 300  # first page, last page, maybe one in between
    # Scroll through the whole list, each screen shown in turn: more rows are read than the
    # cache holds, and the cache stays bounded.
    bar = view.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep() * 7)):
        bar.setValue(value)
        top = view.rowAt(0)
        qtbot.waitUntil(lambda top=top: model.row_data(top) is not None, timeout=10_000)  # the screen is shown
    bar.setValue(bar.maximum() // 2)
    middle = view.rowAt(view.viewport().height() // 2)
    qtbot.waitUntil(lambda: model.row_data(middle) is not None, timeout=10_000)
    assert model.cached_row_count() <= 20 * 100 < model.fetched_rows


class ManualWorker:
    """Holds submitted jobs until the test runs them, in any order (to race queries)."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.jobs: list[tuple] = []

    def submit(self, fn, *args, on_done=None, on_error=None, needs_vault=True, **kwargs):
        self.jobs.append((fn, args, kwargs, on_done, on_error))

    def run(self, index: int = 0) -> None:
        fn, args, kwargs, on_done, _on_error = self.jobs.pop(index)
        result = fn(self.ctx, *args, **kwargs)
        if on_done:
            on_done(result)


def test_stale_results_are_dropped(qtbot, ctx, people):
    worker = ManualWorker(ctx)
    model = BeneficiaryListModel(worker, page_size=2)
    finished = []
    model.query_finished.connect(finished.append)
    model.set_query(Query(text="l"))  # in flight
    model.set_query(Query(text="le"))  # waits for the first to return
    model.set_query(Query(text="lef"))  # replaces the waiting one
    assert len(worker.jobs) == 1
    worker.run()  # « l » returns: dropped, and only the latest query is sent
    assert model.rowCount() == 0 and finished == []
    assert len(worker.jobs) == 1
    worker.run()
    assert finished == [2] and model.rowCount() == 2
    assert [model.index(r, 0).data() for r in range(2)] == ["LEFEBVRE", "LEFÈVRE"]

    # A page asked for before a new query arrives after it: ignored.
    model.set_query(Query())
    worker.run()
    assert model.rowCount() == 6
    model.index(4, 0).data()  # page 2 wanted
    qtbot.waitUntil(lambda: len(worker.jobs) == 1)
    model.set_query(Query(text="martin"))
    worker.run(1)  # the search returns first
    assert model.rowCount() == 1
    worker.run(0)  # then the old page: must not land in the new list
    assert model.row_data(0).last_name == "Martin"
    assert model.cached_row_count() == 1


def test_a_file_deleted_before_its_page_arrives_shows_a_dash(qtbot, ctx, people):
    """The search found it, the page fetch did not: « — », and row_data is an empty dict (loaded)."""
    worker = ManualWorker(ctx)
    model = BeneficiaryListModel(worker, page_size=2)
    model.set_query(Query(text="lef"))
    fn, args, kwargs, on_done, _on_error = worker.jobs.pop()
    ids, rows = fn(ctx, *args, **kwargs)
    del rows[ids[1]]
    on_done((ids, rows))
    assert model.rowCount() == 2
    assert model.index(0, 0).data() == "LEFEBVRE" and model.index(1, 0).data() == "—"
    assert model.row_data(1) == {} and model.fetched_rows == 2
    model.clear()
    model.refresh()  # nothing runs again before the next set_query (the vault is locked)
    assert worker.jobs == [] and model.rowCount() == 0


def test_locking_the_list_forgets_rows_and_hides_the_search(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    wait_results(qtbot, page, 6)
    search(qtbot, page, "dubois", 1)
    page.lock()
    assert page.list_page.model.rowCount() == 0
    assert page.list_page.search_edit.text() == ""
    assert page.list_page.count_label.text() == ""
    page.unlock()
    wait_results(qtbot, page, 1)
    assert page.list_page.search_edit.text() == "dubois"
    assert visible_names(page) == ["Dubois"]


def test_lock_and_refresh_keep_the_current_file_selected(qtbot, people, sync_worker):
    page = open_page(qtbot, sync_worker)
    lp = page.list_page
    wait_results(qtbot, page, 6)
    lp.view.setCurrentIndex(lp.model.index(3, 0))  # Martin
    page.lock()
    page.unlock()
    wait_results(qtbot, page, 6)
    assert lp.model.id_at(lp.view.currentIndex().row()) == people["Martin"]
    lp.refresh()
    wait_results(qtbot, page, 6)
    assert lp.model.id_at(lp.view.currentIndex().row()) == people["Martin"]
