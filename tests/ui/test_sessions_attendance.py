"""Attendance mode: taps and keys (P / A / E, arrows, Suppr), quick search, a walk-in, every tap
saved at once — a crash mid-session (widget and worker gone without any save call) loses
nothing — and the results reported to the pathways afterwards."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from conseiller_app.storage.services import beneficiaries, pathway, sessions
from conseiller_app.storage.services.context import Context
from conseiller_app.storage.services.sessions import Participant
from conseiller_app.storage.vault import Vault
from conseiller_app.ui.beneficiaries import dialogs
from conseiller_app.ui.sessions.attendance_mode import AttendanceMode
from conseiller_app.ui.sessions.attendance_model import AttendanceModel
from conseiller_app.ui.sessions.walk_in_dialog import WalkInDialog
from conseiller_app.ui.worker import DbWorker
from tests.conftest import PASSPHRASE
from tests.ui.pages_support import OFFSCREEN_NOISE, click_cell, make_person, make_session, open_ateliers, show

pytestmark = OFFSCREEN_NOISE

NAMES = ["Aubry", "Bécourt", "Caron", "Delattre", "Évrard"]


def session_with_people(ctx, start="2026-11-28"):
    sid = make_session(ctx, start=start, capacity=10)
    ids = {}
    for name in NAMES:
        ids[name] = make_person(ctx, last=name)
        sessions.register(ctx, sid, ids[name])
    return sid, ids


def stored(ctx, sid) -> dict[str, str | None]:
    return {p.last_name: p.attendance for p in sessions.participants(ctx, sid)}


def names_shown(mode) -> list[str]:
    return [mode.proxy.index(r, 0).data() for r in range(mode.proxy.rowCount())]


def test_taps_and_keys_are_saved_one_by_one_with_search_walk_in_and_results(qtbot, qtmodeltester, ctx,
                                                                            sync_worker):
    sid, ids = session_with_people(ctx)
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    qtbot.waitUntil(lambda: page.session_view.participants.rowCount() == 5)
    page.session_view.attendance_button.click()
    mode = page.attendance
    assert page.stack.currentWidget() is mode
    qtbot.waitUntil(lambda: mode.model.rowCount() == 5)
    qtmodeltester.check(mode.model)
    assert names_shown(mode)[0] == "AUBRY Zoé"
    assert mode.counts.text() == "Présents 0 · Absents 0 · Excusés 0 · À pointer 5"
    qtbot.waitUntil(mode.view.hasFocus)  # ready for the keyboard, on the first row
    assert mode.view.currentIndex().row() == 0

    # Keys: P on Aubry (moves down), A on Bécourt, arrow down, E on Delattre.
    qtbot.keyClick(mode.view, Qt.Key.Key_P)
    assert stored(ctx, sid)["Aubry"] == "present"  # written at once, no save step
    assert mode.view.currentIndex().row() == 1
    qtbot.keyClick(mode.view, Qt.Key.Key_A)
    qtbot.keyClick(mode.view, Qt.Key.Key_Down)
    qtbot.keyClick(mode.view, Qt.Key.Key_E)
    assert stored(ctx, sid) == {"Aubry": "present", "Bécourt": "absent", "Caron": None, "Delattre": "excuse",
                                "Évrard": None}
    # Suppr clears the current row (Évrard now current: nothing to clear), Up then Suppr clears Delattre.
    qtbot.keyClick(mode.view, Qt.Key.Key_Up)
    qtbot.keyClick(mode.view, Qt.Key.Key_Delete)
    assert stored(ctx, sid)["Delattre"] is None

    # Taps: Présent on Caron, then a mistaken Absent on Caron corrected by a second tap on it.
    click_cell(qtbot, mode.view, 2, 1)
    assert stored(ctx, sid)["Caron"] == "present"
    click_cell(qtbot, mode.view, 2, 2)
    assert stored(ctx, sid)["Caron"] == "absent"
    click_cell(qtbot, mode.view, 2, 2)
    assert stored(ctx, sid)["Caron"] is None
    click_cell(qtbot, mode.view, 2, 1)
    assert mode.counts.text() == "Présents 2 · Absents 1 · Excusés 0 · À pointer 2"
    assert mode.saved_state.text().startswith("✓ Tout est enregistré")

    # Quick search: accents and case ignored; Entrée goes to the list and a key marks the match.
    mode.search.setText("evra")
    assert names_shown(mode) == ["ÉVRARD Zoé"]
    qtbot.keyClick(mode.search, Qt.Key.Key_Return)
    assert mode.view.hasFocus()
    qtbot.keyClick(mode.view, Qt.Key.Key_E)
    assert stored(ctx, sid)["Évrard"] == "excuse"
    mode.search.clear()
    assert len(names_shown(mode)) == 5

    # A walk-in: minimal file, flagged to complete, registered and present.
    dialog = mode.ask_walk_in()
    qtbot.waitExposed(dialog)
    dialog.last_name.setText("Fournier")
    dialog.first_name.setText("Inès")
    dialog.birth_date.setText("31/02/1999")
    dialog.submit()
    assert dialog.isVisible() and "Date de naissance" in dialog.error_line.text()
    dialog.birth_date.setText("14/02/1999")
    dialog.submit()
    qtbot.waitUntil(lambda: mode.model.rowCount() == 6)
    assert "à compléter" in mode.banner.text()
    row = mode.model.row_of_person(next(p.beneficiary_id for p in sessions.participants(ctx, sid)
                                        if p.last_name == "Fournier"))
    walk_in = mode.model.row_data(row)
    assert walk_in.attendance == "present" and walk_in.walk_in and walk_in.to_complete
    assert mode.proxy.mapToSource(mode.view.currentIndex()).row() == row  # the new person is selected
    assert mode.counts.text() == "Présents 3 · Absents 1 · Excusés 1 · À pointer 1"
    qtmodeltester.check(mode.model)


    # Back to the session, then report to the pathways.
    mode.done_button.click()
    view = page.session_view
    qtbot.waitUntil(lambda: view.session is not None and view.participants.rowCount() == 6)
    assert view.results_button.isEnabled()
    view.results_button.click()
    lines = view.banner.text().split("\n")
    assert lines[0].startswith("Parcours mis à jour\u00a0: 5 personnes (AUBRY Zoé, BÉCOURT Zoé")
    assert lines[1:] == ["Non mis à jour\u00a0:", "• DELATTRE Zoé\u00a0: non pointé·e : parcours inchangé."]
    assert view.banner.kind == "warning"  # one person left out: not a success
    steps = pathway.get(ctx, ids["Aubry"]).steps
    assert any(s.stage == "atelier" and s.status == "realisee" for s in steps)

    # The same person comes to the next session without registering: her file is found, no duplicate.
    other = make_session(ctx, start="2026-11-28", capacity=10)
    files_before = beneficiaries.count(ctx)
    dialog = WalkInDialog(sync_worker, sessions.get(ctx, other), mode)
    form_labels = [w.text() for w in dialog.findChildren(QLabel)]
    assert {"Nom *", "Prénom *", "Date de naissance *", "* champ obligatoire"} <= set(form_labels)
    dialog.last_name.setText("FOURNIER")
    dialog.first_name.setText("Ines")
    dialog.birth_date.setText("14/02/1999")
    dialog.submit()
    assert dialog.duplicate_box is not None and "FOURNIER Inès" in dialog.duplicate_box.text()
    assert beneficiaries.count(ctx) == files_before
    dialogs.click(dialog.duplicate_box, "Inscrire ce dossier et le marquer présent")
    assert beneficiaries.count(ctx) == files_before
    (again,) = sessions.participants(ctx, other)
    assert again.last_name == "Fournier" and again.attendance == "present"


def test_a_crash_mid_session_loses_no_tap(qtbot, ctx, data_dir):
    """Real threaded worker; no save call, no orderly shutdown: the vault reopened from disk
    holds every tap that was made."""
    sid, _ids = session_with_people(ctx)
    worker = DbWorker()  # a real worker thread, as in the application
    worker.submit(lambda: worker.set_context(ctx), needs_vault=False)
    mode = show(qtbot, AttendanceMode(worker))
    mode.start(sessions.get(ctx, sid))
    qtbot.waitUntil(lambda: mode.model.rowCount() == 5)
    mode.view.setFocus()
    mode.view.selectRow(0)
    for key in (Qt.Key.Key_P, Qt.Key.Key_P, Qt.Key.Key_A):
        qtbot.keyClick(mode.view, key)
    click_cell(qtbot, mode.view, 4, 3)
    qtbot.waitUntil(lambda: mode.pending == 0)  # the worker has run every write it was given

    # The crash: the widget and the worker thread vanish; nothing is saved or closed in order.
    mode.close()
    mode.deleteLater()
    thread = worker._thread
    thread.quit()
    assert thread.wait(5000)

    # A crashed process's vault lock is released by the kernel; here the process lives on.
    ctx.vault._vault_lock.release()
    reopened = Vault.open(data_dir, PASSPHRASE)
    try:
        got = {p.last_name: p.attendance for p in sessions.participants(Context(reopened), sid)}
    finally:
        reopened.close()
    assert got == {"Aubry": "present", "Bécourt": "present", "Caron": "absent", "Delattre": None,
                   "Évrard": "excuse"}


def test_a_failed_write_is_undone_on_screen_and_said(qtbot, ctx, sync_worker):
    sid, _ids = session_with_people(ctx)
    mode = show(qtbot, AttendanceMode(sync_worker))
    mode.start(sessions.get(ctx, sid))
    qtbot.waitUntil(lambda: mode.model.rowCount() == 5)
    sessions.withdraw(ctx, sid, _ids["Aubry"])  # withdrawn elsewhere meanwhile
    click_cell(qtbot, mode.view, 0, 1)
    assert mode.model.row_data(0).attendance is None
    assert "seules les personnes inscrites" in mode.banner.text()
    assert mode.saved_state.text() == "⚠ Dernier pointage non enregistré"


def test_attendance_model_alone_passes_the_model_tester(qtmodeltester):
    model = AttendanceModel()
    model.set_rows([Participant(registration_id=f"r{i}", beneficiary_id=f"b{i}", last_name=n, first_name="Léa",
                                sort_name=n.lower(), status="inscrit", status_label="Inscrit·e", attendance=None,
                                attendance_label="", walk_in=False, to_complete=False,
                                registered_at=datetime(2026, 12, 1, 9, 0), position=None, version=1)
                    for i, n in enumerate(NAMES)])
    model.set_value(1, "present", saving=True)
    qtmodeltester.check(model)
    assert model.pending == 1 and model.counts()["present"] == 1
    model.write_finished("r1")
    assert model.pending == 0
