"""The Ateliers page: lazy list with filters, calendar with holidays, creating and editing a
session (public holidays and weekends flagged while scheduling), registering with a waiting list,
withdrawing (the first on the waiting list takes the seat, shown at once), lock."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt

from conseiller_app.domain.enums import SessionKind
from conseiller_app.storage.services import sessions
from conseiller_app.ui.sessions.list_model import session_list_model
from conseiller_app.ui.sessions.operations import SessionQuery
from tests.ui.pages_support import OFFSCREEN_NOISE, column_texts, make_person, make_session, open_ateliers
from tests.ui.shell_helpers import visible_texts

pytestmark = OFFSCREEN_NOISE


def test_list_is_lazy_filtered_and_passes_the_model_tester(qtbot, qtmodeltester, ctx, sync_worker):
    for i in range(7):
        make_session(ctx, title=f"Atelier {i}", start=f"2026-12-{7 + i:02d}")
    make_session(ctx, title="Découverte maçonnerie", start="2027-01-11", end="2027-01-13", kind="decouverte",
                 commune="Lens")
    make_session(ctx, title="Atelier passé", start="2026-10-05")
    model = session_list_model(sync_worker, page_size=3)
    model.set_query(SessionQuery(date_from=date(2026, 11, 28)))
    assert model.rowCount() == 8
    assert model.row_data(0) is not None and model.row_data(5) is None  # only the first page so far
    qtmodeltester.check(model)
    assert model.index(7, 1).data() in ("…", "Découverte maçonnerie")  # asks for the last page
    qtbot.waitUntil(lambda: model.index(7, 1).data() == "Découverte maçonnerie")
    qtmodeltester.check(model)

    page = open_ateliers(qtbot, sync_worker)
    assert page.count_label.text() == "8 sessions"  # « À venir » by default: not the past one
    assert column_texts(page.model, 1)[:2] == ["Atelier 0", "Atelier 1"]
    page.filters.kind.setCurrentIndex(page.filters.kind.findData(SessionKind.TASTER.value))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert column_texts(page.model, 1) == ["Découverte maçonnerie"]
    assert column_texts(page.model, 3) == ["Lens-Liévin"]
    assert page.model.index(0, 0).data() == "du 11/01 au 13/01/2027"
    assert page.model.index(0, 4).data() == "0 / 12"
    page.filters.kind.setCurrentIndex(0)
    page.filters.period.setCurrentIndex(page.filters.period.findData("all"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 9)
    page.filters.period.setCurrentIndex(page.filters.period.findData("custom"))
    assert page.filters.date_from.isVisible()
    page.filters.date_from.setDate(QDate(2026, 12, 10))
    page.filters.date_to.setDate(QDate(2026, 12, 11))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert column_texts(page.model, 1) == ["Atelier 3", "Atelier 4"]


def test_calendar_counts_sessions_per_day_and_flags_holidays(qtbot, ctx, sync_worker):
    make_session(ctx, title="Atelier Noël", start="2026-12-24", end="2026-12-26")
    make_session(ctx, title="Atelier du 8", start="2026-12-08")
    make_session(ctx, title="Autre du 8", start="2026-12-08", commune="Calais")
    page = open_ateliers(qtbot, sync_worker)
    page.views.setCurrentIndex(1)
    cal = page.calendar
    assert cal.month_label.text() == "0 session en novembre 2026"  # today's month first
    cal.show_day(date(2026, 12, 8))
    qtbot.waitUntil(lambda: bool(cal.calendar.counts))
    assert not page.filters.period.isVisible()  # the calendar's month is the period
    assert cal.calendar.counts[date(2026, 12, 8)] == 2 and cal.calendar.counts[date(2026, 12, 25)] == 1
    assert cal.month_label.text() == "3 sessions en décembre 2026"
    cal.show_day(date(2026, 12, 25))
    assert cal.day_note.text() == "Jour férié : Noël."
    assert cal.day_list.count() == 1 and cal.day_list.item(0).text().startswith("Atelier Noël")
    cal.show_day(date(2026, 12, 8))
    assert [cal.day_list.item(i).text().split("\n")[0] for i in range(cal.day_list.count())] == [
        "Atelier du 8", "Autre du 8"]
    page.filters.territory.setCurrentIndex(page.filters.territory.findData("calaisis"))
    qtbot.waitUntil(lambda: cal.calendar.counts.get(date(2026, 12, 8)) == 1)
    cal.calendar.showNextMonth()
    qtbot.waitUntil(lambda: cal.month_label.text() == "0 session en janvier 2027")
    cal.day_list.itemActivated.emit(cal.day_list.item(0))  # « Aucune session » is not a session
    assert page.stack.currentWidget() is page.browser
    cal.calendar.showPreviousMonth()
    qtbot.waitUntil(lambda: bool(cal.calendar.counts))
    cal.show_day(date(2026, 12, 8))
    cal.day_list.itemActivated.emit(cal.day_list.item(0))
    qtbot.waitUntil(lambda: page.session_view.session is not None)
    assert page.session_view.title.text() == "Autre du 8"


def test_create_session_flags_holidays_and_weekends_while_scheduling(qtbot, ctx, sync_worker):
    page = open_ateliers(qtbot, sync_worker)
    dialog = page.new_session()
    qtbot.waitExposed(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(SessionKind.TASTER.value))
    dialog.commune.setText("Béthune (62400)")
    dialog.commune.editingFinished.emit()
    assert dialog.title_edit.text() == "Découverte métiers — Béthune"
    assert dialog.territory.currentData() == "artois"
    dialog.start.setDate(QDate(2026, 12, 24))
    dialog.end.setDate(QDate(2026, 12, 26))
    assert dialog.warnings.isVisible()
    assert dialog.warning_messages() == ["Le 25/12/2026 est un jour férié (Noël).", "Le 26/12/2026 est un samedi."]
    dialog.start.setDate(QDate(2026, 12, 28))  # after the end: the end follows
    assert dialog.end.date() == QDate(2026, 12, 28) and not dialog.warnings.isVisible()
    dialog.end.setDate(QDate(2027, 1, 1))
    assert dialog.warning_messages() == ["Le 01/01/2027 est un jour férié (Jour de l'an)."]
    dialog.place.setText("Lycée professionnel, atelier gros œuvre")
    dialog.capacity.setValue(8)
    dialog.chantier.setCurrentIndex(dialog.chantier.findData("csne"))
    dialog.set_trades(["macon", "coffreur_bancheur"])
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: page.session_view.session is not None)
    view = page.session_view
    assert page.stack.currentWidget() is view
    assert view.title.text() == "Découverte métiers — Béthune"
    assert "Session créée." in view.banner.text() and "Jour de l'an" in view.banner.text()
    assert view.warnings.isVisible()
    created = sessions.get(ctx, view.session.id)
    assert created.capacity == 8 and set(created.trades) == {"macon", "coffreur_bancheur"}
    assert created.place == "Lycée professionnel, atelier gros œuvre" and created.commune_name == "Béthune"

    # Edit: errors stay in the dialog, in French.
    dialog = page.edit_session(view.session)
    qtbot.waitExposed(dialog)
    assert dialog.title_edit.text() == "Découverte métiers — Béthune" and dialog.capacity.value() == 8
    dialog.title_edit.clear()
    dialog.commune.setText("Atlantis")
    dialog.submit()
    assert dialog.isVisible()
    assert "Intitulé : ce champ est obligatoire." in dialog.error_line.text()
    assert "Commune : commune inconnue" in dialog.error_line.text()
    dialog.title_edit.setText("Découverte — Béthune (janvier)")
    dialog.commune.setText("Béthune")
    dialog.submit()
    qtbot.waitUntil(lambda: view.title.text() == "Découverte — Béthune (janvier)")
    assert "Session enregistrée." in view.banner.text()


def test_waiting_list_positions_and_promotion_are_shown(qtbot, ctx, sync_worker):
    sid = make_session(ctx, capacity=1)
    ids = {name: make_person(ctx, last=name) for name in ("Aubry", "Bécourt", "Caron")}
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    view = page.session_view
    qtbot.waitUntil(lambda: view.session is not None)
    assert view.participants_title.text() == "Inscrits (0/1)" and not view.attendance_button.isEnabled()

    dialog = page.ask_register(view.session)
    qtbot.waitExposed(dialog)
    for name in ("Aubry", "Bécourt", "Caron"):
        dialog.picker.edit.setText(name)
        dialog.picker.search_now()
        assert dialog.picker.results.count() == 1
        dialog.register_button.click()
    assert "CARON Zoé est sur la liste d'attente (position 2)" in dialog.banner.text()
    # A person whose pathway cannot follow (closed) is registered, but the banner says so, not in green.
    closed = make_person(ctx, last="Dufour")
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus
    from conseiller_app.storage.services import pathway
    today = ctx.today()
    pathway.apply(ctx, closed, [P.Propose(Stage.JOB, today, skip_reason=StepReason.ALREADY_EXPERIENCED),
                                P.Start(today), P.Close(OutcomeCategory.DURABLE_JOB, today, "CDII", StepStatus.DONE)])
    dialog.picker.edit.setText("Dufour")
    dialog.picker.search_now()
    dialog.register_button.click()
    assert "DUFOUR Zoé est sur la liste d'attente" in dialog.banner.text()
    assert "Le parcours n'a pas été mis à jour" in dialog.banner.text() and dialog.banner.kind == "warning"
    sessions.withdraw(ctx, sid, closed)
    dialog.accept()
    view.reload()
    qtbot.waitUntil(lambda: len(view.waiting.rows()) == 2)
    assert [p.last_name for p in view.participants.rows()] == ["Aubry"]
    assert [(p.position, p.last_name) for p in view.waiting.rows()] == [(1, "Bécourt"), (2, "Caron")]
    assert view.waiting_title.text() == "Liste d'attente (2)"
    assert view.waiting_view.model().index(0, 0).data() == "1"

    assert view.select_person(ids["Aubry"])
    view.withdraw_button.click()
    assert "AUBRY Zoé est désinscrit·e." in view.banner.text()
    assert "BÉCOURT Zoé quitte la liste d'attente et prend la place libérée." in view.banner.text()
    assert [p.last_name for p in view.participants.rows()] == ["Bécourt"]
    assert [(p.position, p.last_name) for p in view.waiting.rows()] == [(1, "Caron")]
    promoted = view.participants.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert promoted is not None  # the promoted person's row is highlighted

    # Opening a participant's file goes through the page's signal.
    opened = []
    page.open_beneficiary.connect(opened.append)
    view.select_person(ids["Caron"])
    view.open_button.click()
    assert opened == [ids["Caron"]]


def test_lock_clears_names_and_unlock_reloads(qtbot, ctx, sync_worker):
    sid = make_session(ctx)
    sessions.register(ctx, sid, make_person(ctx, last="Dewailly"))
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    qtbot.waitUntil(lambda: page.session_view.participants.rowCount() == 1)
    page.start_attendance(page.session_view.session)
    qtbot.waitUntil(lambda: page.attendance.model.rowCount() == 1)
    page.views.setCurrentIndex(1)
    page.calendar.show_day(date(2026, 12, 7))
    qtbot.waitUntil(lambda: bool(page.calendar.calendar.counts))
    assert any("DEWAILLY" in text for text in visible_texts(page))
    page.lock()
    assert not any("ewailly" in text.lower() for text in visible_texts(page))
    assert page.stack.currentWidget() is page.browser
    assert page.model.rowCount() == 0 and page.attendance.model.rowCount() == 0
    assert page.session_view.participants.rowCount() == 0 and page.session_view.session is None
    assert not page.calendar.calendar.counts
    page.unlock()
    qtbot.waitUntil(lambda: bool(page.calendar.calendar.counts))  # the view shown before locking
    page.views.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)


def test_registration_by_keyboard_and_a_refusal_clears_the_search(qtbot, ctx, sync_worker):
    sid = make_session(ctx, capacity=5)
    aubry = make_person(ctx, last="Aubry")
    make_person(ctx, last="Aubert")
    sessions.register(ctx, sid, aubry)
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    view = page.session_view
    qtbot.waitUntil(lambda: view.session is not None)
    dialog = page.ask_register(view.session)
    qtbot.waitExposed(dialog)
    assert dialog.intro.text() == "Session « Atelier BTP — Arras »\u00a0: 4 places libres sur 5."
    picker = dialog.picker
    picker.edit.setFocus()
    qtbot.keyClicks(picker.edit, "aub")
    picker.search_now()
    assert picker.results.count() == 2
    # Down goes into the results (it did nothing), a second Down to the next person.
    qtbot.keyClick(picker.edit, Qt.Key.Key_Down)
    assert dialog.focusWidget() is picker.results and picker.results.currentRow() == 0
    qtbot.keyClick(picker.results, Qt.Key.Key_Down)
    assert picker.results.currentRow() == 1
    while picker.selected().last_name != "Aubry":
        qtbot.keyClick(picker.results, Qt.Key.Key_Up)
    qtbot.keyClick(picker.results, Qt.Key.Key_Return)  # already registered: refused
    assert dialog.banner.kind == "error" and "déjà inscrit" in dialog.banner.text()
    assert picker.edit.text() == "" and picker.results.count() == 0 and dialog.focusWidget() is picker.edit
    dialog.accept()


def test_a_session_gets_its_hours_in_the_dialog(qtbot, ctx, sync_worker):
    sid = make_session(ctx)
    page = open_ateliers(qtbot, sync_worker)
    page.open_session(sid)
    view = page.session_view
    qtbot.waitUntil(lambda: view.session is not None)
    dialog = page.edit_session(view.session)
    dialog.start_time.setText("9h")
    dialog.end_time.setText("16:30")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: sessions.get(ctx, sid).start_time == "09:00")
    assert sessions.get(ctx, sid).end_time == "16:30"
    qtbot.waitUntil(lambda: "09:00\u202f–\u202f16:30" in view.summary.text())
