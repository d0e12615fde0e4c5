"""The « Identité & contact » form: one widget per field of the file, each with its error label
(the services' French message, in red, right under the field)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.beneficiary import LABELS, REQUIRED
from conseiller_app.domain.enums import Nationality, Prescriber, Public
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.validation import age_on, parse_date
from conseiller_app.ui.beneficiaries.communes import CommuneCompleter, CommuneListModel, CommuneResolver
from conseiller_app.ui.beneficiaries.errors import sentence

DATE_FIELDS = ("birth_date", "spotting_date", "last_contact")
_CTX = "IdentityForm"
_GROUPS = (
    (QT_TRANSLATE_NOOP("IdentityForm", "Identité"),
     ("last_name", "first_name", "birth_date", "public", "nationality", "rqth")),
    (QT_TRANSLATE_NOOP("IdentityForm", "Coordonnées"), ("address", "commune", "phone", "email")),
    (QT_TRANSLATE_NOOP("IdentityForm", "Accompagnement"),
     ("prescriber", "spotting_date", "last_contact", "caf_number", "france_travail_id")),
)
IDENTITY_FIELDS = tuple(f for _, fields in _GROUPS for f in fields)
_PLACEHOLDERS = {
    "birth_date": QT_TRANSLATE_NOOP("IdentityForm", "JJ/MM/AAAA"),
    "spotting_date": QT_TRANSLATE_NOOP("IdentityForm", "JJ/MM/AAAA (aujourd'hui si vide)"),
    "last_contact": QT_TRANSLATE_NOOP("IdentityForm", "JJ/MM/AAAA"),
    "phone": QT_TRANSLATE_NOOP("IdentityForm", "06 12 34 56 78"),
    "email": QT_TRANSLATE_NOOP("IdentityForm", "prenom.nom@exemple.fr"),
    "caf_number": QT_TRANSLATE_NOOP("IdentityForm", "7 chiffres"),
    "commune": QT_TRANSLATE_NOOP("IdentityForm", "Nom de la commune ou code postal"),
}

_SHORT_FIELDS = ("birth_date", "spotting_date", "last_contact", "caf_number", "france_travail_id", "phone")

ERROR_STYLE = "color: #b3261e;"
HINT_STYLE = "color: #5f6368;"


def field_label(field: str) -> str:
    return QCoreApplication.translate("BeneficiaryFields", LABELS[field])


class FieldRow(QWidget):
    """A field's widget with its error line (and an optional hint line) below it."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.hint = QLabel()
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)

    def set_error(self, message: str) -> None:
        self.error.setText(sentence(message))
        self.error.setVisible(bool(message))
        self.widget.setProperty("invalid", bool(message))
        self.widget.style().unpolish(self.widget)
        self.widget.style().polish(self.widget)
        self.widget.setAccessibleDescription(sentence(message))

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))


