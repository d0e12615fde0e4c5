"""The filter bar shared by the list and calendar views: kind, territory, chantier, period,
seats left. The period is hidden in the calendar (the calendar's month is the period)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from conseiller_app.domain.enums import SessionKind
from conseiller_app.ui.sessions.operations import SessionQuery
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.choices import fill_combo

PERIODS = ("upcoming", "month", "past", "all", "custom")


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class SessionFilters(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.kind = QComboBox()
        fill_combo(self.kind, SessionKind.choices(), tr("Tous les types"))
        self.territory = QComboBox()
        fill_combo(self.territory, [], tr("Tous les territoires"))
        self.chantier = QComboBox()
        fill_combo(self.chantier, [], tr("Tous les chantiers"))
        self.period = QComboBox()
        for value, label in zip(PERIODS, (tr("À venir"), tr("Ce mois-ci"), tr("Passées (12 derniers mois)"),
                                          tr("Toutes les dates"), tr("Dates choisies…")), strict=False):
            self.period.addItem(label, value)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.from_label = QLabel(tr("du"))
        self.to_label = QLabel(tr("au"))
        self.with_seats = QCheckBox(tr("Places libres"))
        self.with_seats.setToolTip(tr("Seulement les sessions qui ont encore des places"))
        for combo in (self.kind, self.territory, self.chantier, self.period):
            combo.setMaximumWidth(240)
            combo.currentIndexChanged.connect(self._changed)
        self.date_from.dateChanged.connect(self._changed)
        self.date_to.dateChanged.connect(self._changed)
        self.with_seats.toggled.connect(self._changed)
        for widget, name in ((self.kind, tr("Type de session")), (self.territory, tr("Territoire")),
                             (self.chantier, tr("Chantier")), (self.period, tr("Période")),
                             (self.date_from, tr("Du")), (self.date_to, tr("Au"))):
            named(widget, name)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.kind, self.territory, self.chantier, self.period, self.from_label, self.date_from,
                  self.to_label, self.date_to, self.with_seats):
            layout.addWidget(w)
        layout.addStretch(1)
        self._calendar_mode = False
        self._show_dates()

    def set_reference(self, territories: list[tuple[str, str]], chantiers: list[tuple[str, str]],
                      today: date) -> None:
        fill_combo(self.territory, territories, self.tr("Tous les territoires"))
        fill_combo(self.chantier, chantiers, self.tr("Tous les chantiers"))
        self.blockSignals(True)
        self.date_from.setDate(_qdate(today))
        self.date_to.setDate(_qdate(today + timedelta(days=90)))
        self.blockSignals(False)

    def set_calendar_mode(self, on: bool) -> None:
        self._calendar_mode = on
        self.period.setVisible(not on)
        self._show_dates()

    def _show_dates(self) -> None:
        custom = self.period.currentData() == "custom" and not self._calendar_mode
        for w in (self.from_label, self.date_from, self.to_label, self.date_to):
            w.setVisible(custom)

    def _changed(self) -> None:
        self._show_dates()
        if not self.signalsBlocked():
            self.changed.emit()

    def query(self, today: date) -> SessionQuery:
        """The filters as a query; in calendar mode without a period (the month gives it)."""
        date_from = date_to = None
        period = None if self._calendar_mode else self.period.currentData()
        if period == "upcoming":
            date_from = today
        elif period == "month":
            date_from = today.replace(day=1)
            date_to = (date_from + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        elif period == "past":
            date_from, date_to = today - timedelta(days=365), today - timedelta(days=1)
        elif period == "custom":
            date_from, date_to = _pydate(self.date_from.date()), _pydate(self.date_to.date())
        return SessionQuery(kind=self.kind.currentData(), territory=self.territory.currentData(),
                            chantier=self.chantier.currentData(), date_from=date_from, date_to=date_to,
                            with_seats=self.with_seats.isChecked())
