"""Actions on the current step of a pathway (planifier, démarrer, réaliser, non réalisée,
abandonnée, passer, suspendre, reprendre, réorienter, clôturer): a row of buttons enabled by the
state machine (``allowed_actions``) and a small dialog asking what each action needs (dates,
reason from the list, comment, outcome). Shared by the Parcours tab and the guided orientation.

The dialog checks the action against the pathway before closing (same domain rules as the
service), so a missing reason or outcome is said at once, in French, next to the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import AppError, ValidationError
from conseiller_app.ui.beneficiaries.errors import sentence
from conseiller_app.ui.beneficiaries.widgets import ErrorLine
from conseiller_app.ui.widgets.flow_layout import FlowLayout

K = P.ActionKind


def _t(text: str) -> str:
    return QCoreApplication.translate("PathwayActions", text)


#: Button order and labels (the verbs a conseiller uses).
BUTTONS: list[tuple[K, str]] = [
    (K.PROPOSE, "Proposer une étape…"),
    (K.PLAN, "Planifier…"),
    (K.UNPLAN, "Annuler la planification"),
    (K.START, "Démarrer…"),
    (K.COMPLETE, "Réalisée…"),
    (K.NOT_DONE, "Non réalisée…"),
    (K.ABANDON, "Abandonnée…"),
    (K.SKIP, "Passer l'étape…"),
    (K.SUSPEND, "Suspendre…"),
    (K.RESUME, "Reprendre"),
    (K.REORIENT, "Réorientation…"),
    (K.CLOSE, "Clôturer le parcours…"),
]
TITLES = {
    K.PROPOSE: "Proposer une étape", K.PLAN: "Planifier l'étape", K.START: "Démarrer l'étape",
    K.COMPLETE: "Étape réalisée", K.NOT_DONE: "Étape non réalisée", K.ABANDON: "Étape abandonnée",
    K.SKIP: "Passer l'étape", K.SUSPEND: "Suspendre le parcours", K.REORIENT: "Réorientation",
    K.CLOSE: "Clôturer le parcours (sortie)",
}
#: Actions without parameters: applied at once.
DIRECT = (K.UNPLAN, K.RESUME)


def probe_action(kind: K, p: P.Pathway, today: date) -> P.Action:
    """An action of ``kind`` with plausible parameters, to ask the machine why it is refused."""
    o = p.open_step
    stage = o.stage if o else (P.next_stage(p) or Stage.AWARENESS)
    return {
        K.PROPOSE: lambda: P.Propose(stage, today, StepReason.OTHER),
        K.PLAN: lambda: P.Plan(today),
        K.UNPLAN: lambda: P.Unplan(),
        K.START: lambda: P.Start(today),
        K.COMPLETE: lambda: P.Complete(today),
        K.NOT_DONE: lambda: P.NotDone(StepReason.OTHER),
        K.ABANDON: lambda: P.Abandon(StepReason.OTHER, today),
        K.SKIP: lambda: P.Skip(StepReason.OTHER),
        K.SUSPEND: lambda: P.Suspend(StepReason.OTHER),
        K.RESUME: lambda: P.Resume(),
        K.REORIENT: lambda: P.Reorient(Stage.AWARENESS, StepReason.OTHER, today),
        K.CLOSE: lambda: P.Close(OutcomeCategory.OTHER, today, end_status=StepStatus.NOT_DONE,
                                 end_reason=StepReason.OTHER),
    }[kind]()


def refusal_of(kind: K, p: P.Pathway, today: date) -> str:
    """Why ``kind`` is not possible now (French), or "" when the machine has nothing to say."""
    try:
        P.apply(p, probe_action(kind, p, today), today)
    except P.TransitionRefused as exc:
        return exc.message
    except AppError:
        return ""
    return ""


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def date_edit(d: date) -> QDateEdit:
    edit = QDateEdit(_qdate(d))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    return edit


class ActionDialog(QDialog):
    """Asks what an action needs; ``action`` holds the result once accepted."""

    def __init__(self, kind: K, pathway: P.Pathway, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.pathway = pathway
        self.today = today
        self.action: P.Action | None = None
        self.setWindowTitle(_t(TITLES.get(kind, "Parcours")))
        self.setMinimumSize(460, 220)
        o = pathway.open_step
        intro = QLabel()
        intro.setWordWrap(True)
        if o is not None:
            intro.setText(_t("Étape en cours : <b>%1</b> (%2)").replace("%1", o.stage.label)
                          .replace("%2", o.status.label.lower()))
        form = QFormLayout()
        self.stage_combo = QComboBox()
        self.reason_combo = QComboBox()
        self.outcome_combo = QComboBox()
        self.end_status_combo = QComboBox()
        self.end_reason_combo = QComboBox()
        self.date_edit = date_edit(today)
        self.end_edit = date_edit(today)
        self.comment_edit = QLineEdit()
        self.comment_edit.setMaxLength(500)
        self.comment_edit.setPlaceholderText(_t("Facultatif, factuel"))
        self.detail_edit = QLineEdit()
        self.detail_edit.setMaxLength(120)
        self.detail_edit.setPlaceholderText(_t("Ex. CDII chez …, formation qualifiante…"))
        self.error_line = ErrorLine()
        self._gaps: dict[str, list[Stage]] = {}

        if kind is K.PROPOSE:
            for stage, gaps in P.proposable_stages(pathway):
                self.stage_combo.addItem(stage.label, stage.value)
                self._gaps[stage.value] = gaps
            ns = P.next_stage(pathway)
            if ns is not None and self.stage_combo.findData(ns.value) >= 0:
                self.stage_combo.setCurrentIndex(self.stage_combo.findData(ns.value))
            self._fill_reasons(self.reason_combo, StepStatus.SKIPPED, _t("— motif du passage —"))
            self.skip_label = QLabel(_t("Étapes passées"))
            self.skip_info = QLabel()
            self.skip_info.setWordWrap(True)
            form.addRow(_t("Étape"), self.stage_combo)
            form.addRow(_t("Proposée le"), self.date_edit)
            form.addRow(self.skip_label, self.skip_info)
            self.reason_row_label = QLabel(_t("Motif du passage"))
            form.addRow(self.reason_row_label, self.reason_combo)
            form.addRow(_t("Commentaire"), self.comment_edit)
            self.stage_combo.currentIndexChanged.connect(self._stage_changed)
            self._stage_changed()
        elif kind is K.PLAN:
            form.addRow(_t("Début prévu"), self.date_edit)
            form.addRow(_t("Fin prévue"), self.end_edit)
        elif kind in (K.START, K.COMPLETE):
            form.addRow(_t("Date de début") if kind is K.START else _t("Date de réalisation"), self.date_edit)
        elif kind in (K.NOT_DONE, K.ABANDON, K.SKIP, K.SUSPEND):
            status = {K.NOT_DONE: StepStatus.NOT_DONE, K.ABANDON: StepStatus.ABANDONED, K.SKIP: StepStatus.SKIPPED,
                      K.SUSPEND: StepStatus.SUSPENDED}[kind]
            self._fill_reasons(self.reason_combo, status, _t("— choisir un motif —"))
            form.addRow(_t("Motif"), self.reason_combo)
            if kind is K.ABANDON:
                form.addRow(_t("Date de fin"), self.date_edit)
            form.addRow(_t("Commentaire"), self.comment_edit)
        elif kind is K.REORIENT:
            for stage in P.ORDINARY_STAGES:
                self.stage_combo.addItem(stage.label, stage.value)
            self._fill_reasons(self.reason_combo, StepStatus.REDIRECTED, _t("— choisir un motif —"))
            form.addRow(_t("Nouvelle étape"), self.stage_combo)
            form.addRow(_t("Motif"), self.reason_combo)
            form.addRow(_t("Date"), self.date_edit)
            form.addRow(_t("Commentaire"), self.comment_edit)
        elif kind is K.CLOSE:
            self.outcome_combo.addItem(_t("— choisir la catégorie de sortie —"), "")
            for value, label in OutcomeCategory.choices():
                self.outcome_combo.addItem(label, value)
            form.addRow(_t("Catégorie de sortie"), self.outcome_combo)
            form.addRow(_t("Précision"), self.detail_edit)
            form.addRow(_t("Date de sortie"), self.date_edit)
            if o is not None:
                self.end_status_combo.addItem(_t("— comment se termine-t-elle ? —"), "")
                for st in (StepStatus.DONE, StepStatus.ABANDONED, StepStatus.NOT_DONE):
                    if st is StepStatus.DONE and o.status is StepStatus.SUSPENDED:
                        continue
                    if st is StepStatus.ABANDONED and not o.started:
                        continue
                    if st is StepStatus.NOT_DONE and o.started:
                        continue
                    self.end_status_combo.addItem(st.label, st.value)
                form.addRow(_t("Fin de « %1 »").replace("%1", o.stage.label), self.end_status_combo)
                self.end_reason_label = QLabel(_t("Motif"))
                form.addRow(self.end_reason_label, self.end_reason_combo)
                self.end_status_combo.currentIndexChanged.connect(self._end_status_changed)
                self._end_status_changed()
            note = QLabel(_t("La catégorie de sortie est obligatoire pour clôturer."))
            note.setStyleSheet("color: #5f6368;")
            form.addRow(note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_t("Valider"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_t("Annuler"))
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro.text():
            layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_line)
        layout.addStretch(1)
        layout.addWidget(buttons)

    @staticmethod
    def _fill_reasons(combo: QComboBox, status: StepStatus, placeholder: str) -> None:
        combo.clear()
        combo.addItem(placeholder, "")
        for r in P.REASONS[status]:
            combo.addItem(r.label, r.value)

    def _stage_changed(self) -> None:
        gaps = self._gaps.get(self.stage_combo.currentData(), [])
        self.skip_info.setText(", ".join(g.label for g in gaps))
        for w in (self.skip_label, self.skip_info, self.reason_row_label, self.reason_combo):
            w.setVisible(bool(gaps))

    def _end_status_changed(self) -> None:
        value = self.end_status_combo.currentData()
        needs = bool(value) and value != StepStatus.DONE.value
        if needs:
            self._fill_reasons(self.end_reason_combo, StepStatus(value), _t("— choisir un motif —"))
        self.end_reason_combo.setVisible(needs)
        self.end_reason_label.setVisible(needs)

    def set_choice(self, combo: QComboBox, value: str) -> None:
        combo.setCurrentIndex(combo.findData(value))

    def build(self) -> P.Action:
        kind, on, comment = self.kind, _pydate(self.date_edit.date()), self.comment_edit.text().strip()
        reason = self.reason_combo.currentData() or None
        if kind is K.PROPOSE:
            gaps = self._gaps.get(self.stage_combo.currentData(), [])
            return P.Propose(Stage(self.stage_combo.currentData()), on, reason if gaps else None, comment)
        if kind is K.PLAN:
            return P.Plan(on, _pydate(self.end_edit.date()))
        if kind is K.START:
            return P.Start(on)
        if kind is K.COMPLETE:
            return P.Complete(on)
        if kind is K.NOT_DONE:
            return P.NotDone(reason, comment)
        if kind is K.ABANDON:
            return P.Abandon(reason, on, comment)
        if kind is K.SKIP:
            return P.Skip(reason, comment)
        if kind is K.SUSPEND:
            return P.Suspend(reason, comment)
        if kind is K.REORIENT:
            return P.Reorient(Stage(self.stage_combo.currentData()), reason, on, comment)
        if kind is K.CLOSE:
            end_status = self.end_status_combo.currentData() or None
            end_reason = self.end_reason_combo.currentData() or None if end_status else None
            return P.Close(self.outcome_combo.currentData() or None, on, self.detail_edit.text().strip(),
                           StepStatus(end_status) if end_status else None, end_reason)
        raise ValueError(kind)

    def try_accept(self) -> None:
        """Check the action against the pathway; keep the dialog open with the reason if refused."""
        action = self.build()
        try:
            P.apply(self.pathway, action, self.today)
        except ValidationError as exc:
            self.error_line.show_error(exc.message, exc.label or None)
            return
        except AppError as exc:
            self.error_line.show_error(exc.message)
            return
        self.action = action
        self.accept()


class ActionBar(QWidget):
    """The buttons of the actions on the current step; ``requested(action)`` once one is complete.

    Buttons the state machine does not allow now are disabled, with the machine's explanation as
    tooltip. Dialogs open non-modally (``open()``) so the event loop keeps running."""

    requested = Signal(object)

    def __init__(self, parent: QWidget | None = None, per_row: int = 6) -> None:  # per_row: kept for callers; the flow wraps
        super().__init__(parent)
        self.pathway = P.Pathway()
        self.today: Callable[[], date] = date.today
        self.dialog: ActionDialog | None = None
        self.buttons: dict[K, QPushButton] = {}
        # A flow of buttons: in a narrow window they wrap to more lines, never cut their text.
        layout = FlowLayout(self)
        for kind, label in BUTTONS:
            button = QPushButton(_t(label))
            button.setObjectName(f"action_{kind.value}")
            button.clicked.connect(lambda _=False, k=kind: self.ask(k))
            self.buttons[kind] = button
            layout.addWidget(button)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.set_pathway(self.pathway, date.today)

    def set_pathway(self, pathway: P.Pathway, today: Callable[[], date], enabled: bool = True) -> None:
        self.pathway, self.today = pathway, today
        allowed = set(P.allowed_actions(pathway)) if enabled else set()
        if pathway.is_closed:
            allowed.discard(K.PROPOSE) if not P.proposable_stages(pathway) else None
        for kind, button in self.buttons.items():
            ok = kind in allowed
            if kind is K.PROPOSE and not P.proposable_stages(pathway):
                ok = False
            button.setEnabled(ok)
            button.setToolTip("" if ok or not enabled else refusal_of(kind, pathway, today()))

    def ask(self, kind: K) -> None:
        if kind in DIRECT:
            self.requested.emit(probe_action(kind, self.pathway, self.today()))
            return
        self.dialog = ActionDialog(kind, self.pathway, self.today(), self.window())
        self.dialog.accepted.connect(lambda d=self.dialog: self.requested.emit(d.action))
        self.dialog.finished.connect(self._dialog_closed)
        self.dialog.open()

    def _dialog_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()


def error_text(exc: BaseException) -> str:
    """A refused action's message as a sentence."""
    if isinstance(exc, ValidationError) and exc.label:
        return f"{exc.label} : {exc.message}"
    return sentence(getattr(exc, "message", "") or str(exc))