class IdentityForm(QScrollArea):
    """Emits ``changed`` on every edit and ``field_done(field)`` when a field is left or chosen."""

    changed = Signal()
    field_done = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.resolver = CommuneResolver([])
        self._today = None
        self._communes = CommuneListModel(parent=self)
        self.rows: dict[str, FieldRow] = {}
        self._loading = False
        self._territory_names: dict[str, str] = {}

        inner = QWidget()
        inner.setStyleSheet(
            "QLineEdit[invalid=\"true\"] { border: 1px solid #b3261e; border-radius: 3px; padding: 2px; }"
        )
        grid = QGridLayout(inner)
        grid.setHorizontalSpacing(24)
        self._grid = grid
        self._boxes: list[QGroupBox] = []
        self._stacked: bool | None = None
        for _i, (title, fields) in enumerate(_GROUPS):
            box = QGroupBox(QCoreApplication.translate(_CTX, str(title)))
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            for field in fields:
                row = FieldRow(self._make_widget(field))
                self.rows[field] = row
                text = field_label(field) + (" *" if field in REQUIRED else "")
                label = QLabel(text if field != "rqth" else "")
                label.setBuddy(row.widget)
                form.addRow(label, row)
            self._boxes.append(box)
        self._legend = QLabel(self.tr("* champ obligatoire. Jamais de numéro de sécurité sociale (NIR)."))
        self._legend.setStyleSheet(HINT_STYLE)
        self._legend.setWordWrap(True)
        self._arrange(stacked=False)
        self.setWidget(inner)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        completer = CommuneCompleter(self._communes, self)
        self.widget_of("commune").setCompleter(completer)
        completer.activated.connect(lambda _: self.field_done.emit("commune"))
        self.widget_of("commune").textChanged.connect(lambda _: self._update_commune_hint())
        self.widget_of("birth_date").textChanged.connect(lambda _: self._update_age_hint())

    # Identité and Coordonnées side by side when there is room, one above the other otherwise:
    # never a horizontal scroll bar (it was needed at 1200 px and below).
    STACK_BELOW = 940

    def _arrange(self, stacked: bool) -> None:
        if stacked == self._stacked:
            return
        self._stacked = stacked
        grid = self._grid
        for w in (*self._boxes, self._legend):
            grid.removeWidget(w)
        if stacked:
            for row, box in enumerate(self._boxes):
                grid.addWidget(box, row, 0, 1, 2)
            grid.addWidget(self._legend, len(self._boxes), 0, 1, 2)
        else:
            grid.addWidget(self._boxes[0], 0, 0)
            grid.addWidget(self._boxes[1], 0, 1)
            for row, box in enumerate(self._boxes[2:], start=1):
                grid.addWidget(box, row, 0, 1, 2)
            grid.addWidget(self._legend, len(self._boxes) - 1, 0, 1, 2)
        for row in range(grid.rowCount()):
            grid.setRowStretch(row, 0)
        grid.setRowStretch(grid.rowCount(), 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._arrange(stacked=event.size().width() < self.STACK_BELOW)
        super().resizeEvent(event)

    # --- widgets ---------------------------------------------------------------------------------

    def _make_widget(self, field: str) -> QWidget:
        if field in ("public", "prescriber", "nationality"):
            combo = QComboBox()
            combo.setObjectName(field)
            enum_cls = {"public": Public, "prescriber": Prescriber, "nationality": Nationality}[field]
            first = {"public": self.tr("— Choisir —"), "prescriber": self.tr("— Non précisé —"),
                     "nationality": self.tr("Non renseignée")}[field]
            # « Non précisé » is a stored value of its own: saved as shown, never turned into « Autre ».
            combo.addItem(first, Prescriber.UNKNOWN.value if field == "prescriber" else "")
            for value, label in enum_cls.choices():
                if value != Prescriber.UNKNOWN.value:
                    combo.addItem(label, value)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._changed)
            combo.activated.connect(lambda _, f=field: self.field_done.emit(f))
            return combo
        if field == "rqth":
            box = QCheckBox(self.tr("Reconnaissance RQTH (oui / non : aucune précision de santé)"))
            box.setObjectName(field)
            box.toggled.connect(self._changed)
            return box
        edit = QLineEdit()
        edit.setObjectName(field)
        edit.setPlaceholderText(QCoreApplication.translate(_CTX, str(_PLACEHOLDERS.get(field, ""))))
        edit.textChanged.connect(self._changed)
        edit.editingFinished.connect(lambda f=field: self.field_done.emit(f))
        if field in ("last_name", "first_name"):
            edit.setMaxLength(80)
        if field in _SHORT_FIELDS:
            edit.setMaximumWidth(260)
        return edit

    def widget_of(self, field: str) -> Any:
        return self.rows[field].widget

    def error_of(self, field: str) -> str:
        row = self.rows[field]
        return row.error.text() if row.error.isVisible() or row.error.text() else ""

    def _changed(self, *_: object) -> None:
        if not self._loading:
            self.changed.emit()

    # --- reference and hints ---------------------------------------------------------------------

    def set_reference(self, communes: list[dict], today) -> None:
        self._communes.set_communes(communes)
        self.resolver = CommuneResolver(communes)
        self._today = today
        self._update_commune_hint()
        self._update_age_hint()

    def _update_commune_hint(self) -> None:
        found = self.resolver(self.widget_of("commune").text())
        hint = ""
        if len(found) == 1:
            c = self.resolver.get(found[0])
            if c:
                hint = f"{c['name']} · {c['postal_codes'].split()[0] if c['postal_codes'] else ''} · " \
                       f"{self.tr('territoire')} {self._territory_names.get(c['territory'], c['territory'])}"
        self.rows["commune"].set_hint(hint)

    def set_territory_names(self, names: dict[str, str]) -> None:
        self._territory_names = dict(names)
        self._update_commune_hint()

    def _update_age_hint(self) -> None:
        text = self.widget_of("birth_date").text()
        hint = ""
        if self._today is not None and text.strip():
            try:
                born = parse_date("birth_date", "", text)
            except ValidationError:
                born = None
            if born is not None:
                age = age_on(born, self._today())
                if 0 <= age < 130:
                    hint = self.tr("%1 ans").replace("%1", str(age))
        self.rows["birth_date"].set_hint(hint)

    # --- state -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, row in self.rows.items():
            w = row.widget
            if isinstance(w, QComboBox):
                out[field] = w.currentData() or ""
            elif isinstance(w, QCheckBox):
                out[field] = w.isChecked()
            elif isinstance(w, QLineEdit):
                out[field] = w.text()
        return out

    def set_state(self, state: dict[str, Any]) -> None:
        """Show ``state`` (as returned by :meth:`state`) without emitting ``changed``."""
        self._loading = True
        try:
            for field, row in self.rows.items():
                w = row.widget
                value = state.get(field, False if field == "rqth" else "")
                if isinstance(w, QComboBox):
                    w.setCurrentIndex(max(w.findData(value or ""), 0))
                elif isinstance(w, QCheckBox):
                    w.setChecked(bool(value))
                elif isinstance(w, QLineEdit):
                    w.setText(value or "")
                    w.setCursorPosition(0)
        finally:
            self._loading = False

    def clear(self) -> None:
        self.set_state({})
        self.show_errors({}, only=None)
        for row in self.rows.values():
            row.set_hint("")

    def show_errors(self, errors: dict[str, str], only: tuple[str, ...] | None = None) -> None:
        """Show ``errors``; clear the other fields' errors (only among ``only`` if given)."""
        for field, row in self.rows.items():
            if only is not None and field not in only:
                continue
            row.set_error(errors.get(field, ""))

    def first_error_field(self) -> str | None:
        return next((f for f in IDENTITY_FIELDS if self.rows[f].error.text()), None)
