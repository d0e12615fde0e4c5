"""The head of an open file: the person's name, a one-line summary, the save state and the
« Enregistrer » button."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from conseiller_app.storage.services.beneficiaries import FileView
from conseiller_app.ui.beneficiaries.formatting import display_name
from conseiller_app.ui.widgets.accessibility import announce


class OneLineLabel(QLabel):
    """A label that never wraps: too long, it ends with « … » (the whole text in its tooltip), so
    that the header keeps one height whatever the summary says and the tabs below never move."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self.fontMetrics().horizontalAdvance(self.text()), super().sizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        rect = self.contentsRect()
        painter.drawText(rect, int(self.alignment()),
                         self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width()))


_STATE_STYLES = {
    "saving": "color: #5f6368;",
    "dirty": "color: #8a4b00; font-weight: bold;",  # 5.5:1 or more on every surface (tests/ui/test_contrast.py)
    "saved": "color: #146c2e;",
    "": "",
}


class FileHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_label = QLabel()
        self.name_label.setObjectName("fileTitle")
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name_label.setFont(font)
        self.summary_label = OneLineLabel()
        self.summary_label.setStyleSheet("color: #3c4043;")
        self.state_label = QLabel()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setToolTip(self.tr("Enregistrer le dossier (Ctrl+S)"))

        text = QVBoxLayout()
        text.addWidget(self.name_label)
        text.addWidget(self.summary_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(text, 1)
        layout.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignVCenter)
        # As wide as its longest state: a state that changes never pushes the summary around.
        bold = self.state_label.font()
        bold.setBold(True)
        widest = max(QFontMetrics(bold).horizontalAdvance(t) for t in self._state_texts().values())
        self.state_label.setMinimumWidth(widest + 8)

    def show_file(self, data: FileView | None, is_new: bool, territory_names: dict[str, str]) -> None:
        if data is None:
            self.name_label.setText(self.tr("Nouveau dossier") if is_new else "")
            self.summary_label.setText(
                self.tr("Remplissez au moins les champs marqués d'une étoile, puis enregistrez.") if is_new else "")
            return
        self.name_label.setText(display_name(data.last_name, data.first_name))
        territory = territory_names.get(data.territory or "", "")
        commune = data.commune_name + (f" ({territory})" if territory else "")
        parts = [self.tr("%1 ans").replace("%1", str(data.age)), data.public_label, commune,
                 self.tr("étape : %1").replace("%1", data.stage_label)]
        if data.referent_name:
            parts.append(self.tr("référent : %1").replace("%1", data.referent_name))
        self.summary_label.setText(" · ".join(parts))

    def _state_texts(self) -> dict[str, str]:
        return {"saving": self.tr("Enregistrement…"), "dirty": self.tr("Modifications non enregistrées"),
                "saved": self.tr("Enregistré"), "": ""}

    def show_state(self, state: str) -> None:
        """``saving``, ``dirty``, ``saved`` or ``''`` (a new file not typed in yet)."""
        text = self._state_texts()[state]
        changed = text != self.state_label.text()
        self.state_label.setText(text)
        self.state_label.setStyleSheet(_STATE_STYLES[state])
        if changed and state in ("saved", "dirty"):
            announce(self.state_label, text)
        self.save_button.setEnabled(state != "saving")

    def clear(self) -> None:
        self.name_label.clear()
        self.summary_label.clear()
