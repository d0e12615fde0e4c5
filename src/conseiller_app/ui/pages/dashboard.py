"""Tableau de bord: the conseiller's "à faire" list (follow-ups due, referrals without news, the
next step suggested for each file of the caseload), computed from the vault on the worker. The
convention's indicators have their own page (``pages.indicators``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.storage.services import pathway as pathway_service
from conseiller_app.storage.services import todo as todo_service
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.pages.base import fill_with_scroll, page_header
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.columns import ID_ROLE, Column
from conseiller_app.ui.widgets.rows_model import RowsTableModel, row_key
from conseiller_app.ui.worker import BACKGROUND, CancelToken, DbWorker, VaultLocked

GUIDANCE_MAX_AGE = 120.0  # seconds: the caseload's suggestions are recomputed at most this often
GUIDANCE_LIMIT = 50


def fr_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _todo_column(header: str, key: str | Callable[[Any], str]) -> Column:
    def text(row: Any) -> str:
        value = key(row) if callable(key) else row_key(row, key)
        return "" if value is None else str(value)

    return Column(header, text, tooltip=text)


class TodoTableModel(RowsTableModel):
    """Rows (the todo service's typed rows, the guidance's dicts) shown with ``(header, key or formatter)`` columns,
    the file's id under ``ID_ROLE``. Small lists (50 rows at most): held whole."""

    def __init__(self, columns: list[tuple[str, str | Callable[[Any], str]]], parent=None) -> None:
        super().__init__([_todo_column(h, k) for h, k in columns], id_key="beneficiary_id", parent=parent)


