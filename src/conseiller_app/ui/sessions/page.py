"""The Ateliers page: browse sessions (list or calendar, with filters), open one (details,
participants, waiting list), take attendance, print attendance sheets. Its data loads when it is
first shown after an unlock (see ``ui/pages/load_on_show.py``)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from conseiller_app.storage.services.sessions import Participant, SessionDetail, SessionRow
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.documents import operations as doc_ops
from conseiller_app.ui.documents.preview import DocumentPreview
from conseiller_app.ui.pages.base import page_header
from conseiller_app.ui.pages.load_on_show import LoadOnShowPage
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.sessions.attendance_mode import AttendanceMode
from conseiller_app.ui.sessions.calendar_view import CalendarView
from conseiller_app.ui.sessions.filters import SessionFilters
from conseiller_app.ui.sessions.list_model import session_list_model
from conseiller_app.ui.sessions.positioning_dialog import PositioningDialog
from conseiller_app.ui.sessions.register_dialog import RegisterDialog
from conseiller_app.ui.sessions.session_dialog import SessionDialog
from conseiller_app.ui.sessions.session_view import SessionView
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.formatting import plural
from conseiller_app.ui.widgets.lazy_table import ID_ROLE
from conseiller_app.ui.widgets.tables import list_view, set_stretch, set_widths
from conseiller_app.ui.worker import DbWorker


class AteliersPage(LoadOnShowPage):
    open_beneficiary = Signal(str)
    status_message = Signal(str)
    changes_made = Signal(object)  # Changes (ui/changes.py)
    shows = (Kind.SESSIONS, Kind.FILES)

    def changes_happened(self, _changes: Changes) -> None:
        if not self._locked and self.env is not None and self.isVisible():
            self.shown_again()

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, ops.environment, parent)
        self._month_generation = 0
        tr = self.tr

        # Browser: list and calendar.
        self.new_button = QPushButton(tr("Nouvelle session…"))
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_session)
        self.filters = SessionFilters()
        self.filters.changed.connect(self.run_query)
        self.model = session_list_model(worker, self)
        self.model.query_finished.connect(self._counted)
        self.model.query_failed.connect(self._failed)
        self.table = list_view()
        self.table.setObjectName("sessionsTable")
        table(self.table, self.tr("Sessions"),
              self.tr("Une session par ligne : dates, intitulé, lieu, places. Entrée ouvre la session."))
        self.table.setModel(self.model)
        set_widths(self.table, [185, 240, 110, 110, 120])  # at 1024 px the title and place keep ~120 px each
        set_stretch(self.table, [1, 5])
        self.table.activated.connect(lambda index: self.open_session(index.data(ID_ROLE)))
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)  # long counts wrap at 1024 px instead of being cut
        self.count_label.setObjectName("hint")
        list_tab = QWidget()
        list_layout = QVBoxLayout(list_tab)
        list_layout.setContentsMargins(0, 8, 0, 0)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.count_label)
        self.calendar = CalendarView()
        self.calendar.month_changed.connect(lambda _f, _l: self.load_month())
        self.calendar.session_activated.connect(self.open_session)
        calendar_tab = QWidget()
        calendar_layout = QVBoxLayout(calendar_tab)
        calendar_layout.setContentsMargins(0, 8, 0, 0)
        calendar_layout.addWidget(self.calendar)
        self.views = QTabWidget()
        self.views.setObjectName("sessionViews")
        self.views.setDocumentMode(True)
        self.views.addTab(list_tab, tr("Liste"))
        self.views.addTab(calendar_tab, tr("Calendrier"))
        self.views.currentChanged.connect(self._view_changed)

        browser = QWidget()
        top = QHBoxLayout()
        top.addWidget(page_header(tr("Ateliers"), tr("Ateliers de sensibilisation, découvertes métiers, SAS "
                                                     "préparatoires, SPOTT et informations collectives.")), 1)
        top.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)
        browser_layout = QVBoxLayout(browser)
        browser_layout.setContentsMargins(24, 20, 24, 16)
        browser_layout.setSpacing(10)
        browser_layout.addLayout(top)
        browser_layout.addWidget(self.filters)
        browser_layout.addWidget(self.banner)
        browser_layout.addWidget(self.views, 1)

        # One session, and its attendance mode.
        self.session_view = SessionView(worker)
        self.session_view.back_requested.connect(self.show_browser)
        self.session_view.edit_requested.connect(self.edit_session)
        self.session_view.register_requested.connect(self.ask_register)
        self.session_view.attendance_requested.connect(self.start_attendance)
        self.session_view.sheet_requested.connect(self.print_sheet)
        self.session_view.open_beneficiary.connect(self.open_beneficiary)
        self.session_view.positioning_requested.connect(self.ask_positioning)
        self.session_view.changed.connect(self.model.refresh)
        self.session_view.changed.connect(
            lambda: self.changes_made.emit(Changes.of(Kind.SESSIONS, Kind.FILES, origin=self)))
        self.attendance = AttendanceMode(worker)
        self.attendance.closed.connect(self.end_attendance)

        self.stack = QStackedWidget()
        self.stack.addWidget(browser)
        self.stack.addWidget(self.session_view)
        self.stack.addWidget(self.attendance)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.browser = browser

    # --- page hooks ----------------------------------------------------------------------------

    def lock(self) -> None:
        """Clear every name from the widgets; writes already queued still reach the vault."""
        super().lock()
        self._month_generation += 1
        self.model.clear()
        self.calendar.clear()
        self.session_view.clear()
        self.attendance.clear()
        self.count_label.clear()
        self.stack.setCurrentWidget(self.browser)

    def shown_again(self) -> None:
        if self.stack.currentWidget() is self.browser:
            self.model.refresh()

    def environment_loaded(self, env: dict) -> None:
        first = self.env is None
        super().environment_loaded(env)
        if first:
            self.filters.set_reference(env["territories"], env["chantiers"], self.today())
            self.calendar.show_day(self.today())
        self.run_query()

    # --- browsing ------------------------------------------------------------------------------

    def run_query(self) -> None:
        if self._locked or self.env is None:
            return
        if self.views.currentIndex() == 0:
            self.model.set_query(self.filters.query(self.today()))
        else:
            self.load_month()

    def _view_changed(self, index: int) -> None:
        self.filters.set_calendar_mode(index == 1)
        self.run_query()

    def load_month(self) -> None:
        if self._locked or self.env is None:
            return
        self._month_generation += 1
        generation = self._month_generation
        first, last = self.calendar.first_and_last()
        self._worker.submit(ops.month_sessions, self.filters.query(self.today()), first, last,
                            on_done=lambda rows: self._month_loaded(generation, rows), on_error=self._failed)

    def _month_loaded(self, generation: int, rows: list[SessionRow]) -> None:
        if generation == self._month_generation and not self._locked:
            self.calendar.set_sessions(rows)

    def _counted(self, n: int) -> None:
        self.count_label.setText(plural(n, self.tr("session"), self.tr("sessions")) if n else
                                 self.tr("Aucune session ne correspond à ces filtres."))

    def show_browser(self) -> None:
        self.session_view.clear()
        self.stack.setCurrentWidget(self.browser)
        self.run_query()

    # --- one session ---------------------------------------------------------------------------

    def open_session(self, session_id: str | None) -> None:
        if not session_id or self._locked:
            return
        self.session_view.clear()
        self.session_view.load(session_id)
        self.stack.setCurrentWidget(self.session_view)

    def new_session(self) -> SessionDialog | None:
        return self._session_dialog(None)

    def edit_session(self, session: SessionDetail) -> SessionDialog | None:
        return self._session_dialog(session)

    def _session_dialog(self, session: SessionDetail | None) -> SessionDialog | None:
        if self.env is None or self._locked:
            return None
        dialog = SessionDialog(self._worker, self.env, session, self)
        dialog.saved.connect(lambda result: self._session_saved(session is None, result))
        self._show_dialog(dialog)
        return dialog

    def _session_saved(self, created: bool, result: ops.SessionSaved) -> None:
        text = self.tr("Session créée.") if created else self.tr("Session enregistrée.")
        if result.promoted:
            text += " " + self.tr("{n} de la liste d'attente prennent les places ajoutées.").format(
                n=plural(len(result.promoted), self.tr("personne"), self.tr("personnes")))
        if result.warnings:
            text += " " + self.tr("Attention : {w}").format(w=" ".join(result.warnings))
        self.open_session(result.id)
        self.session_view.banner.show_message(text, "warning" if result.warnings else "success")
        self.model.refresh()
        self.changes_made.emit(Changes.of(Kind.SESSIONS, origin=self))

    def ask_register(self, session: SessionDetail) -> RegisterDialog | None:
        if self._locked:
            return None
        dialog = RegisterDialog(self._worker, session, self, agencies=(self.env or {}).get("agencies"))
        dialog.registered.connect(self.session_view.registered)
        self._show_dialog(dialog)
        return dialog

    def ask_positioning(self, session: SessionDetail, person: Participant) -> PositioningDialog | None:
        """« Modifier le positionnement… » of a registered person (indicator 2)."""
        if self._locked:
            return None
        dialog = PositioningDialog(self._worker, session, person, (self.env or {}).get("agencies"), self)
        dialog.saved.connect(self.session_view.positioning_saved)
        self._show_dialog(dialog)
        return dialog

    # --- attendance ----------------------------------------------------------------------------

    def start_attendance(self, session: SessionDetail) -> None:
        if self._locked:
            return
        self.stack.setCurrentWidget(self.attendance)
        self.attendance.start(session)

    def end_attendance(self) -> None:
        session = self.attendance.session
        self.attendance.clear()
        if session is not None:
            self.open_session(session.id)
        else:
            self.show_browser()

    # --- documents -----------------------------------------------------------------------------

    def print_sheet(self, session_id: str, blank: bool) -> DocumentPreview | None:
        if self._locked:
            return None
        title = self.tr("Feuille d'émargement vierge") if blank else self.tr("Feuille d'émargement")
        return self._show_preview(title, doc_ops.attendance_sheet_pdf, session_id, blank)
