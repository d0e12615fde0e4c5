"""« Parcours »: the timeline of the person's steps (current one highlighted), the « prochaine
étape conseillée » with a button applying each suggestion, the actions on the current step that
the state machine allows, and the « Orientation guidée » (see ``orientation_wizard``).

Every database call goes through the worker; the tab only shows and asks. A refused action shows
the machine's French explanation in the banner and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import StepStatus
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.guidance import Suggestion
from conseiller_app.storage.services import drafts, orientation
from conseiller_app.storage.services import pathway as pathway_service
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.pathway_actions import ActionBar, error_text
from conseiller_app.ui.beneficiaries.widgets import Banner, alive, fill_table, read_only_table
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.worker import VaultLocked

if TYPE_CHECKING:
    from conseiller_app.ui.beneficiaries.orientation_wizard import OrientationDialog

_STATUS_COLORS = {
    StepStatus.DONE.value: "#188038",
    StepStatus.IN_PROGRESS.value: "#1967d2",
    StepStatus.PLANNED.value: "#1967d2",
    StepStatus.PROPOSED.value: "#5f6368",
    StepStatus.ABANDONED.value: "#b3261e",
    StepStatus.NOT_DONE.value: "#b3261e",
    StepStatus.REDIRECTED.value: "#b06000",
    StepStatus.SKIPPED.value: "#5f6368",
    StepStatus.SUSPENDED.value: "#b06000",
}
CURRENT_BACKGROUND = "#fff4d6"


def _t(text: str) -> str:
    return QCoreApplication.translate("PathwayTab", text)


def _reason(step: P.Step) -> str:
    parts = []
    if step.outcome:
        parts.append(step.outcome.label)
    if step.outcome_detail:
        parts.append(step.outcome_detail)
    if step.reason:
        parts.append(step.reason.label)
    if step.comment:
        parts.append(step.comment)
    return " — ".join(parts)


def load_parcours(ctx, beneficiary_id: str) -> dict[str, Any]:
    """Worker operation: the pathway state, the guidance and the pending guided-orientation draft."""
    return {
        "beneficiary_id": beneficiary_id,
        "state": pathway_service.get(ctx, beneficiary_id),
        "guidance": pathway_service.guidance(ctx, beneficiary_id),
        "draft": drafts.load(ctx, orientation.draft_key(beneficiary_id)),
    }


class PathwayTab(QWidget):
    changed = Signal(str)  # something was written: the editor reloads the file

    def __init__(self, worker=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._today: Callable[[], date] = date.today
        self._bid: str | None = None
        self._state: pathway_service.PathwayView | None = None
        self._suggestions: list[Suggestion] = []
        self._draft: dict | None = None
        self._busy = False
        self.wizard: OrientationDialog | None = None

        self.current_label = QLabel()
        self.current_label.setObjectName("pathwayCurrent")
        self.banner = Banner("error")
        self.draft_banner = Banner("warning")
        self.resume_button = self.draft_banner.add_button(self.tr("Reprendre"), lambda: self.open_wizard())
        self.drop_draft_button = self.draft_banner.add_button(self.tr("Abandonner ces actions"), self.discard_draft)

        self.table = read_only_table([self.tr("Étape"), self.tr("Statut"), self.tr("Proposée le"),
                                      self.tr("Début"), self.tr("Fin"), self.tr("Résultat, motif ou commentaire")])
        self.table.setObjectName("pathwayTable")
        table(self.table, self.tr("Étapes du parcours"),
              self.tr("Les étapes du parcours dans l'ordre, avec leur statut et leurs dates."))
        self.table.setAlternatingRowColors(False)

        self.guidance_box = QGroupBox(self.tr("Prochaine étape conseillée"))
        self.guidance_layout = QVBoxLayout(self.guidance_box)
        self.guidance_rows: list[QWidget] = []
        self.apply_buttons: list[QPushButton] = []

        self.action_bar = ActionBar()
        self.action_bar.requested.connect(self.apply_action)
        self.wizard_button = QPushButton(self.tr("Orientation guidée…"))
        self.wizard_button.setObjectName("wizardButton")
        self.wizard_button.setToolTip(self.tr("Consentement, freins, session, présence, orientation vers une "
                                              "agence et sortie, pas à pas ; rien n'est écrit avant « Enregistrer »."))
        self.wizard_button.setStyleSheet("font-weight: bold; padding: 4px 12px;")
        self.wizard_button.clicked.connect(lambda: self.open_wizard())
        actions_box = QGroupBox(self.tr("Étape en cours"))
        actions_layout = QVBoxLayout(actions_box)
        actions_layout.addWidget(self.action_bar)

        top = QHBoxLayout()
        top.addWidget(self.current_label, 1)
        top.addWidget(self.wizard_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.draft_banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.guidance_box)
        layout.addWidget(actions_box)
        self._enable()

    # --- data --------------------------------------------------------------------------------

    def set_today(self, today: Callable[[], date]) -> None:
        self._today = today

    def set_file(self, beneficiary_id: str | None, stage_label: str, steps: Sequence[P.Step]) -> None:
        """Show the steps at once (from the file's data), then load the state and the guidance."""
        self._bid = beneficiary_id
        self.set_steps(stage_label, steps)
        if beneficiary_id is not None and self._worker is not None:
            self.reload()

    def reload(self) -> None:
        if self._bid is None or self._worker is None:
            return
        bid = self._bid
        self._worker.submit(load_parcours, bid, on_done=lambda r: self._loaded(bid, r),
                            on_error=lambda exc: self._failed(bid, exc, "chargement du parcours"))

    def _mine(self, bid: str) -> bool:
        return alive(self) and self._bid == bid

    def _loaded(self, bid: str, result: dict) -> None:
        if not self._mine(bid):
            return
        self._state = result["state"]
        self._draft = result["draft"] if (result["draft"] or {}).get("operations") else None
        st = self._state
        self.set_steps(st.current_stage_label, st.steps, st)
        self._show_guidance(result["guidance"])
        self._show_draft()
        self._enable()

    def _failed(self, bid: str, exc: BaseException, context: str) -> None:
        self._busy = False
        if not self._mine(bid) or isinstance(exc, VaultLocked):
            return
        self.banner.show_message(user_message(exc, context), "error")
        self._enable()

    def pathway(self) -> P.Pathway:
        return self._state.pathway if self._state else P.Pathway()

    def set_steps(self, stage_label: str, steps: Sequence[P.Step],
                  state: pathway_service.PathwayView | None = None) -> None:
        open_index = next((i for i in range(len(steps) - 1, -1, -1) if steps[i].status.is_open), None)
        if stage_label:
            text = self.tr("Étape actuelle : <b>%1</b>").replace("%1", stage_label)
            if state is not None:
                if state.outcome_label:
                    text += " · " + self.tr("parcours clôturé : %1").replace("%1", state.outcome_label)
                else:
                    text += " · " + self.tr("parcours : %1").replace("%1", state.state_label.lower())
            self.current_label.setText(text)
        else:
            self.current_label.setText("")
        rows = []
        for i, s in enumerate(steps):
            planned = not s.actual_start and s.planned_start
            start = fr_date(s.actual_start or s.planned_start)
            end = fr_date(s.actual_end or s.planned_end)
            if planned and start:
                start = self.tr("prévu le %1").replace("%1", start)
            marker = "▶ " if i == open_index else ""
            rows.append([marker + s.stage.label, s.status.label, fr_date(s.proposed_on), start, end,
                         _reason(s)])
        fill_table(self.table, rows)
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, step in enumerate(steps):
            color = _STATUS_COLORS.get(step.status.value)
            status_item = self.table.item(r, 1)
            if color and status_item is not None:
                status_item.setForeground(QBrush(QColor(color)))
            if r == open_index:
                for c in range(self.table.columnCount()):
                    item = self.table.item(r, c)
                    if item is None:
                        continue
                    item.setBackground(QBrush(QColor(CURRENT_BACKGROUND)))
                    item.setFont(bold)
                    item.setToolTip(self.tr("Étape en cours"))
        first = self.table.item(open_index, 0) if open_index is not None else None
        if first is not None:
            self.table.scrollToItem(first)

    def _show_guidance(self, suggestions: list[Suggestion]) -> None:
        for w in self.guidance_rows:
            w.setParent(None)
            w.deleteLater()
        self.guidance_rows, self.apply_buttons = [], []
        self._suggestions = list(suggestions)
        if not suggestions:
            empty = QLabel(self.tr("Rien à signaler pour l'instant."))
            empty.setStyleSheet("color: #5f6368;")
            self.guidance_layout.addWidget(empty)
            self.guidance_rows.append(empty)
            return
        for i, s in enumerate(suggestions):
            row = QFrame()
            row.setObjectName("suggestion")
            row.setStyleSheet("QFrame#suggestion { border-left: 3px solid #1967d2; padding-left: 6px; }")
            h = QHBoxLayout(row)
            h.setContentsMargins(6, 2, 2, 2)
            text = QLabel(f"<b>{s.title}</b><br>{s.reason}")
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            h.addWidget(text, 1)
            button = QPushButton(self.tr("Appliquer"))
            button.setObjectName(f"applySuggestion{i}")
            if s.action:
                # Say what the button does (« Proposer l'étape … »), not only « Appliquer ».
                button.setText(s.action.describe())
                button.setToolTip(self.tr("Enregistre cette étape dans le parcours (journalisé)."))
                button.clicked.connect(lambda _=False, k=i: self.apply_suggestion(k))
            else:
                button.hide()
            self.apply_buttons.append(button)
            h.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.guidance_layout.addWidget(row)
            self.guidance_rows.append(row)

    def _show_draft(self) -> None:
        if self._draft and self.wizard is None:
            n = len(self._draft.get("operations", []))
            self.draft_banner.show_message(
                self.tr("Une orientation guidée non enregistrée a été retrouvée (%1). "
                        "Reprenez-la pour la vérifier et l'enregistrer.").replace(
                    "%1", self.tr("1 action") if n == 1 else self.tr("%1 actions").replace("%1", str(n))))
        else:
            self.draft_banner.clear()

    def _enable(self) -> None:
        ready = self._state is not None and self._bid is not None and not self._busy
        self.action_bar.set_pathway(self.pathway(), self._today, enabled=ready)
        for b in self.apply_buttons:
            b.setEnabled(ready)
        self.wizard_button.setEnabled(ready and self.wizard is None)

    # --- actions -----------------------------------------------------------------------------

    def apply_action(self, action: P.Action) -> None:
        """Write one pathway action (one transaction, audited); show the refusal if any."""
        if self._bid is None or self._busy:
            return
        bid = self._bid
        self._busy = True
        self.banner.clear()
        self._enable()
        fingerprint = self._state.fingerprint if self._state else None
        self._worker.submit(pathway_service.apply, bid, [action], fingerprint,
                            on_done=lambda state: self._applied(bid, action),
                            on_error=lambda exc: self._refused(bid, exc))

    def _applied(self, bid: str, action: P.Action) -> None:
        self._busy = False
        if not self._mine(bid):
            return
        self.changed.emit(self.tr("Parcours mis à jour : %1.").replace("%1", action.describe()))

    def _refused(self, bid: str, exc: BaseException) -> None:
        self._busy = False
        if not self._mine(bid) or isinstance(exc, VaultLocked):
            return
        message = error_text(exc) if isinstance(exc, (P.TransitionRefused, ValidationError)) \
            else user_message(exc, "action sur le parcours")
        self.banner.show_message(self.tr("Action refusée : %1").replace("%1", message), "error")
        self._enable()
        self.reload()

    def apply_suggestion(self, index: int) -> None:
        s = self._suggestions[index]
        if s.action:
            self.apply_action(s.action)

    # --- guided orientation ------------------------------------------------------------------

    def open_wizard(self) -> None:
        from conseiller_app.ui.beneficiaries.orientation_wizard import OrientationDialog

        if self._bid is None or self.wizard is not None:
            return
        self.draft_banner.clear()
        wizard = self.wizard = OrientationDialog(self._worker, self._bid, self._draft, self.window())
        wizard.committed.connect(self._wizard_committed)
        wizard.finished.connect(self._wizard_closed)
        self._enable()
        wizard.start()

    def _wizard_committed(self, message: str) -> None:
        self._draft = None
        self.changed.emit(message)

    def _wizard_closed(self) -> None:
        w, self.wizard = self.wizard, None
        if w is not None:
            self._draft = w.draft_data()
            w.deleteLater()
        if self._bid is not None:
            self._show_draft()
        self._enable()

    def discard_draft(self) -> None:
        if self._bid is None:
            return
        self._draft = None
        self.draft_banner.clear()
        self._worker.submit(drafts.discard, orientation.draft_key(self._bid),
                            on_error=lambda exc: self._failed(self._bid or "", exc, "brouillon"))

    def clear(self) -> None:
        """The vault locks: forget everything shown. The guided orientation and an action dialog
        stay open (hidden by the main window until the unlock, ``ui/dialog_parking.py``); the
        wizard's draft is saved after each change anyway."""
        self._bid = None
        self._state = None
        self._draft = None
        self._busy = False
        self.banner.clear()
        self.draft_banner.clear()
        self.set_steps("", [])
        self._show_guidance([])
        self._enable()
