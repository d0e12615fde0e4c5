"""One session: its details, the registered participants and the waiting list (with positions),
and what can be done: edit, register, withdraw (the first on the waiting list then takes the
seat, shown at once), attendance mode, attendance sheets, recording the results. The details show
a SPOTT session's chantier, FPETT validation, OPCO and agencies, and any session's funding total;
on a preparatory action, the agency that positioned each registered person, which « Modifier le
positionnement… » changes or clears (indicator 2)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import RegistrationStatus, SessionKind
from conseiller_app.domain.facts import format_euros
from conseiller_app.storage.services import sessions as session_service
from conseiller_app.storage.services.facts import PREPARATORY_KINDS
from conseiller_app.storage.services.sessions import Participant, SessionDetail
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import display_name, fr_date, fr_period, plural
from conseiller_app.ui.widgets.lazy_table import Column
from conseiller_app.ui.widgets.rows_model import RowsTableModel
from conseiller_app.ui.widgets.tables import list_view, set_widths

REG = RegistrationStatus
#: Sessions whose registrations say which agency positioned the person (indicator 2).
POSITIONING_KINDS = frozenset(k.value for k in PREPARATORY_KINDS)
POSITIONED_COLUMN = 4
#: Participants' column widths; narrower with the agency column, which fits at 1024 px.
WIDTHS = [150, 120, 100, 100]
WIDTHS_POSITIONING = [120, 95, 80, 90, 190]
PROMOTED_BG = QColor("#e6f4ea")


def _remarks(p: Participant) -> str:
    notes = []
    if p.walk_in:
        notes.append(QCoreApplication.translate("SessionView", "venu·e sans inscription"))
    if p.to_complete:
        notes.append(QCoreApplication.translate("SessionView", "dossier à compléter"))
    return ", ".join(notes)


class SessionView(QWidget):
    """Signals ask the page for what needs more than this view: editing (a dialog with the
    reference lists), registering, attendance mode, printing, opening a file, going back."""

    back_requested = Signal()
    edit_requested = Signal(object)  # sessions.SessionDetail
    register_requested = Signal(object)  # sessions.SessionDetail
    attendance_requested = Signal(object)  # sessions.SessionDetail
    sheet_requested = Signal(str, bool)  # session id, blank
    open_beneficiary = Signal(str)
    positioning_requested = Signal(object, object)  # sessions.SessionDetail, sessions.Participant
    changed = Signal()  # registrations changed: the list's counts are stale

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.session: SessionDetail | None = None
        self._promoted: set[str] = set()
        self._generation = 0
        tr = self.tr

        self.back_button = QPushButton(tr("← Toutes les sessions"))
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("pageSubtitle")
        self.summary.setWordWrap(True)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.warnings = QLabel()
        self.warnings.setObjectName("notice")
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.banner = Banner()

        self.edit_button = QPushButton(tr("Modifier…"))
        self.edit_button.clicked.connect(lambda: self.session and self.edit_requested.emit(self.session))
        self.attendance_button = QPushButton(tr("Pointer les présences"))
        self.attendance_button.setObjectName("primary")
        self.attendance_button.clicked.connect(lambda: self.session and self.attendance_requested.emit(self.session))
        self.sheet_button = QPushButton(tr("Feuille d'émargement"))
        menu = QMenu(self.sheet_button)
        self.sheet_filled_action = menu.addAction(tr("Avec les noms des inscrits…"))
        self.sheet_blank_action = menu.addAction(tr("Vierge (à remplir à la main)…"))
        self.sheet_filled_action.triggered.connect(lambda: self._sheet(False))
        self.sheet_blank_action.triggered.connect(lambda: self._sheet(True))
        self.sheet_button.setMenu(menu)
        self.results_button = QPushButton(tr("Reporter les présences dans les parcours"))
        self.results_button.setToolTip(tr("Après la session : présent → étape réalisée, absent → non réalisée, "
                                          "excusé → à reprogrammer."))
        self.results_button.clicked.connect(self.record_results)
        actions = QHBoxLayout()
        for w in (self.attendance_button, self.sheet_button, self.edit_button, self.results_button):
            actions.addWidget(w)
        actions.addStretch(1)

        self.participants = RowsTableModel([
            Column(tr("Nom"), lambda p: (p.last_name or "").upper()),
            Column(tr("Prénom"), lambda p: p.first_name),
            Column(tr("Présence"), lambda p: p.attendance_label or "—"),
            Column(tr("Inscrit·e le"), lambda p: fr_date(p.registered_at.date()) if p.registered_at else ""),
            Column(tr("Positionné·e par"), lambda p: p.positioned_by_agency_name or "—",
                   tooltip=lambda p: tr("Positionné·e par {agency}").format(agency=p.positioned_by_agency_name)
                   if p.positioned_by_agency_name else tr("Aucune agence (venu·e par le Département)")),
            Column(tr("Remarques"), _remarks),
        ], id_key="beneficiary_id", row_background=self._background, parent=self)
        self.waiting = RowsTableModel([
            Column(tr("Position"), lambda p: str(p.position), align_right=True),
            Column(tr("Nom"), lambda p: (p.last_name or "").upper()),
            Column(tr("Prénom"), lambda p: p.first_name),
            Column(tr("En attente depuis le"),
                   lambda p: fr_date(p.registered_at.date()) if p.registered_at else ""),
        ], id_key="beneficiary_id", parent=self)
        self.participants_view = list_view()
        self.participants_view.setObjectName("participantsView")
        table(self.participants_view, self.tr("Inscrits"),
              self.tr("Les personnes inscrites à la session, avec leur présence."))
        self.participants_view.setModel(self.participants)
        set_widths(self.participants_view, WIDTHS)
        self.participants_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.participants_view.customContextMenuRequested.connect(self._participants_menu)
        self.waiting_view = list_view()
        self.waiting_view.setObjectName("waitingView")
        table(self.waiting_view, self.tr("Liste d'attente"),
              self.tr("Les personnes en attente d'une place, dans l'ordre où elles passeront."))
        self.waiting_view.setModel(self.waiting)
        set_widths(self.waiting_view, [70, 130, 110])
        for view in (self.participants_view, self.waiting_view):
            view.activated.connect(self._open_row)
            view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.participants_title = QLabel()
        self.participants_title.setObjectName("sectionTitle")
        self.waiting_title = QLabel()
        self.waiting_title.setObjectName("sectionTitle")

        self.register_button = QPushButton(tr("Inscrire une personne…"))
        self.register_button.clicked.connect(lambda: self.session and self.register_requested.emit(self.session))
        self.withdraw_button = QPushButton(tr("Désinscrire"))
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.open_button = QPushButton(tr("Ouvrir la fiche"))
        self.open_button.clicked.connect(self._open_selected)
        self.positioning_button = QPushButton(tr("Modifier le positionnement…"))
        self.positioning_button.setToolTip(tr("L'agence d'emploi qui a positionné la personne sélectionnée sur "
                                              "cette action préparatoire (indicateur 2 de la convention)."))
        self.positioning_button.clicked.connect(self.ask_positioning)
        self.positioning_button.hide()
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.register_button)
        row_buttons.addWidget(self.withdraw_button)
        row_buttons.addWidget(self.open_button)
        row_buttons.addWidget(self.positioning_button)
        row_buttons.addStretch(1)

        card = QFrame()
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.addWidget(self.details)
        card_layout.addWidget(self.warnings)

        lists = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.participants_title)
        left.addWidget(self.participants_view, 1)
        right = QVBoxLayout()
        right.addWidget(self.waiting_title)
        right.addWidget(self.waiting_view, 1)
        lists.addLayout(left, 3)
        lists.addLayout(right, 2)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(card)
        layout.addLayout(actions)
        layout.addWidget(self.banner)
        layout.addLayout(lists, 1)
        layout.addLayout(row_buttons)
        self._selection_changed()

    # --- loading -------------------------------------------------------------------------------

    def load(self, session_id: str) -> None:
        self._generation += 1
        generation = self._generation
        self._worker.submit(session_service.get, session_id, on_done=lambda s: self._loaded(generation, s),
                            on_error=self._failed)

    def reload(self) -> None:
        if self.session is not None:
            self.load(self.session.id)

    def _loaded(self, generation: int, session: SessionDetail) -> None:
        if generation == self._generation:
            self.show_session(session)

    def show_session(self, s: SessionDetail) -> None:
        if self.session is None or self.session.id != s.id:
            self._promoted = set()
            self.banner.clear()
        self.session = s
        self.title.setText(s.title)
        hours = ""
        if s.start_time:
            hours = f" · {s.start_time}" + (f"\u202f–\u202f{s.end_time}" if s.end_time else "")
        self.summary.setText(f"{s.kind_label} · {fr_period(s.start_date, s.end_date)}{hours} · "
                             f"{s.territory_name}")
        place = ", ".join(x for x in (s.place, s.commune_name) if x) or "—"
        organiser = s.organiser_label + (f" ({s.organiser_name})" if s.organiser_name else "")
        lines = [
            (self.tr("Lieu"), place),
            (self.tr("Organisateur"), organiser),
            (self.tr("Places"), self.tr("{r} sur {c}, {left}").format(
                r=plural(s.registered, self.tr("inscrit"), self.tr("inscrits")), c=s.capacity,
                left=plural(s.seats_left, self.tr("place libre"), self.tr("places libres")))),
            (self.tr("Chantier"), s.chantier_name or self.tr("aucun en particulier")),
            (self.tr("Métiers visés"), ", ".join(s.trade_names or []) or "—"),
        ]
        if s.kind == SessionKind.SPOTT.value:
            lines.append((self.tr("SPOTT"), self.spott_text(s)))
        lines.append((self.tr("Financements"), self.funding_text(s)))
        self.details.setText("<table cellspacing='3'>" + "".join(
            f"<tr><td style='color:#5b6876; padding-right:12px'>{escape(k)}</td><td>{escape(v)}</td></tr>"
            for k, v in lines) + "</table>")
        self.warnings.setText("\n".join("⚠ " + w for w in s.warnings or []))
        self.warnings.setVisible(bool(s.warnings))
        people = s.participants
        registered = [p for p in people if p.status == REG.REGISTERED.value]
        waiting = [p for p in people if p.status == REG.WAITING.value]
        self.participants.set_rows(registered)
        self.waiting.set_rows(waiting)
        positioning = s.kind in POSITIONING_KINDS
        self.participants_view.setColumnHidden(POSITIONED_COLUMN, not positioning)
        set_widths(self.participants_view, WIDTHS_POSITIONING if positioning else WIDTHS)
        self.positioning_button.setVisible(positioning)
        self.participants_title.setText(self.tr("Inscrits ({n}/{c})").format(n=len(registered), c=s.capacity))
        self.waiting_title.setText(self.tr("Liste d'attente ({n})").format(n=len(waiting)))
        self.attendance_button.setEnabled(bool(registered))
        self.results_button.setEnabled(any(p.attendance for p in registered))
        self.sheet_filled_action.setEnabled(bool(registered))
        self._selection_changed()

    def spott_text(self, s: SessionDetail) -> str:
        """« validée par le FPETT le 12/03/2026 · OPCO AKTO · agences : … » (one line)."""
        parts = [self.tr("validée par le FPETT le {d}").format(d=fr_date(s.fpett_validated_on))
                 if s.fpett_validated_on else self.tr("validation FPETT à obtenir")]
        parts.append(self.tr("OPCO {opco}").format(opco=(s.opco or "akto").upper()))
        names = s.agency_names or ()
        parts.append(self.tr("agences : {names}").format(names=", ".join(names)) if names
                     else self.tr("aucune agence associée"))
        return " · ".join(parts)

    def funding_text(self, s: SessionDetail) -> str:
        """« 12 340,00 € (2 lignes) », or that none is recorded."""
        if not s.funding_lines:
            return self.tr("aucun financement enregistré")
        return f"{format_euros(s.funding_cents)} ({plural(s.funding_lines, self.tr('ligne'), self.tr('lignes'))})"

    def clear(self) -> None:
        self._generation += 1
        self.session = None
        self._promoted = set()
        for label in (self.title, self.summary, self.details, self.warnings, self.participants_title,
                      self.waiting_title):
            label.clear()
        self.participants.clear()
        self.waiting.clear()
        self.banner.clear()

    def _background(self, p: Participant) -> QColor | None:
        return PROMOTED_BG if p.beneficiary_id in self._promoted else None

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(user_message(exc), "error")

    # --- selection -------------------------------------------------------------------------------

    def selected_person(self) -> Participant | None:
        for view, model in ((self.participants_view, self.participants), (self.waiting_view, self.waiting)):
            rows = view.selectionModel().selectedRows()
            if rows:  # one selection at a time across the two lists (see _selection_changed)
                return model.row_data(rows[0].row())
        return None

    def _other(self, view: QTableView) -> QTableView:
        return self.waiting_view if view is self.participants_view else self.participants_view

    def _selection_changed(self, *_args) -> None:
        sender = self.sender()
        # One selection at a time across the two lists.
        for view in (self.participants_view, self.waiting_view):
            if sender is view.selectionModel() and view.selectionModel().selectedRows():
                other = self._other(view).selectionModel()
                other.blockSignals(True)
                other.clearSelection()
                other.blockSignals(False)
                self._other(view).viewport().update()
        has = self.selected_person() is not None
        self.withdraw_button.setEnabled(has)
        self.open_button.setEnabled(has)
        self.positioning_button.setEnabled(self._positionable() is not None)

    def _positionable(self) -> Participant | None:
        """The selected registered person, on a preparatory action."""
        if self.session is None or self.session.kind not in POSITIONING_KINDS:
            return None
        rows = self.participants_view.selectionModel().selectedRows()
        return self.participants.row_data(rows[0].row()) if rows else None

    def ask_positioning(self) -> None:
        p = self._positionable()
        if p is not None and self.session is not None:
            self.positioning_requested.emit(self.session, p)

    def positioning_saved(self, session: SessionDetail, name: str, agency_name: str) -> None:
        """The positioning dialog wrote: show the fresh session, say what changed."""
        selected = self._positionable()
        self.show_session(session)
        if selected is not None:
            self.select_person(selected.beneficiary_id)
        text = (self.tr("{name} : positionné·e par {agency}.").format(name=name, agency=agency_name)
                if agency_name else self.tr("{name} : plus aucune agence ne l'a positionné·e.").format(name=name))
        self.banner.show_message(text, "success")
        self.changed.emit()

    def _participants_menu(self, pos: QPoint) -> None:
        index = self.participants_view.indexAt(pos)
        if not index.isValid():
            return
        self.participants_view.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        menu = QMenu(self)
        menu.addAction(self.tr("Ouvrir la fiche"), self._open_selected)
        if self._positionable() is not None:
            menu.addAction(self.tr("Modifier le positionnement…"), self.ask_positioning)
        menu.addAction(self.tr("Désinscrire"), self.withdraw_selected)
        menu.popup(self.participants_view.viewport().mapToGlobal(pos))

    def select_person(self, beneficiary_id: str) -> bool:
        for view, model in ((self.participants_view, self.participants), (self.waiting_view, self.waiting)):
            row = model.row_of(beneficiary_id)
            if row >= 0:
                view.selectionModel().select(model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                             | QItemSelectionModel.SelectionFlag.Rows)
                return True
        return False

    def _open_row(self, index) -> None:
        model = index.model()
        p = model.row_data(index.row())
        if p:
            self.open_beneficiary.emit(p.beneficiary_id)

    def _open_selected(self) -> None:
        p = self.selected_person()
        if p:
            self.open_beneficiary.emit(p.beneficiary_id)

    # --- actions ---------------------------------------------------------------------------------

    def withdraw_selected(self) -> None:
        p = self.selected_person()
        if p is None or self.session is None:
            return
        name = display_name(p.last_name, p.first_name)
        names = {x.beneficiary_id: display_name(x.last_name, x.first_name)
                 for x in self.session.participants}
        self._worker.submit(ops.withdraw, self.session.id, p.beneficiary_id,
                            on_done=lambda result: self._withdrawn(name, names, result), on_error=self._failed)

    def _withdrawn(self, name: str, names: dict[str, str], result: ops.WithdrawResult) -> None:
        promoted = result.promoted
        self._promoted = {x.beneficiary_id for x in promoted}
        text = self.tr("{name} est désinscrit·e.").format(name=name)
        for x in promoted:
            text += " " + self.tr("{name} quitte la liste d'attente et prend la place libérée.").format(
                name=names.get(x.beneficiary_id, self.tr("La première personne en attente")))
            if x.pathway_note:
                text += " " + x.pathway_note
        if result.pathway_note:
            text += " " + result.pathway_note
        self.show_session(result.session)
        partial = bool(result.pathway_note) or any(x.pathway_note for x in promoted)
        self.banner.show_message(text, "warning" if partial else "success" if promoted else "info")
        self.changed.emit()

    def registered(self, result: ops.RegisterResult) -> None:
        """A registration made in the dialog: show the fresh session."""
        self.show_session(result.session)
        self.changed.emit()

    def _sheet(self, blank: bool) -> None:
        if self.session is not None:
            self.sheet_requested.emit(self.session.id, blank)

    def record_results(self) -> None:
        if self.session is None:
            return
        self._worker.submit(session_service.record_results, self.session.id,
                            on_done=self._results_recorded, on_error=self._failed)

    def _results_recorded(self, result: session_service.ResultsRecorded) -> None:
        """Per person: whose pathway moved, whose did not and why. Success only when every
        registered participant's pathway is up to date."""
        people = result.people
        updated = [p for p in people if p.outcome == "updated"]
        others = [p for p in people if p.outcome != "updated"]
        if updated:
            names = ", ".join(display_name(p.last_name, p.first_name) for p in updated)
            head = (self.tr("Parcours mis à jour : 1 personne ({names}).") if len(updated) == 1
                    else self.tr("Parcours mis à jour : {n} personnes ({names}).")).format(n=len(updated), names=names)
        else:
            head = self.tr("Aucun parcours mis à jour.")
        lines = [head.replace(" :", "\u00a0:")]
        if others:
            lines.append(self.tr("Non mis à jour\u00a0:"))
        for p in others:
            lines.append("• " + display_name(p.last_name, p.first_name) + "\u00a0: " + p.detail)
        complete = all(p.outcome == "updated" or p.detail.startswith("déjà") for p in people)
        self.banner.show_message("\n".join(lines), "success" if complete and people else "warning")
        self.reload()
