"""Attendance mode (pointage), made for the workshop room: the participants in large rows, one
tap or one key (P, A, E; arrows to move; Suppr to clear) for présent / absent / excusé, a quick
search, walk-ins. Every tap is written at once in its own transaction: closing the laptop loses
nothing. Works offline (the vault is local)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.storage.services import sessions as session_service
from conseiller_app.storage.services.sessions import Participant, SessionDetail
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.sessions.attendance_model import (
    CHOICES,
    KEYS,
    AttendanceDelegate,
    AttendanceModel,
    NameFilter,
)
from conseiller_app.ui.sessions.walk_in_dialog import WalkInDialog
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import fr_period

ROW_HEIGHT = 58


class AttendanceMode(QWidget):
    """Emits ``closed()`` when the conseiller leaves the mode, ``changed()`` after each write
    (the session view's counts are stale)."""

    closed = Signal()
    changed = Signal()

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.session: SessionDetail | None = None
        self._generation = 0
        self.walk_in_dialog: WalkInDialog | None = None
        tr = self.tr

        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("pageSubtitle")
        self.search = QLineEdit()
        self.search.setObjectName("attendanceSearch")
        named(self.search, self.tr("Chercher un participant"))
        self.search.setPlaceholderText(tr("Rechercher un nom…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumHeight(36)
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.walk_in_button = QPushButton(tr("Ajouter un participant imprévu…"))
        self.walk_in_button.clicked.connect(self.ask_walk_in)
        self.done_button = QPushButton(tr("Terminer le pointage"))
        self.done_button.clicked.connect(self.closed)
        self.counts = QLabel()
        self.counts.setObjectName("sectionTitle")
        self.saved_state = QLabel()
        self.saved_state.setObjectName("hint")
        self.banner = Banner()
        help_text = QLabel(tr("Touchez P, A ou E (ou cliquez) pour présent, absent, excusé ; les flèches pour changer "
                              "de ligne ; Suppr pour effacer. Chaque pointage est enregistré aussitôt."))
        help_text.setObjectName("hint")
        help_text.setWordWrap(True)

        self.model = AttendanceModel(self)
        self.proxy = NameFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setObjectName("attendanceView")
        table(self.view, self.tr("Pointage des présences"),
              self.tr("Un participant par ligne. P : présent, A : absent, E : excusé, Suppr : effacer."))
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(AttendanceDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.view.horizontalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 1 + len(CHOICES)):
            self.view.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.view.setColumnWidth(column, 150)
        self.view.clicked.connect(self._clicked)
        self.view.installEventFilter(self)

        top = QHBoxLayout()
        heading = QVBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.subtitle)
        top.addLayout(heading, 1)
        top.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignTop)
        tools = QHBoxLayout()
        tools.addWidget(self.search, 1)
        tools.addWidget(self.walk_in_button)
        status = QHBoxLayout()
        status.addWidget(self.counts)
        status.addStretch(1)
        status.addWidget(self.saved_state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(help_text)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addLayout(status)

    # --- loading -------------------------------------------------------------------------------

    def start(self, session: SessionDetail) -> None:
        """Show ``session``'s registered participants (fresh from the vault)."""
        self.session = session
        self.title.setText(self.tr("Pointage — {title}").format(title=session.title))
        self.subtitle.setText(f"{session.kind_label} · {fr_period(session.start_date, session.end_date)}"
                              + (f" · {session.place}" if session.place else ""))
        self.search.clear()
        self.banner.clear()
        self.saved_state.clear()
        self.reload()

    def reload(self, select_person: str | None = None) -> None:
        if self.session is None:
            return
        self._generation += 1
        generation = self._generation
        self._worker.submit(session_service.participants, self.session.id,
                            on_done=lambda rows: self._loaded(generation, rows, select_person),
                            on_error=self._failed)

    def _loaded(self, generation: int, rows: list[Participant], select_person: str | None) -> None:
        if generation != self._generation or self.session is None:
            return
        self.model.set_rows(rows)
        self._show_counts()
        row = self.model.row_of_person(select_person) if select_person else 0
        self._select_source_row(max(row, 0))
        self.view.setFocus()

    def clear(self) -> None:
        """Forget the participants (the vault locks); writes already queued still happen."""
        self._generation += 1
        self.session = None
        self.model.clear()
        for label in (self.title, self.subtitle, self.counts, self.saved_state):
            label.clear()
        self.search.clear()
        self.banner.clear()
        # The walk-in dialog, if open, is kept: hidden during the lock by the main window.

    # --- taking attendance -----------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if obj is self.view:
                if key in KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                    self.mark_current(KEYS[Qt.Key(key)], advance=True)
                    return True
                if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                    self.mark_current(None)
                    return True
            elif obj is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.view.setFocus()
                if not self.view.currentIndex().isValid():
                    self.view.selectRow(0)
                return True
        return super().eventFilter(obj, event)

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == 0:
            return
        source = self.proxy.mapToSource(index)
        value = CHOICES[index.column() - 1]
        record = self.model.row_data(source.row())
        # A tap on the choice already made clears it (a mistaken tap is undone the same way).
        self.mark(source.row(), None if record and record.attendance == value else value)

    def mark_current(self, value: str | None, advance: bool = False) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            return
        source = self.proxy.mapToSource(index)
        self.mark(source.row(), value)
        if advance and index.row() + 1 < self.proxy.rowCount():
            self.view.selectRow(index.row() + 1)

    def mark(self, source_row: int, value: str | None) -> None:
        """Show the choice at once and write it (its own transaction on the worker)."""
        record = self.model.row_data(source_row)
        if record is None or self.session is None:
            return
        registration_id = record.registration_id
        previous = self.model.set_value(source_row, value, saving=True)
        self._show_counts()
        self.saved_state.setText(self.tr("Enregistrement…"))
        self._worker.submit(session_service.set_attendance, registration_id, value,
                            on_done=lambda _r: self._written(registration_id),
                            on_error=lambda exc: self._write_failed(registration_id, previous, exc))

    def _written(self, registration_id: str) -> None:
        self.model.write_finished(registration_id)
        if not self.model.pending:
            self.saved_state.setText(self.tr("✓ Tout est enregistré ({time})").format(
                time=datetime.now().strftime("%H:%M:%S")))
        self.changed.emit()

    def _write_failed(self, registration_id: str, previous: str | None, exc: BaseException) -> None:
        self.model.write_finished(registration_id)
        row = self.model.row_of(registration_id)
        if row >= 0:
            self.model.set_value(row, previous, saving=False)
        self._show_counts()
        self.saved_state.setText(self.tr("⚠ Dernier pointage non enregistré"))
        self.banner.show_message(user_message(exc), "error")

    @property
    def pending(self) -> int:
        return self.model.pending

    # --- helpers ---------------------------------------------------------------------------------

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        if self.proxy.rowCount():
            self.view.selectRow(0)

    def _select_source_row(self, row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

    def _show_counts(self) -> None:
        c = self.model.counts()
        self.counts.setText(self.tr("Présents {p} · Absents {a} · Excusés {e} · À pointer {n}").format(
            p=c["present"], a=c["absent"], e=c["excuse"], n=c[None]))

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(user_message(exc), "error")

    # --- walk-ins --------------------------------------------------------------------------------

    def ask_walk_in(self) -> WalkInDialog | None:
        if self.session is None:
            return None
        dialog = WalkInDialog(self._worker, self.session, self)
        dialog.added.connect(self._walk_in_added)
        dialog.finished.connect(lambda _r: self._forget_walk_in(dialog))
        self.walk_in_dialog = dialog
        dialog.open()
        return dialog

    def _forget_walk_in(self, dialog: WalkInDialog) -> None:
        if self.walk_in_dialog is dialog:
            self.walk_in_dialog = None
        dialog.deleteLater()

    def _walk_in_added(self, result: session_service.Registered) -> None:
        self.banner.show_message(self.tr("Participant ajouté et marqué présent. Son dossier est créé « à "
                                         "compléter » : complétez-le plus tard dans Bénéficiaires."), "success")
        self.reload(select_person=result.beneficiary_id)
        self.changed.emit()
