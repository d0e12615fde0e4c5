"""The attendance list (pointage) as a table: the person, then one column per choice (présent,
absent, excusé) drawn as large buttons by ``AttendanceDelegate``. Each change is shown at once
and marked as saving until the worker confirms it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from conseiller_app.domain.enums import Attendance
from conseiller_app.domain.text import fold
from conseiller_app.storage.services.sessions import Participant
from conseiller_app.ui.widgets.formatting import display_name

_Index = QModelIndex | QPersistentModelIndex
CHOICES = (Attendance.PRESENT.value, Attendance.ABSENT.value, Attendance.EXCUSED.value)
KEYS = {Qt.Key.Key_P: Attendance.PRESENT.value, Qt.Key.Key_A: Attendance.ABSENT.value,
        Qt.Key.Key_E: Attendance.EXCUSED.value}
COLORS = {Attendance.PRESENT.value: QColor("#1e7d3a"), Attendance.ABSENT.value: QColor("#b3261e"),
          Attendance.EXCUSED.value: QColor("#a35f00")}
VALUE_ROLE = Qt.ItemDataRole.UserRole + 10  # the row's attendance (None when not taken)
SAVING_ROLE = Qt.ItemDataRole.UserRole + 11  # True while the change is being written


def _tr(text: str) -> str:
    return QCoreApplication.translate("AttendanceModel", text)


def choice_label(value: str) -> str:
    return {Attendance.PRESENT.value: _tr("Présent"), Attendance.ABSENT.value: _tr("Absent"),
            Attendance.EXCUSED.value: _tr("Excusé")}[value]


class AttendanceModel(QAbstractTableModel):
    """Rows are the service's participants (registered people)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Participant] = []
        self._saving: dict[str, int] = {}  # registration id → writes in flight

    def set_rows(self, rows: list[Participant]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._rows.sort(key=lambda r: (r.sort_name or "", r.registration_id))
        self.endResetModel()

    def clear(self) -> None:
        self._saving.clear()
        self.set_rows([])

    def row_data(self, row: int) -> Participant | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, registration_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.registration_id == registration_id), -1)

    def row_of_person(self, beneficiary_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.beneficiary_id == beneficiary_id), -1)

    def set_value(self, row: int, value: str | None, *, saving: bool) -> str | None:
        """Show ``value`` on ``row``; returns the previous value."""
        record = self._rows[row]
        previous = record.attendance
        self._rows[row] = record = replace(record, attendance=value)
        if saving:
            self._saving[record.registration_id] = self._saving.get(record.registration_id, 0) + 1
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(CHOICES)))
        return previous

    def write_finished(self, registration_id: str) -> None:
        left = self._saving.get(registration_id, 0) - 1
        if left > 0:
            self._saving[registration_id] = left
        else:
            self._saving.pop(registration_id, None)
        row = self.row_of(registration_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(CHOICES)))

    @property
    def pending(self) -> int:
        return sum(self._saving.values())

    def counts(self) -> dict[str | None, int]:
        out: dict[str | None, int] = {c: 0 for c in CHOICES}
        out[None] = 0
        for r in self._rows:
            out[r.attendance] = out.get(r.attendance, 0) + 1
        return out

    # --- Qt model --------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 1 + len(CHOICES)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role == VALUE_ROLE:
            return r.attendance
        if role == SAVING_ROLE:
            return r.registration_id in self._saving
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return display_name(r.last_name, r.first_name)
            return choice_label(CHOICES[column - 1])
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                notes = []
                if r.walk_in:
                    notes.append(_tr("venu·e sans inscription"))
                if r.to_complete:
                    notes.append(_tr("dossier à compléter"))
                return ", ".join(notes) or None
            key = "PAE"[column - 1]
            return _tr("Touche {key}").format(key=key)
        if role == Qt.ItemDataRole.AccessibleTextRole and column > 0:
            active = r.attendance == CHOICES[column - 1]
            return choice_label(CHOICES[column - 1]) + (_tr(" (choisi)") if active else "")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0:
            return _tr("Participant")
        if 1 <= section <= len(CHOICES):
            return "PAE"[section - 1]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class NameFilter(QSortFilterProxyModel):
    """Quick search on names, accent- and case-insensitive, every word must match."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = fold(text).split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802 - Qt API
        if not self._words:
            return True
        source = self.sourceModel()
        assert isinstance(source, AttendanceModel)  # the proxy of the attendance list only
        record = source.row_data(source_row)
        if record is None:
            return False
        name = fold(f"{record.last_name} {record.first_name}")
        return all(w in name for w in self._words)


class AttendanceDelegate(QStyledItemDelegate):
    """Draws the three choices as large pill buttons; the chosen one is filled with its colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if index.column() == 0:
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            font = QFont(opt.font)
            font.setPointSizeF(font.pointSizeF() * 1.25)
            if index.data(VALUE_ROLE) is None:
                font.setBold(True)  # still to take
            opt.font = font
            super().paint(painter, opt, index)
            return
        value = CHOICES[index.column() - 1]
        active = index.data(VALUE_ROLE) == value
        saving = bool(index.data(SAVING_ROLE)) and active
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight().color().lighter(150))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pill = QRect(option.rect.adjusted(6, 7, -6, -7))
        color = COLORS[value]
        if active:
            painter.setBrush(color.lighter(125) if saving else color)
            painter.setPen(Qt.PenStyle.NoPen)
        else:
            painter.setBrush(QColor("white"))
            painter.setPen(QPen(QColor("#b8c2cc"), 1))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(active)
        painter.setFont(font)
        painter.setPen(QColor("white") if active else QColor("#4a5868"))
        text = f"{'PAE'[index.column() - 1]} · {choice_label(value)}"
        if saving:
            text += " …"
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()
