"""The calendar view of the sessions: a month grid where each day shows how many sessions run
that day, French public holidays flagged; beside it, the sessions of the chosen day."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.sessions import days_of, holiday_name
from conseiller_app.storage.services.sessions import SessionRow
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.formatting import fr_long_date, fr_month, plural

HOLIDAY_BG = QColor("#fde7dc")
SESSION_BADGE = QColor("#1f5fa8")


def _py(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _qt(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class SessionCalendar(QCalendarWidget):
    """A month grid; ``counts`` maps a day to its number of sessions (drawn as a badge)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[date, int] = {}
        self.setLocale(QLocale(QLocale.Language.French, QLocale.Country.France))
        self.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.setHorizontalHeaderFormat(QCalendarWidget.HorizontalHeaderFormat.LongDayNames)
        self.setMinimumSize(520, 380)

    def mark_holidays(self, first: date, last: date) -> None:
        """Public holidays of the shown grid get their own background (the base class paints it)."""
        holiday = QTextCharFormat()
        holiday.setBackground(HOLIDAY_BG)
        holiday.setForeground(QColor("#a33a12"))
        for d in days_of(first - timedelta(days=7), last + timedelta(days=14)):
            if holiday_name(d):
                self.setDateTextFormat(_qt(d), holiday)

    def paintCell(self, painter: QPainter, rect: QRect, qdate: QDate) -> None:  # noqa: N802 - Qt API
        day = _py(qdate)
        name = holiday_name(day)
        super().paintCell(painter, rect, qdate)
        if qdate.month() != self.monthShown():
            return
        painter.save()
        small = QFont(painter.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
        painter.setFont(small)
        if name:
            painter.setPen(QColor("#a33a12"))
            painter.drawText(rect.adjusted(3, 2, -3, -2), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                             self.tr("férié"))
        n = self.counts.get(day, 0)
        if n:
            text = str(n)
            width = max(18, painter.fontMetrics().horizontalAdvance(text) + 10)
            badge = QRect(rect.right() - width - 3, rect.bottom() - 19, width, 16)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(SESSION_BADGE)
            painter.drawRoundedRect(badge, 8, 8)
            painter.setPen(QColor("white"))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()


class CalendarView(QWidget):
    """Emits ``month_changed(first_day, last_day)`` to be fed with :meth:`set_sessions`, and
    ``session_activated(id)`` on a double-click (or Entrée) in the day's list."""

    month_changed = Signal(object, object)
    session_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calendar = SessionCalendar()
        self.calendar.currentPageChanged.connect(self._page_changed)
        self.calendar.selectionChanged.connect(self._show_day)
        self.calendar.activated.connect(lambda _d: self._open_first())
        self.month_label = QLabel()
        self.month_label.setObjectName("hint")
        self.calendar.mark_holidays(*self.first_and_last())
        self.day_title = QLabel()
        self.day_title.setObjectName("sectionTitle")
        self.day_note = QLabel()
        self.day_note.setWordWrap(True)
        self.day_note.setObjectName("hint")
        self.day_list = QListWidget()
        self.day_list.setObjectName("daySessions")
        named(self.day_list, self.tr("Sessions du jour choisi"))
        self.day_list.setWordWrap(True)
        self.day_list.setSpacing(2)
        self.day_list.itemActivated.connect(self._activated)
        self._sessions: list[SessionRow] = []
        weekend = QTextCharFormat()
        weekend.setForeground(QColor("#8a4b2f"))
        for d in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
            self.calendar.setWeekdayTextFormat(d, weekend)

        side = QVBoxLayout()
        side.addWidget(self.day_title)
        side.addWidget(self.day_note)
        side.addWidget(self.day_list, 1)
        hint = QLabel(self.tr("Double-cliquez sur une session pour l'ouvrir."))
        hint.setObjectName("hint")
        side.addWidget(hint)
        left = QVBoxLayout()
        left.addWidget(self.calendar, 1)
        left.addWidget(self.month_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addLayout(side, 2)

    def first_and_last(self) -> tuple[date, date]:
        first = date(self.calendar.yearShown(), self.calendar.monthShown(), 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first, last

    def show_day(self, day: date) -> None:
        self.calendar.setSelectedDate(_qt(day))
        self.calendar.setCurrentPage(day.year, day.month)

    def selected_day(self) -> date:
        return _py(self.calendar.selectedDate())

    def _page_changed(self, _year: int, _month: int) -> None:
        self.calendar.mark_holidays(*self.first_and_last())
        self.month_changed.emit(*self.first_and_last())

    def set_sessions(self, sessions: list[SessionRow]) -> None:
        self._sessions = list(sessions)
        first, last = self.first_and_last()
        counts: dict[date, int] = {}
        for s in sessions:
            for d in days_of(max(s.start_date, first), min(s.end_date, last)):
                counts[d] = counts.get(d, 0) + 1
        self.calendar.counts = counts
        self.calendar.updateCells()
        self.month_label.setText(self.tr("{n} en {month}").format(
            n=plural(len(sessions), self.tr("session"), self.tr("sessions")), month=fr_month(first)))
        self._show_day()

    def clear(self) -> None:
        self._sessions = []
        self.calendar.counts = {}
        self.calendar.updateCells()
        self.day_list.clear()
        self.month_label.clear()

    def day_sessions(self, day: date) -> list[SessionRow]:
        return [s for s in self._sessions if s.start_date <= day <= s.end_date]

    def _show_day(self) -> None:
        day = self.selected_day()
        self.day_title.setText(fr_long_date(day).capitalize())
        notes = []
        name = holiday_name(day)
        if name:
            notes.append(self.tr("Jour férié : {name}.").format(name=name))
        elif day.weekday() >= 5:
            notes.append(self.tr("Week-end."))
        self.day_note.setText(" ".join(notes))
        self.day_note.setVisible(bool(notes))
        self.day_list.clear()
        found = self.day_sessions(day)
        for s in found:
            seats = self.tr("{r}/{c} inscrits").format(r=s.registered, c=s.capacity)
            if s.waiting:
                seats += self.tr(", {w} en attente").format(w=s.waiting)
            text = f"{s.title}\n{s.kind_label} · {s.territory_name} · {seats}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setToolTip("\n".join(s.warnings or []))
            self.day_list.addItem(item)
        if not found:
            item = QListWidgetItem(self.tr("Aucune session ce jour-là."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.day_list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        sid = item.data(Qt.ItemDataRole.UserRole)
        if sid:
            self.session_activated.emit(sid)

    def _open_first(self) -> None:
        found = self.day_sessions(self.selected_day())
        if len(found) == 1:
            self.session_activated.emit(found[0].id)