def _table(model: TodoTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    # At least five rows visible: in a small window the page scrolls rather than the tables shrinking.
    view.setMinimumHeight(header.sizeHint().height() + 5 * view.verticalHeader().defaultSectionSize() + 4)
    return view


class DashboardPage(QWidget):
    """Emits ``open_beneficiary(id)`` when a row is activated (double-click or Entrée)."""

    open_beneficiary = Signal(str)
    shows = (Kind.FILES, Kind.SESSIONS, Kind.REFERRALS)  # ui/changes.py

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._generation = 0  # results of a query started before a lock are dropped
        self._locked = True
        self.loaded = False
        # Loads not started yet are dropped when the conseiller leaves the page (page_shown
        # asks again): the worker serves the page on screen instead.
        self._todo_token: CancelToken | None = None
        self._guidance_token: CancelToken | None = None

        tr = self.tr
        self.followups = TodoTableModel([
            (tr("Personne"), "name"),
            (tr("Étape"), "stage_label"),
            (tr("Dernier contact"), lambda r: fr_date(r.last_contact)),
            (tr("Sans contact depuis"), lambda r: tr("{n} jours").format(n=r.days)),
        ], self)
        self.referrals = TodoTableModel([
            (tr("Personne"), "name"),
            (tr("Référence"), "reference"),
            (tr("Agence"), "agency"),
            (tr("Statut"), "status_label"),
            (tr("Sans nouvelles depuis"), lambda r: tr("{n} jours").format(n=r.days)),
        ], self)
        self.guidance = TodoTableModel([
            (tr("Personne"), "name"),
            (tr("Prochaine étape conseillée"), "title"),
            (tr("Pourquoi"), "reason"),
        ], self)
        self.followups_view = _table(self.followups)
        self.referrals_view = _table(self.referrals)
        self.guidance_view = _table(self.guidance)
        self.guidance_view.setObjectName("guidanceView")
        table(self.guidance_view, tr("Prochaines étapes conseillées"),
              tr("Une ligne par personne : l'étape conseillée et pourquoi. Entrée ouvre la fiche."))
        table(self.followups_view, tr("Relances à faire"),
              tr("Vos dossiers sans contact depuis 30 jours ou plus, les plus anciens d'abord. Entrée ouvre la fiche."))
        table(self.referrals_view, tr("Orientations sans nouvelles"),
              tr("Orientations de vos dossiers sans nouvelles de l'agence depuis 30 jours. Entrée ouvre la fiche."))
        for view in (self.followups_view, self.referrals_view, self.guidance_view):
            view.activated.connect(self._activated)
        self.guidance_title = QLabel(tr("Prochaines étapes conseillées"))
        self.guidance_title.setObjectName("sectionTitle")
        self.guidance_more = QLabel()
        self.guidance_more.setObjectName("hint")
        self._guidance_generation = 0
        self._guidance_at: float | None = None
        self.followups_title = QLabel()
        self.followups_title.setObjectName("sectionTitle")
        self.referrals_title = QLabel()
        self.referrals_title.setObjectName("sectionTitle")
        self.followups_more = QLabel()
        self.followups_more.setObjectName("hint")
        self.referrals_more = QLabel()
        self.referrals_more.setObjectName("hint")
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.refresh_button = QPushButton(tr("Actualiser"))
        self.refresh_button.clicked.connect(lambda: self.refresh(force=True))

        # A new vault: what to do first, instead of three empty tables.
        self.first_steps = QLabel(tr(
            "<b>Premiers pas</b><ol style='margin-left:-20px'>"
            "<li>Créez le dossier d'une personne que vous accompagnez\u00a0: <b>Fichier › Nouveau dossier</b> "
            "(Ctrl+N).</li>"
            "<li>Renseignez ses freins et ses consentements, puis proposez une étape (onglet <b>Parcours</b>, "
            "« Orientation guidée… »).</li>"
            "<li>Programmez un atelier ou inscrivez la personne à une session (page <b>Ateliers</b>).</li>"
            "<li>Inscrivez ce poste auprès du siège (page <b>Synchronisation</b>) pour envoyer vos "
            "changements.</li></ol>"
            "Les relances et les prochaines étapes conseillées apparaîtront ici dès le premier dossier."))
        self.first_steps.setWordWrap(True)
        self.first_steps.setObjectName("notice")
        self.first_steps.hide()

        top = QHBoxLayout()
        top.addWidget(page_header(tr("Tableau de bord"), tr("Ce qui attend une action de votre part.")), 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)

        def section(title: QLabel, view: QTableView, more: QLabel) -> QFrame:
            frame = QFrame()
            frame.setObjectName("card")
            box = QVBoxLayout(frame)
            title.setWordWrap(True)
            more.setWordWrap(True)
            box.addWidget(title)
            box.addWidget(view, 1)
            box.addWidget(more)
            return frame

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.first_steps)
        layout.addWidget(section(self.guidance_title, self.guidance_view, self.guidance_more), 2)
        layout.addWidget(section(self.followups_title, self.followups_view, self.followups_more), 2)
        layout.addWidget(section(self.referrals_title, self.referrals_view, self.referrals_more), 2)
        layout.addWidget(self.status)
        self.status.setWordWrap(True)
        fill_with_scroll(self, content)
        self._show_titles(None)

    # --- page hooks ----------------------------------------------------------------------------

    def vault_opened(self) -> None:
        self.unlock()

    def unlock(self) -> None:
        self._locked = False
        self.refresh()

    def lock(self) -> None:
        self._locked = True
        self._generation += 1
        self.loaded = False
        self.followups.clear()
        self.referrals.clear()
        self._guidance_generation += 1
        self._guidance_at = None
        self.guidance.clear()
        self.guidance_more.clear()
        self._show_titles(None)
        self.status.clear()

    def changes_happened(self, _changes: Changes) -> None:
        """Data it counts changed elsewhere: reload now if on screen (``page_shown`` does otherwise)."""
        if self.isVisible():
            self.refresh(force=True)

    def page_shown(self) -> None:
        if not self._locked:
            self.refresh()

    # --- loading -------------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        if self._locked:
            return
        self._generation += 1
        generation = self._generation
        self.status.setText(self.tr("Mise à jour…"))
        # Background priority: a list or a file the conseiller opens meanwhile goes first.
        self._todo_token = self.worker.submit(
            todo_service.todo, on_done=lambda r: self._loaded(generation, r),
            on_error=lambda e: self._failed(generation, e), priority=BACKGROUND)
        # After the to-do lists: they come first among the background jobs.
        stale = self._guidance_at is None or time.monotonic() - self._guidance_at > GUIDANCE_MAX_AGE
        if force or stale:
            self._refresh_guidance()

    def _loaded(self, generation: int, result: todo_service.Todo) -> None:
        if generation == self._generation:
            self._todo_token = None
        if generation != self._generation or self._locked:
            return
        self.followups.set_rows(result.followups)
        self.referrals.set_rows(result.referrals)
        self._show_titles(result)
        self.first_steps.setVisible(result.files_total == 0)
        self.status.setText(self.tr("Liste calculée le {d}.").format(d=fr_date(result.today)))
        self.loaded = True

    def _refresh_guidance(self) -> None:
        """The caseload's suggestions: heavier than the to-do lists (every file's pathway), so
        recomputed on unlock, on « Actualiser » and at most every two minutes otherwise."""
        self._guidance_generation += 1
        generation = self._guidance_generation
        self._guidance_at = time.monotonic()
        if not self.guidance.rowCount():
            self.guidance_more.setText(self.tr("Calcul des conseils pour vos dossiers…"))
        self._guidance_token = self.worker.submit(
            pathway_service.caseload_guidance, GUIDANCE_LIMIT,
            on_done=lambda rows: self._guidance_loaded(generation, rows),
            on_error=lambda e: self._failed(generation, e, guidance=True), priority=BACKGROUND)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        if event.spontaneous():  # the window minimised: the page is still the current one
            return
        # Left before its loads started: drop them (a job already running still reports).
        if self._todo_token is not None:
            self._todo_token.cancel()
            self._todo_token = None
        if self._guidance_token is not None:
            self._guidance_token.cancel()
            self._guidance_token = None
            self._guidance_at = None  # computed again when the page is shown

    def _guidance_loaded(self, generation: int, rows: list[pathway_service.CaseloadSuggestion]) -> None:
        if generation == self._guidance_generation:
            self._guidance_token = None
            if self._guidance_at is None:  # it was running when the page was left
                self._guidance_at = time.monotonic()
        if generation != self._guidance_generation or self._locked:
            return
        self.guidance.set_rows(rows)
        self.guidance_title.setText(self.tr("Prochaines étapes conseillées ({n})").format(n=len(rows)))
        if not rows:
            self.guidance_more.setText(self.tr("Aucune action conseillée pour l'instant."))
        elif len(rows) >= GUIDANCE_LIMIT:
            self.guidance_more.setText(self.tr("Les {n} plus urgentes sont affichées. Double-cliquez sur une ligne "
                                               "pour ouvrir la fiche.").format(n=GUIDANCE_LIMIT))
        else:
            self.guidance_more.setText(self.tr("Double-cliquez sur une ligne pour ouvrir la fiche."))

    def _failed(self, generation: int, exc: BaseException, guidance: bool = False) -> None:
        if guidance and generation == self._guidance_generation:
            self._guidance_token = None
        elif not guidance and generation == self._generation:
            self._todo_token = None
        if guidance:
            if generation == self._guidance_generation and not isinstance(exc, VaultLocked):
                self.guidance_more.setText(user_message(exc))
            return
        if generation != self._generation or isinstance(exc, VaultLocked):
            return
        self.status.setText(user_message(exc))

    def _show_titles(self, result: todo_service.Todo | None) -> None:
        days = todo_service.FOLLOWUP_DAYS
        if result is None:
            self.followups_title.setText(self.tr("Relances à faire"))
            self.referrals_title.setText(self.tr("Orientations sans nouvelles"))
            self.followups_more.setText("")
            self.referrals_more.setText("")
            return
        n, shown = result.followups_total, len(result.followups)
        self.followups_title.setText(self.tr("Relances à faire dans vos dossiers ({n})\u00a0: aucun contact depuis "
                                             "{d} jours ou plus")
                                     .format(n=n, d=days))
        self.followups_more.setText(self._more_text(n, shown, self.tr("Aucune relance en attente.")))
        n, shown = result.referrals_total, len(result.referrals)
        self.referrals_title.setText(self.tr("Orientations sans nouvelles de l'agence dans vos dossiers ({n})\u00a0: "
                                             "aucun changement depuis {d} jours").format(
            n=n, d=todo_service.REFERRAL_SILENCE_DAYS))
        more = self._more_text(n, shown, self.tr("Aucune orientation en attente de nouvelles dans vos dossiers."))
        everyone = result.referrals_everyone_total
        if everyone != n:
            # Same rule as the Orientations page, another scope: say so instead of two figures that disagree.
            more += " " + self.tr("La page Orientations en compte {all}\u00a0: elle montre aussi les dossiers dont "
                                  "vous n'êtes pas le ou la référent·e.").format(all=everyone)
        self.referrals_more.setText(more)

    def _more_text(self, total: int, shown: int, none: str) -> str:
        if total == 0:
            return none
        if total > shown:
            return self.tr("Les {shown} plus anciennes sont affichées, sur {total}. Double-cliquez sur une ligne "
                           "pour ouvrir la fiche.").format(shown=shown, total=total)
        return self.tr("Double-cliquez sur une ligne pour ouvrir la fiche.")

    def _activated(self, index: QModelIndex) -> None:
        beneficiary_id = index.data(ID_ROLE)
        if beneficiary_id:
            self.open_beneficiary.emit(beneficiary_id)
