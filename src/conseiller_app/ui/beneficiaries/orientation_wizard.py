"""« Orientation guidée »: a stepped dialog over the headless ``OrientationWizard`` (domain):
Consentement → Freins et offres → Choix d'une session → Présence et résultat → Orientation vers une
agence → Sortie → Récapitulatif.

One widget per page (:class:`WizardPage` subclasses), each shown again from the domain wizard by
``refresh(wizard)``. Every choice is a pending operation (undoable with « Annuler la dernière
action »); the pending state is saved as a draft after each change, so a crash loses nothing, and
a lock only hides the dialog (``ui/dialog_parking.py``); « Enregistrer » writes everything in one
transaction (``orientation.commit``), audited by the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import (
    Attendance,
    BarrierType,
    ConsentScope,
    OutcomeCategory,
    ReferralScheme,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepStatus,
)
from conseiller_app.domain.errors import AppError
from conseiller_app.domain.referral import ConsentRequired
from conseiller_app.storage.services import drafts, orientation, reference
from conseiller_app.ui.beneficiaries.errors import user_message
from conseiller_app.ui.beneficiaries.formatting import fr_date
from conseiller_app.ui.beneficiaries.pathway_actions import ActionBar, _pydate, date_edit, error_text
from conseiller_app.ui.beneficiaries.widgets import Banner, ErrorLine, alive, fill_table, left_aligned, read_only_table
from conseiller_app.ui.widgets.choices import CheckList
from conseiller_app.ui.worker import VaultLocked

_STATUS_MARK = {W.PageStatus.DONE: "✓", W.PageStatus.TODO: "●", W.PageStatus.NOT_NEEDED: "–"}
_MARK_SIZE = 16
_MARK_COLOUR = "#1b2631"  # the steps' text colour: the marks read like it


def _mark_icon(mark: str) -> QIcon:
    """A step's status mark as an icon of fixed width, so that the steps' names line up whatever
    the mark (« ✓ », « ● », « – » are not as wide as each other)."""
    ratio = 2  # drawn at twice the size: sharp on high-density screens too
    pixmap = QPixmap(_MARK_SIZE * ratio, _MARK_SIZE * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(QColor(_MARK_COLOUR))
    font = painter.font()
    font.setPixelSize(_MARK_SIZE - 3)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, _MARK_SIZE, _MARK_SIZE), Qt.AlignmentFlag.AlignCenter, mark)
    painter.end()
    return QIcon(pixmap)


def _t(text: str) -> str:
    return QCoreApplication.translate("OrientationWizard", text)


# --- worker operations ---------------------------------------------------------------------------


def open_orientation(ctx, beneficiary_id: str, draft: dict | None) -> dict[str, Any]:
    return {
        "wizard": orientation.open_wizard(ctx, beneficiary_id, draft),
        "trades": reference.trades(ctx),
        "territories": reference.territories(ctx),
        "chantiers": reference.chantiers(ctx),
    }


def commit_orientation(ctx, beneficiary_id: str, operations: list, fingerprint: str | None) -> orientation.Committed:
    out = orientation.commit(ctx, beneficiary_id, operations, expected_fingerprint=fingerprint)
    drafts.discard(ctx, orientation.draft_key(beneficiary_id))
    return out


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class WizardPage(QWidget):
    """One page of the guided orientation: built once the wizard is loaded, shown again from the
    wizard's state by :meth:`refresh`. The wizard, the reference lists and the choices that make
    pending operations belong to the dialog; a page reads them through it (``self.wizard``,
    ``self._do``… resolve on the dialog)."""

    page: W.Page
    # A page whose list or table takes the height left (else the free space goes below the page).
    fills_height = False

    def __init__(self, dialog: OrientationDialog) -> None:
        super().__init__()
        self.dialog = dialog
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.build(layout)
        if not self.fills_height:
            layout.addStretch(1)

    def __getattr__(self, name: str) -> Any:
        if name == "dialog":  # not set yet
            raise AttributeError(name)
        return getattr(self.dialog, name)

    def build(self, layout: QVBoxLayout) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def refresh(self, wizard: W.OrientationWizard) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ConsentPage(WizardPage):
    page = W.Page.CONSENT

    def build(self, layout: QVBoxLayout) -> None:
        box = QGroupBox(self.tr("Recueillir le consentement de la personne"))
        form = QFormLayout(box)
        self.consent_agency = QComboBox()
        self.consent_scopes: dict[str, QCheckBox] = {}
        scopes = QHBoxLayout()
        for value, label in ConsentScope.choices():
            cb = QCheckBox(label)
            cb.setChecked(value in (ConsentScope.IDENTITY.value, ConsentScope.CONTACT.value))
            self.consent_scopes[value] = cb
            scopes.addWidget(cb)
        scopes.addStretch(1)
        self.consent_date = date_edit(self._w.snapshot.today)
        self.consent_date.setMaximumWidth(160)
        self.consent_button = QPushButton(self.tr("Noter le consentement"))
        self.consent_button.setObjectName("recordConsent")
        self.consent_button.clicked.connect(self.record_consent)
        form.addRow(self.tr("Agence d'emploi"), self.consent_agency)
        form.addRow(self.tr("Données partagées"), scopes)
        form.addRow(self.tr("Date de l'accord"), self.consent_date)
        form.addRow("", left_aligned(self.consent_button))
        layout.addWidget(box)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        current = self.consent_agency.currentData()
        self.consent_agency.clear()
        for a in self._agencies():
            self.consent_agency.addItem(a["name"] + self._consent_mark(a, ""), a["id"])
        if current is not None and self.consent_agency.findData(current) >= 0:
            self.consent_agency.setCurrentIndex(self.consent_agency.findData(current))


class BarriersPage(WizardPage):
    page = W.Page.BARRIERS

    def build(self, layout: QVBoxLayout) -> None:
        self.barriers_box = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.barriers_box)
        layout.addWidget(holder)
        self.offer_buttons: dict[tuple[str, str], QPushButton] = {}
        add = QGroupBox(self.tr("Noter un autre frein"))
        row = QHBoxLayout(add)
        self.new_barrier = QComboBox()
        self.new_barrier.setAccessibleName(self.tr("Type de frein à noter"))
        self.add_barrier_button = QPushButton(self.tr("Ajouter le frein"))
        self.add_barrier_button.setObjectName("addBarrier")
        self.add_barrier_button.clicked.connect(self.add_barrier)
        row.addWidget(self.new_barrier, 1)
        row.addWidget(self.add_barrier_button)
        layout.addWidget(add)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        while self.barriers_box.count():
            item = self.barriers_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.offer_buttons = {}
        for b in wizard.barrier_review():
            box = QGroupBox(f"{b['type_label']} — {b['status_label'].lower()}")
            row = QHBoxLayout(box)
            if not b["offers"]:
                row.addWidget(QLabel(self.tr("Pas d'offre référencée pour ce frein.")))
            for o in b["offers"]:
                if o["used"]:
                    label = QLabel(self.tr("✓ « %1 » mobilisée").replace("%1", o["name"]))
                    label.setStyleSheet("color: #146c2e;")
                    row.addWidget(label)
                    continue
                button = QPushButton(self.tr("Proposer « %1 »").replace("%1", o["name"]))
                button.clicked.connect(lambda _=False, bid=b["barrier_id"], code=o["code"]:
                                       self._do(lambda: wizard.use_offer(bid, code)))
                self.offer_buttons[(b["barrier_id"], o["code"])] = button
                row.addWidget(button)
            row.addStretch(1)
            self.barriers_box.addWidget(box)
        if not self.barriers_box.count():
            self.barriers_box.addWidget(QLabel(self.tr("Aucun frein noté sur ce dossier.")))
        noted = {b.type for b in wizard.state.barriers if b.status.is_open}
        self.new_barrier.clear()
        for kind in BarrierType:
            if kind not in noted:
                self.new_barrier.addItem(kind.label, kind.value)
        self.add_barrier_button.setEnabled(self.new_barrier.count() > 0)


class SessionPage(WizardPage):
    page = W.Page.SESSION
    fills_height = True

    def build(self, layout: QVBoxLayout) -> None:
        snap = self._w.snapshot
        flt = QGroupBox(self.tr("Filtrer les sessions"))
        grid = QFormLayout(flt)
        self.f_kind = QComboBox()
        self.f_kind.addItem(self.tr("Tous les types"), None)
        for value, label in SessionKind.choices():
            self.f_kind.addItem(label, value)
        self.f_territory = QComboBox()
        self.f_territory.addItem(self.tr("Près de chez la personne (son territoire et les voisins)"), None)
        self.f_territory.addItem(self.tr("Tout le Département"), W.ALL_TERRITORIES)
        for code, name in self._territories:
            self.f_territory.addItem(name, code)
        self.f_from = date_edit(snap.today)
        self.f_seats = QCheckBox(self.tr("Avec des places libres"))
        self.f_seats.setChecked(True)
        self.f_chantier = QComboBox()
        self.f_chantier.addItem(self.tr("Tous les chantiers"), None)
        for code, name in self._chantiers:
            self.f_chantier.addItem(name, code)
        self.f_trade = QComboBox()
        self.f_trade.addItem(self.tr("Tous les métiers"), None)
        for t in self._trades:
            self.f_trade.addItem(t["name"], t["code"])
        default = self._w.default_filter()
        if default.kind is not None:
            self.f_kind.setCurrentIndex(self.f_kind.findData(default.kind.value))
        row1 = QHBoxLayout()
        row1.addWidget(self.f_kind)
        row1.addWidget(self.f_territory, 1)
        self.f_kind.setAccessibleName(self.tr("Type de session"))
        self.f_territory.setAccessibleName(self.tr("Où : territoire des sessions"))
        self.f_chantier.setAccessibleName(self.tr("Chantier visé"))
        self.f_trade.setAccessibleName(self.tr("Métier visé"))
        self.f_from.setAccessibleName(self.tr("Sessions à partir du"))
        from_label = QLabel(self.tr("À partir du"))
        from_label.setBuddy(self.f_from)
        row2 = QHBoxLayout()
        row2.addWidget(from_label)
        row2.addWidget(self.f_from)
        row2.addWidget(self.f_seats)
        row2.addStretch(1)
        row3 = QHBoxLayout()
        row3.addWidget(self.f_chantier)
        row3.addWidget(self.f_trade, 1)
        grid.addRow(self.tr("Quoi, où"), row1)
        grid.addRow(self.tr("Quand"), row2)
        grid.addRow(self.tr("Pour"), row3)
        for w in (self.f_kind, self.f_territory, self.f_chantier, self.f_trade):
            w.currentIndexChanged.connect(self._refresh_sessions)
        self.f_from.dateChanged.connect(self._refresh_sessions)
        self.f_seats.toggled.connect(self._refresh_sessions)
        self.session_table = read_only_table([self.tr("Session"), self.tr("Dates"), self.tr("Lieu"),
                                              self.tr("Places\nlibres"), self.tr("Chantier, métiers"),
                                              self.tr("À noter")])
        # The texts share the width and wrap (the dates and the seats take what they need): at
        # 1024 px, columns sized to their contents left the title a few pixels and a scroll bar.
        header = self.session_table.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(self.session_table.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents if column in (1, 3)
                                        else QHeaderView.ResizeMode.Stretch)
        self.session_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Rows follow the wrapped texts when the dialog is resized, not only when filled.
        self.session_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.session_table.setObjectName("sessionChoices")
        self.session_table.setAccessibleName(self.tr("Sessions proposées"))
        self.session_table.setAccessibleDescription(self.tr(
            "Une ligne par session qui correspond aux filtres : titre, dates, lieu, places libres, chantier et "
            "métiers, remarques. Choisissez une ligne puis « Inscrire à la session choisie »."))
        self.session_table.setMinimumHeight(160)
        self.session_table.itemSelectionChanged.connect(self._update_register_button)
        self.sessions_legend = _hint(self.tr(
            "Colonne « À noter » : où a lieu la session par rapport au domicile de la personne (dans sa commune, "
            "dans son territoire, dans un territoire voisin, dans un territoire éloigné ; au-delà de son "
            "territoire, le trajet dépasse probablement 25 km), « déjà inscrite » si la personne l'est, et les "
            "vacances scolaires ou jours fériés qui tombent pendant la session. « Places libres » tient compte "
            "des inscriptions en attente dans cette orientation."))
        self.sessions_legend.setObjectName("sessionsLegend")
        self.sessions_legend.setStyleSheet("color: #5f6368;")
        self.sessions_empty = QLabel(self.tr("Aucune session ne correspond : élargissez les filtres."))
        self.sessions_empty.setStyleSheet("color: #5f6368;")
        self.register_button = QPushButton(self.tr("Inscrire à la session choisie"))
        self.register_button.setObjectName("registerButton")
        self.register_button.clicked.connect(self.register_selected)
        layout.addWidget(flt)
        layout.addWidget(self.session_table, 1)
        layout.addWidget(self.sessions_empty)
        layout.addWidget(self.sessions_legend)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.register_button)
        layout.addLayout(bar)
        self._session_rows: list[dict] = []

    def refresh(self, wizard: W.OrientationWizard) -> None:
        self._refresh_sessions()

    def session_filter(self) -> W.SessionFilter:
        kind = self.f_kind.currentData()
        return W.SessionFilter(kind=SessionKind(kind) if kind else None, territory=self.f_territory.currentData(),
                               date_from=_pydate(self.f_from.date()), with_seats=self.f_seats.isChecked(),
                               chantier=self.f_chantier.currentData(), trade=self.f_trade.currentData())

    def _refresh_sessions(self) -> None:
        if self.wizard is None:
            return
        rows = self._w.session_choices(self.session_filter())
        self._session_rows = rows
        names = {t["code"]: t["name"] for t in self._trades}
        chantiers = dict(self._chantiers)  # the chantier's name, not its code (« csne »)
        table_rows = []
        for r in rows:
            dates = fr_date(r["start_date"]) + ("" if r["end_date"] == r["start_date"]
                                                 else "\n→ " + fr_date(r["end_date"]))
            place = ", ".join(x for x in (r["place"], r["territory_name"]) if x)
            chantier = chantiers.get(r["chantier"], r["chantier"]) if r["chantier"] else ""
            target = ", ".join(x for x in [chantier, *(names.get(t, t) for t in r["trades"])] if x)
            notes = [r["proximity_label"]] + r["holidays"]
            if r["registered"]:
                notes.insert(0, self.tr("déjà inscrite"))
            table_rows.append([r["title"], dates, place, str(r["seats_left"]), target,
                               " ; ".join(notes)])
        fill_table(self.session_table, table_rows, [r["id"] for r in rows])
        free = [i for i, r in enumerate(rows) if not r["registered"]]
        if free:
            self.session_table.selectRow(free[0])
        self.sessions_empty.setVisible(not rows)
        self._update_register_button()

    def _selected_session(self) -> str | None:
        items = self.session_table.selectedItems()
        if not items:
            return None
        return self._session_rows[items[0].row()]["id"]

    def select_session(self, session_id: str) -> None:
        for i, r in enumerate(self._session_rows):
            if r["id"] == session_id:
                self.session_table.selectRow(i)

    def _update_register_button(self) -> None:
        self.register_button.setEnabled(self._selected_session() is not None)


class AttendancePage(WizardPage):
    page = W.Page.ATTENDANCE

    def build(self, layout: QVBoxLayout) -> None:
        self.attendance_box = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.attendance_box)
        layout.addWidget(holder)
        self.attendance_buttons: dict[tuple[str, str], QPushButton] = {}
        result = QGroupBox(self.tr("Résultat de l'étape en cours"))
        v = QVBoxLayout(result)
        self.step_label = QLabel()
        self.step_actions = ActionBar(per_row=4)
        self.step_actions.requested.connect(lambda a: self._do(lambda: self._w.pathway_action(a)))
        v.addWidget(self.step_label)
        v.addWidget(self.step_actions)
        layout.addWidget(result)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        while self.attendance_box.count():
            item = self.attendance_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.attendance_buttons = {}
        today = wizard.snapshot.today
        for r in wizard.state.registrations:
            if r.status is not RegistrationStatus.REGISTERED or r.start_date > today:
                continue
            box = QGroupBox(f"{r.session_title} — {fr_date(r.start_date)}")
            row = QHBoxLayout(box)
            if r.attendance:
                row.addWidget(QLabel(self.tr("Présence notée : %1").replace("%1", Attendance(r.attendance).label)))
            else:
                for value, label in Attendance.choices():
                    b = QPushButton(label)
                    b.setAccessibleName(self.tr("%1 : %2 du %3").replace("%1", label).replace(
                        "%2", r.session_title).replace("%3", fr_date(r.start_date)))
                    b.clicked.connect(lambda _=False, sid=r.session_id, v=value:
                                      self._do(lambda: wizard.record_attendance(sid, v)))
                    self.attendance_buttons[(r.session_id, value)] = b
                    row.addWidget(b)
            row.addStretch(1)
            self.attendance_box.addWidget(box)
        o = wizard.state.pathway.open_step
        self.step_label.setText(self.tr("Étape en cours : <b>%1</b> (%2)").replace("%1", o.stage.label)
                                .replace("%2", o.status.label.lower()) if o else
                                self.tr("Aucune étape en cours."))
        self.step_actions.set_pathway(wizard.state.pathway, lambda: today)


class ReferralPage(WizardPage):
    page = W.Page.REFERRAL

    def build(self, layout: QVBoxLayout) -> None:
        box = QGroupBox(self.tr("Orientation vers une agence d'emploi"))
        form = self.ref_form = QFormLayout(box)
        self.ref_agency = QComboBox()
        self.ref_scheme = QComboBox()
        for value, label in ReferralScheme.choices():
            self.ref_scheme.addItem(label, value)
        self.ref_trades = CheckList((t["code"], t["name"]) for t in self._trades)
        self.ref_trades.setMaximumHeight(110)
        self.ref_summary = QLineEdit()
        self.ref_summary.setMaxLength(1000)
        self.skip_row = QWidget()
        skip = QHBoxLayout(self.skip_row)
        skip.setContentsMargins(0, 0, 0, 0)
        self.skip_label = _hint("")
        self.skip_reason = QComboBox()
        self.skip_reason.setAccessibleName(self.tr("Motif du passage des étapes"))
        self.skip_reason.addItem(self.tr("— motif du passage —"), "")
        for r in P.REASONS[StepStatus.SKIPPED]:
            self.skip_reason.addItem(r.label, r.value)
        skip.addWidget(self.skip_label, 1)
        skip.addWidget(self.skip_reason)
        self.refer_button = QPushButton(self.tr("Orienter vers cette agence"))
        self.refer_button.setObjectName("referButton")
        self.refer_button.clicked.connect(self.refer)
        self.consent_link = QPushButton(self.tr("Noter le consentement…"))
        self.consent_link.clicked.connect(lambda: self._go(self._w.go(W.Page.CONSENT)))
        self.consent_link.hide()
        form.addRow(self.tr("Agence"), self.ref_agency)
        form.addRow(self.tr("Dispositif"), self.ref_scheme)
        form.addRow(self.tr("Métiers visés"), self.ref_trades)
        form.addRow(self.tr("Synthèse des freins"), self.ref_summary)
        form.addRow(self.tr("Parcours"), self.skip_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refer_button)
        buttons.addWidget(self.consent_link)
        buttons.addStretch(1)
        form.addRow("", buttons)
        layout.addWidget(box)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        current = self.ref_agency.currentData()
        self.ref_agency.clear()
        for a in self._agencies():
            self.ref_agency.addItem(a["name"] + self._consent_mark(a, self.tr(" — sans consentement")), a["id"])
        if current is not None and self.ref_agency.findData(current) >= 0:
            self.ref_agency.setCurrentIndex(self.ref_agency.findData(current))
        if not self.ref_summary.text():
            self.ref_summary.setText(", ".join(f"{b['type_label']} ({b['status_label'].lower()})"
                                               for b in wizard.barrier_review()))
        gaps = self._agency_gaps()
        # The whole row, its « Parcours » label with it (an empty row otherwise).
        self.ref_form.setRowVisible(self.skip_row, bool(gaps))
        if gaps:
            passed = ", ".join(f"« {g.label} »" for g in gaps)
            self.skip_label.setText(self.tr("Orienter maintenant passe %1 : motif").replace("%1", passed))
            self.skip_reason.setAccessibleName(self.tr("Motif du passage de %1").replace("%1", passed))


class ClosePage(WizardPage):
    page = W.Page.CLOSE

    def build(self, layout: QVBoxLayout) -> None:
        box = QGroupBox(self.tr("Clôturer le parcours (sortie)"))
        form = QFormLayout(box)
        self.outcome = QComboBox()
        self.outcome.addItem(self.tr("— choisir la catégorie de sortie —"), "")
        for value, label in OutcomeCategory.choices():
            self.outcome.addItem(label, value)
        self.outcome_detail = QLineEdit()
        self.outcome_detail.setMaxLength(120)
        self.outcome_detail.setPlaceholderText(self.tr("Ex. CDII chez …, formation qualifiante…"))
        self.outcome_date = date_edit(self._w.snapshot.today)
        self.outcome_date.setMaximumWidth(160)
        self.end_label = QLabel()
        self.end_status = QComboBox()
        self.end_reason = QComboBox()
        self.end_reason_label = QLabel(self.tr("Motif"))
        self.end_label.setBuddy(self.end_status)
        self.end_reason_label.setBuddy(self.end_reason)
        self.end_status.setAccessibleName(self.tr("Fin de l'étape en cours"))
        self.end_reason.setAccessibleName(self.tr("Motif"))
        self.end_status.currentIndexChanged.connect(self._end_status_changed)
        self.close_button_page = QPushButton(self.tr("Clôturer le parcours"))
        self.close_button_page.setObjectName("closePathway")
        self.close_button_page.clicked.connect(self.close_pathway)
        form.addRow(self.tr("Catégorie de sortie"), self.outcome)
        form.addRow(self.tr("Précision"), self.outcome_detail)
        form.addRow(self.tr("Date de sortie"), self.outcome_date)
        form.addRow(self.end_label, self.end_status)
        form.addRow(self.end_reason_label, self.end_reason)
        form.addRow("", left_aligned(self.close_button_page))
        note = QLabel(self.tr("La catégorie de sortie est obligatoire. Taux d'insertion = sorties dynamiques "
                              "÷ (toutes les sorties − sorties neutres)."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368;")
        layout.addWidget(box)
        layout.addWidget(note)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        p = wizard.state.pathway
        o = p.open_step if not p.is_closed else None
        current = self.end_status.currentData()
        self.end_status.blockSignals(True)
        self.end_status.clear()
        if o is not None:
            self.end_label.setText(self.tr("Fin de « %1 »").replace("%1", o.stage.label))
            self.end_status.setAccessibleName(self.end_label.text())
            self.end_status.addItem(self.tr("— comment se termine-t-elle ? —"), "")
            for st in (StepStatus.DONE, StepStatus.ABANDONED, StepStatus.NOT_DONE):
                if (st is StepStatus.DONE and o.status is StepStatus.SUSPENDED) or \
                        (st is StepStatus.ABANDONED and not o.started) or (st is StepStatus.NOT_DONE and o.started):
                    continue
                self.end_status.addItem(st.label, st.value)
            if current and self.end_status.findData(current) >= 0:
                self.end_status.setCurrentIndex(self.end_status.findData(current))
        self.end_status.blockSignals(False)
        self.end_label.setVisible(o is not None)
        self.end_status.setVisible(o is not None)
        self._end_status_changed()
        self.close_button_page.setEnabled(not p.is_closed)

    def _end_status_changed(self) -> None:
        value = self.end_status.currentData() if self.end_status.isVisibleTo(self) or self.end_status.count() else ""
        needs = bool(value) and value != StepStatus.DONE.value
        if needs:
            current = self.end_reason.currentData()
            self.end_reason.clear()
            self.end_reason.addItem(self.tr("— choisir un motif —"), "")
            for r in P.REASONS[StepStatus(value)]:
                self.end_reason.addItem(r.label, r.value)
            if current and self.end_reason.findData(current) >= 0:
                self.end_reason.setCurrentIndex(self.end_reason.findData(current))
        self.end_reason.setVisible(needs)
        self.end_reason_label.setVisible(needs)


class SummaryPage(WizardPage):
    page = W.Page.SUMMARY
    fills_height = True

    def build(self, layout: QVBoxLayout) -> None:
        self.summary_list = QListWidget()
        self.summary_list.setObjectName("pendingList")
        self.summary_list.setAccessibleName(self.tr("Actions qui seront enregistrées"))
        self.notes_label = _hint("")
        self.notes_label.setStyleSheet("color: #8a4b00;")
        layout.addWidget(QLabel(self.tr("« Enregistrer » écrira, en une seule fois :")))
        layout.addWidget(self.summary_list, 1)
        self.passed_label = _hint("")
        self.passed_label.setObjectName("passedSteps")
        layout.addWidget(self.passed_label)
        layout.addWidget(self.notes_label)

    def refresh(self, wizard: W.OrientationWizard) -> None:
        self.summary_list.clear()
        for i, text in enumerate(wizard.pending(), 1):
            self.summary_list.addItem(f"{i}. {text}")
        if not wizard.dirty:
            self.summary_list.addItem(self.tr("(aucune action en attente)"))
        passed = wizard.passed_steps()
        lines = [self.tr("• « %1 »").replace("%1", st.stage.label)
                 + (f" ({st.reason.label})" if st.reason else "") for st in passed]
        heading = (self.tr("L'étape suivante sera marquée comme passée :") if len(passed) == 1
                   else self.tr("Les étapes suivantes seront marquées comme passées :"))
        self.passed_label.setText("\n".join([heading, *lines]) if passed else "")
        self.passed_label.setVisible(bool(passed))
        notes = list(wizard.state.notes)
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))


PAGE_CLASSES = (ConsentPage, BarriersPage, SessionPage, AttendancePage, ReferralPage, ClosePage,
                SummaryPage)


class OrientationDialog(QDialog):
    committed = Signal(str)

    def __init__(self, worker, beneficiary_id: str, draft: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.beneficiary_id = beneficiary_id
        self._draft = draft
        self.wizard: W.OrientationWizard | None = None
        self._trades: list[dict] = []
        self._saving = False
        self.close_box: QMessageBox | None = None  # « Fermer l'orientation guidée ? » (Escape)
        self.setWindowTitle(self.tr("Orientation guidée"))
        self.setMinimumSize(960, 640)

        self.nav = QListWidget()
        self.nav.setObjectName("wizardPages")
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setIconSize(QSize(_MARK_SIZE, _MARK_SIZE))
        self.nav.setAccessibleName(self.tr("Étapes de l'orientation guidée"))
        self.nav.setAccessibleDescription(self.tr("Chaque étape dit si elle est faite, à faire ou sans objet ; "
                                                  "l'étape affichée est sélectionnée."))
        # The step shown stays marked when the dialog loses the focus (Fusion's inactive selection
        # is almost white): colours of their own, measured by tests/ui/test_contrast.py, one rule a line.
        self.nav.setStyleSheet(
            "QListWidget#wizardPages { background: #ffffff; color: #1b2631; }"
            "QListWidget#wizardPages::item { padding: 5px 4px; border-left: 4px solid transparent; }"
            "QListWidget#wizardPages::item:hover { background: #eef3f8; color: #1b2631; }"
            "QListWidget#wizardPages::item:selected { background: #d6e4f5; color: #1b2631; }"
            "QListWidget#wizardPages::item:selected { border-left: 4px solid #1f5fa8; }"
        )
        font = self.nav.font()
        font.setPointSizeF(10.5)
        self.nav.setFont(font)
        for i, page in enumerate(W.PAGES):
            self.nav.addItem(QListWidgetItem(f"{i + 1}. {page.label}"))
        # As wide as the longest step in bold (the step shown), mark, edge and margins included:
        # a fixed width clipped « Orientation vers une agence » with the fonts of some systems.
        font.setBold(True)
        longest = max(QFontMetrics(font).horizontalAdvance(self.nav.item(i).text()) for i in range(len(W.PAGES)))
        self.nav.setFixedWidth(longest + _MARK_SIZE + 32)
        self.nav.currentRowChanged.connect(self._nav_clicked)
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.hint_label = _hint("")
        self.hint_label.setObjectName("pageHint")
        self.hint_label.setStyleSheet("background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 4px; "
                                      "padding: 6px;")
        self.banner = Banner("error")
        self.error_line = ErrorLine()
        self.stack = QStackedWidget()
        self.loading = QLabel(self.tr("Chargement du dossier…"))
        self.stack.addWidget(self.loading)
        self.pages: dict[W.Page, WizardPage] = {}

        self.undo_button = QPushButton(self.tr("Annuler la dernière action"))
        self.undo_button.setObjectName("undoButton")
        self.undo_button.clicked.connect(self.undo)
        self.pending_label = QLabel()
        self.pending_label.setStyleSheet("color: #5f6368;")
        self.back_button = QPushButton(self.tr("< Précédent"))
        self.back_button.clicked.connect(lambda: self._go(self._w.back()))
        self.next_button = QPushButton(self.tr("Suivant >"))
        self.next_button.clicked.connect(lambda: self._go(self._w.next()))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setObjectName("wizardSave")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton(self.tr("Fermer"))
        self.close_button.setToolTip(self.tr("Les actions non enregistrées restent en brouillon : vous pourrez "
                                             "les reprendre."))
        self.close_button.clicked.connect(self.reject)

        right = QVBoxLayout()
        right.addWidget(self.title_label)
        right.addWidget(self.hint_label)
        right.addWidget(self.banner)
        right.addWidget(self.stack, 1)
        right.addWidget(self.error_line)
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addLayout(right, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.pending_label, 1)
        for b in (self.back_button, self.next_button, self.save_button, self.close_button):
            bottom.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addLayout(bottom)
        self._update_buttons()

    # --- opening -------------------------------------------------------------------------------

    def start(self) -> None:
        self.open()
        self._worker.submit(open_orientation, self.beneficiary_id, self._draft,
                            on_done=self._opened, on_error=self._failed)

    def _alive(self) -> bool:
        return alive(self)

    def _opened(self, result: dict) -> None:
        if not self._alive():
            return
        self.wizard = result["wizard"]
        self._trades = result["trades"]
        self._territories = result["territories"]
        self._chantiers = result["chantiers"]
        self._build_pages()
        if self._draft and self._draft.get("operations"):
            n, kept = len(self._draft["operations"]), len(self._w.operations)
            msg = (self.tr("Orientation reprise : 1 action en attente.") if kept == 1 else
                   self.tr("Orientation reprise : %1 actions en attente.").replace("%1", str(kept)))
            if kept < n:
                msg += " " + (self.tr("1 action ne s'appliquait plus et a été écartée.") if n - kept == 1 else
                              self.tr("%1 actions ne s'appliquaient plus et ont été écartées.").replace(
                                  "%1", str(n - kept)))
            self.banner.show_message(msg, "info")
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        if not self._alive() or isinstance(exc, VaultLocked):
            return
        self.banner.show_message(user_message(exc, "orientation guidée"), "error")
        self._update_buttons()

    # --- pages ---------------------------------------------------------------------------------

    def _build_pages(self) -> None:
        for cls in PAGE_CLASSES:
            widget = cls(self)
            self.pages[cls.page] = widget
            self.stack.addWidget(widget)

    def __getattr__(self, name: str) -> Any:
        """A page's widget by name (``dialog.consent_agency``…): the tests and the choices below
        reach the pages' widgets through the dialog."""
        pages = self.__dict__.get("pages") or {}
        for page in pages.values():
            if name in page.__dict__ or hasattr(type(page), name):
                return getattr(page, name)
        raise AttributeError(name)

    def _consent_mark(self, agency: dict, without: str) -> str:
        """Stored, or only noted in this orientation (written with « Enregistrer »)."""
        if agency.get("consent_pending"):
            return self.tr(" — consentement noté, sera enregistré à la fin")
        return self.tr(" — consentement enregistré") if agency["consent"] else without

    def _agencies(self) -> list[dict]:
        """The person's territory's agencies first (those with a consent first), then the others."""
        near = self._w.agency_choices()
        ids = {a["id"] for a in near}
        return near + [a for a in self._w.agency_choices(territory="") if a["id"] not in ids]

    def _agency_gaps(self) -> list[Stage]:
        p = self._w.state.pathway
        if p.open_step is not None or p.is_closed:
            return []
        return p.gaps_to(Stage.AGENCY)

    # --- refresh and navigation ------------------------------------------------------------------

    @property
    def _w(self) -> W.OrientationWizard:
        """The orientation being made (the actions that read it run only once it is loaded)."""
        assert self.wizard is not None, "aucune orientation chargée"
        return self.wizard

    def refresh(self) -> None:
        if self.wizard is None:
            return
        for widget in self.pages.values():
            widget.refresh(self.wizard)
        self.nav.blockSignals(True)
        status_words = {W.PageStatus.DONE: self.tr("fait"), W.PageStatus.TODO: self.tr("à faire"),
                        W.PageStatus.NOT_NEEDED: self.tr("sans objet pour l'instant")}
        for i, page in enumerate(W.PAGES):
            status = self._w.page_status(page)
            item = self.nav.item(i)
            item.setText(f"{i + 1}. {page.label}")
            item.setIcon(_mark_icon(_STATUS_MARK[status]))
            item.setToolTip(status_words[status].capitalize())
            # What a screen reader says: the mark is only drawn.
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{i + 1}. {page.label}, {status_words[status]}")
            font = item.font()
            font.setBold(page is self._w.page)
            item.setFont(font)
        self.nav.setCurrentRow(W.PAGES.index(self._w.page))
        self.nav.blockSignals(False)
        page = self._w.page
        self.stack.setCurrentWidget(self.pages[page])
        self.title_label.setText(f"{W.PAGES.index(page) + 1}. {page.label}")
        self.hint_label.setText(self._w.page_hint(page))
        self._update_buttons()

    def _update_buttons(self) -> None:
        w = self.wizard if not self._saving else None  # None: nothing can be done now
        dirty = w is not None and w.dirty
        self.undo_button.setEnabled(dirty)
        self.undo_button.setToolTip(w.pending()[-1] if w is not None and w.dirty else "")
        self.save_button.setEnabled(dirty)
        self.back_button.setEnabled(w is not None and w.page is not W.PAGES[0])
        self.next_button.setEnabled(w is not None and w.page is not W.PAGES[-1])
        n = len(self.wizard.operations) if self.wizard is not None else 0  # still shown while saving
        self.pending_label.setText(self.tr("Aucune action en attente") if not n else
                                   self.tr("1 action en attente d'enregistrement") if n == 1 else
                                   self.tr("%1 actions en attente d'enregistrement").replace("%1", str(n)))

    def _nav_clicked(self, row: int) -> None:
        if self.wizard is not None and row >= 0:
            self._go(self._w.go(W.PAGES[row]))

    def _go(self, page: W.Page) -> None:
        self.error_line.show_error("")
        self.refresh()

    # --- choices (each a pending operation) ------------------------------------------------------

    def _do(self, fn) -> bool:
        """Run a wizard choice; show its French refusal, or refresh and keep the draft."""
        if self.wizard is None or self._saving:
            return False
        self.error_line.show_error("")
        self.banner.clear()
        try:
            fn()
        except AppError as exc:
            self.error_line.show_error(error_text(exc))
            if self._w.page is W.Page.REFERRAL:
                self.consent_link.setVisible(isinstance(exc, ConsentRequired))
            return False
        self.consent_link.hide()
        self.refresh()
        self.save_draft()
        return True

    def record_consent(self) -> None:
        agency = self.consent_agency.currentData()
        scope = [v for v, cb in self.consent_scopes.items() if cb.isChecked()]
        if agency is None:
            self.error_line.show_error(self.tr("Choisissez l'agence."))
            return
        self._do(lambda: self._w.record_consent(agency, scope, _pydate(self.consent_date.date())))

    def add_barrier(self) -> None:
        kind = self.new_barrier.currentData()
        if kind:
            self._do(lambda: self._w.add_barrier(kind))

    def register_selected(self) -> None:
        sid = self._selected_session()
        if sid is not None:
            self._do(lambda: self._w.register(sid))

    def refer(self) -> None:
        agency = self.ref_agency.currentData()
        if agency is None:
            self.error_line.show_error(self.tr("Choisissez l'agence."))
            return
        trades = self.ref_trades.checked()
        gaps = self._agency_gaps()
        reason = self.skip_reason.currentData()
        if gaps and not reason:
            self.error_line.show_error(self.tr("Motif : indiquez pourquoi les étapes %1 sont passées.").replace(
                "%1", ", ".join(f"« {g.label} »" for g in gaps)))
            return
        scheme, summary = self.ref_scheme.currentData(), self.ref_summary.text().strip()
        # With gaps: two pending operations (the step, then the referral), kept together or not at all.
        self._do(lambda: self._w.refer(agency, scheme, trades, summary, skip_reason=reason if gaps else None))

    def close_pathway(self) -> None:
        end_status = self.end_status.currentData() if self.end_status.isVisibleTo(self) or self.end_status.count() \
            else None
        end_reason = self.end_reason.currentData() if end_status and end_status != StepStatus.DONE.value else None
        outcome = self.outcome.currentData()
        if not outcome:
            self.error_line.show_error(self.tr("Catégorie de sortie : choisissez-la, elle est obligatoire pour "
                                               "clôturer."))
            return
        self._do(lambda: self._w.close(outcome, _pydate(self.outcome_date.date()),
                                           self.outcome_detail.text().strip(), end_status or None, end_reason or None))

    def undo(self) -> None:
        if self.wizard is None or not self._w.dirty or self._saving:
            return
        op = self._w.undo()
        if op is None:
            return
        self.error_line.show_error("")
        self.banner.show_message(self.tr("Action annulée : %1.").replace("%1", op.describe(self.wizard)), "info")
        self.refresh()
        self.save_draft()

    # --- closing with Escape ---------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Escape with pending actions asks first (they would stay only as a draft)."""
        if event.key() == Qt.Key.Key_Escape and self.wizard is not None and self._w.dirty and not self._saving:
            event.accept()
            self.ask_close()
            return
        super().keyPressEvent(event)

    def ask_close(self) -> QMessageBox:
        n = len(self._w.operations) if self.wizard is not None else 0
        text = (self.tr("1 action en attente n'est pas encore enregistrée.") if n == 1 else
                self.tr("%1 actions en attente ne sont pas encore enregistrées.").replace("%1", str(n)))
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Fermer l'orientation guidée ?"),
                          text + " " + self.tr("Elles restent en brouillon : vous pourrez les reprendre depuis "
                                               "l'onglet « Parcours »."), QMessageBox.StandardButton.NoButton, self)
        close = box.addButton(self.tr("Fermer"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("Continuer la saisie"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        self.close_box = box
        box.finished.connect(lambda _r: self._close_answered(box.clickedButton() is close))
        box.open()
        return box

    def _close_answered(self, close: bool) -> None:
        self.close_box = None
        if close and alive(self):
            self.reject()

    # --- draft, save, lock -----------------------------------------------------------------------

    def draft_data(self) -> dict | None:
        return self._w.to_dict() if self.wizard is not None and self._w.dirty else None

    def save_draft(self) -> None:
        if self.wizard is None:
            return
        key = orientation.draft_key(self.beneficiary_id)
        if self._w.dirty:
            self._worker.submit(drafts.save, key, self._w.to_dict(), on_error=self._draft_failed)
        else:
            self._worker.submit(drafts.discard, key, on_error=self._draft_failed)

    def _draft_failed(self, exc: BaseException) -> None:
        if self._alive() and not isinstance(exc, VaultLocked):
            self.banner.show_message(self.tr("Le brouillon n'a pas pu être conservé : %1").replace(
                "%1", user_message(exc, "brouillon d'orientation")), "error")

    def save(self) -> None:
        if self.wizard is None or not self._w.dirty or self._saving:
            return
        self._saving = True
        self._update_buttons()
        self._worker.submit(commit_orientation, self.beneficiary_id, self._w.operations,
                            self._w.snapshot.pathway_fingerprint, on_done=self._saved, on_error=self._save_failed)

    def _saved(self, out: orientation.Committed) -> None:
        self._saving = False
        if not alive(self):
            return
        n = len(self._w.operations)
        message = (self.tr("Orientation guidée enregistrée (1 action).") if n == 1 else
                   self.tr("Orientation guidée enregistrée (%1 actions).").replace("%1", str(n)))
        refs = [r.reference for r in out.referrals]
        if refs:
            message += " " + self.tr("Orientation n° %1.").replace("%1", ", ".join(refs))
        if out.notes:
            message += " " + " ".join(out.notes)
        self.wizard = None
        self.committed.emit(message)
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if not self._alive() or isinstance(exc, VaultLocked):
            return
        self.banner.show_message(self.tr("Rien n'a été enregistré : %1").replace("%1", user_message(
            exc, "enregistrement de l'orientation guidée")), "error")
        self._update_buttons()
