"""The Orientations page: every referral with filters (status, agency, territory, scheme), the
view « Sans nouvelles depuis 30 jours », status changes, new referrals (consent checked), and
the referral form (fiche de liaison) with its preview. Its data loads when it is first shown
after an unlock (see ``ui/pages/load_on_show.py``)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import ReferralScheme, ReferralStatus
from conseiller_app.storage.services import referrals as referral_service
from conseiller_app.storage.services.referrals import ReferralCreated, ReferralDetail, ReferralRow
from conseiller_app.ui.changes import Changes, Kind
from conseiller_app.ui.documents import operations as doc_ops
from conseiller_app.ui.documents.preview import DocumentPreview
from conseiller_app.ui.pages.base import page_header
from conseiller_app.ui.pages.load_on_show import LoadOnShowPage
from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.referrals.list_model import referral_list_model
from conseiller_app.ui.referrals.referral_dialog import ReferralDialog
from conseiller_app.ui.referrals.status_dialog import StatusDialog
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.choices import fill_combo
from conseiller_app.ui.widgets.formatting import fr_date, plural
from conseiller_app.ui.widgets.funding_box import FundingDialog
from conseiller_app.ui.widgets.lazy_table import ROW_ROLE
from conseiller_app.ui.widgets.tables import list_view, set_stretch, set_widths
from conseiller_app.ui.worker import DbWorker

RS = ReferralStatus
ALL, NO_NEWS = 0, 1


class OrientationsPage(LoadOnShowPage):
    open_beneficiary = Signal(str)
    status_message = Signal(str)
    changes_made = Signal(object)  # Changes (ui/changes.py)
    shows = (Kind.REFERRALS, Kind.FILES)  # a file renamed or purged changes the list's rows

    def changes_happened(self, _changes: Changes) -> None:
        if not self._locked and self.env is not None and self.isVisible():
            self.shown_again()

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, ops.environment, parent)
        self._detail_generation = 0
        self.current: ReferralDetail | None = None  # the selected referral (full, from ``referrals.get``)
        tr = self.tr

        self.new_button = QPushButton(tr("Nouvelle orientation…"))
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_referral)
        self.tabs = QTabBar()
        self.tabs.setObjectName("referralViews")
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.addTab(tr("Toutes les orientations"))
        self.tabs.addTab(tr("Sans nouvelles depuis 30 jours"))
        self.tabs.currentChanged.connect(lambda _i: self.run_query())

        self.status = QComboBox()
        self.agency = QComboBox()
        self.agency.setMinimumWidth(220)
        self.territory = QComboBox()
        self.scheme = QComboBox()
        fill_combo(self.status, [(ops.OPEN_ONLY, tr("En cours (non closes)")), *RS.choices()], tr("Tous les statuts"))
        fill_combo(self.agency, [], tr("Toutes les agences"))
        fill_combo(self.territory, [], tr("Tous les territoires"))
        fill_combo(self.scheme, ReferralScheme.choices(), tr("Tous les dispositifs"))
        for combo, name in ((self.status, tr("Statut")), (self.agency, tr("Agence")),
                            (self.territory, tr("Territoire")), (self.scheme, tr("Dispositif"))):
            combo.currentIndexChanged.connect(self.run_query)
            named(combo, name)

        self.model = referral_list_model(worker, self)
        self.model.query_finished.connect(self._counted)
        self.model.query_failed.connect(self._failed)
        self.table = list_view()
        self.table.setObjectName("referralsTable")
        table(self.table, tr("Orientations"),
              tr("Une orientation par ligne : référence, personne, agence, statut. Le détail s'affiche à côté."))
        self.table.setModel(self.model)
        set_widths(self.table, [165, 165, 165, 85, 70, 115, 200, 80])
        set_stretch(self.table, [6])
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.table.activated.connect(lambda _i: self.change_status())
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)  # long counts wrap at 1024 px instead of being cut
        self.count_label.setObjectName("hint")

        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_button = QPushButton(tr("Changer le statut…"))
        self.status_button.clicked.connect(self.change_status)
        self.form_button = QPushButton(tr("Fiche de liaison…"))
        self.form_button.clicked.connect(self.print_form)
        self.open_button = QPushButton(tr("Ouvrir la fiche de la personne"))
        self.open_button.clicked.connect(self._open_person)
        self.funding_button = QPushButton(tr("Financements…"))
        self.funding_button.setToolTip(tr("Lignes de financement de cette orientation (CIPI, CDPI, Tremplin RSA…)"))
        self.funding_button.clicked.connect(self.edit_funding)
        # After a creation, the form that travels with the person is one click away.
        self._created_reference: str | None = None
        self.print_created_button = self.banner.add_button(tr("Imprimer la fiche de liaison…"), self._print_created)
        self.print_created_button.hide()
        detail_card = QFrame()
        detail_card.setObjectName("card")
        detail_layout = QHBoxLayout(detail_card)
        detail_layout.addWidget(self.detail, 1)
        buttons = QVBoxLayout()
        for button in (self.status_button, self.form_button, self.funding_button, self.open_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        detail_layout.addLayout(buttons)
        detail_card.setMinimumHeight(150)

        top = QHBoxLayout()
        top.addWidget(page_header(tr("Orientations"), tr("Les orientations vers les agences d'emploi : missions, "
                                                         "CIPI, CDPI, Tremplin RSA, SPOTT.")), 1)
        top.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)
        filters = QHBoxLayout()
        for w in (self.status, self.agency, self.territory, self.scheme):
            filters.addWidget(w)
        filters.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addWidget(self.count_label)
        middle.addWidget(detail_card)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        layout.addLayout(filters)
        layout.addWidget(self.banner)
        layout.addLayout(middle, 1)
        self._show_detail(None)

    # --- page hooks ----------------------------------------------------------------------------

    def lock(self) -> None:
        super().lock()
        self._forget_created()
        self._detail_generation += 1
        self.model.clear()
        self.count_label.clear()
        self.tabs.setTabText(NO_NEWS, self.tr("Sans nouvelles depuis 30 jours"))
        self._show_detail(None)

    def _failed(self, exc: BaseException) -> None:
        self._forget_created()
        super()._failed(exc)

    def _forget_created(self) -> None:
        self._created_reference = None
        self.print_created_button.hide()

    def shown_again(self) -> None:
        self.model.refresh()
        self._count_no_news()

    def environment_loaded(self, env: dict) -> None:
        super().environment_loaded(env)
        fill_combo(self.agency, [(a.id, a.name) for a in env["agencies"]], self.tr("Toutes les agences"))
        fill_combo(self.territory, env["territories"], self.tr("Tous les territoires"))
        self.run_query()

    # --- list ----------------------------------------------------------------------------------

    def query(self) -> ops.ReferralQuery:
        return ops.ReferralQuery(status=self.status.currentData(), agency_id=self.agency.currentData(),
                                 territory=self.territory.currentData(), scheme=self.scheme.currentData(),
                                 no_news_only=self.tabs.currentIndex() == NO_NEWS)

    def show_no_news(self) -> None:
        self.tabs.setCurrentIndex(NO_NEWS)

    def run_query(self) -> None:
        if self._locked or self.env is None:
            return
        no_news = self.tabs.currentIndex() == NO_NEWS
        self.status.setEnabled(not no_news)  # the view is by status already (awaiting the agency)
        self.model.set_query(self.query())
        self._count_no_news()

    def _count_no_news(self) -> None:
        self._worker.submit(ops.no_news_count, on_done=self._no_news_counted, on_error=self._failed)

    def _no_news_counted(self, n: int) -> None:
        if not self._locked:
            self.tabs.setTabText(NO_NEWS, self.tr("Sans nouvelles depuis 30 jours ({n})").format(n=n))

    def _counted(self, n: int) -> None:
        if self.tabs.currentIndex() == NO_NEWS:
            text = (self.tr("{n} à relancer auprès de l'agence (envoyées, reçues, entretien planifié ou "
                            "positionné·e, sans changement depuis 30 jours).").format(
                n=plural(n, self.tr("orientation"), self.tr("orientations"))) if n
                    else self.tr("Aucune orientation n'attend de nouvelles depuis 30 jours."))
        else:
            text = plural(n, self.tr("orientation"), self.tr("orientations")) if n else \
                self.tr("Aucune orientation ne correspond à ces filtres.")
        self.count_label.setText(text)
        # Keep the referral that was selected before the query, when it is still listed.
        kept = self.current.id if self.current else None
        row = self.model.row_of(kept) if kept else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self._selection_changed()

    def selected_row(self) -> ReferralRow | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_reference(self, reference: str) -> bool:
        for row in range(self.model.rowCount()):
            data = self.model.row_data(row)
            if data and data.reference == reference:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        row = self.selected_row()
        if row is None:
            self._show_detail(None)
            return
        self._detail_generation += 1
        generation = self._detail_generation
        self._worker.submit(referral_service.get, row.id,
                            on_done=lambda full: self._detail_loaded(generation, full), on_error=self._failed)

    def _detail_loaded(self, generation: int, full: ReferralDetail) -> None:
        if generation == self._detail_generation:
            self._show_detail(full)

    def _show_detail(self, r: ReferralDetail | None) -> None:
        self.current = r
        for button in (self.status_button, self.form_button, self.funding_button, self.open_button):
            button.setEnabled(r is not None)
        if r is None:
            self.detail.setText("<span style='color:#5b6876'>" + escape(self.tr(
                "Choisissez une orientation dans la liste pour voir son détail.")) + "</span>")
            return
        final = RS(r.status).is_final
        self.status_button.setEnabled(not final)
        trades = {t["code"]: t["name"] for t in (self.env or {}).get("trades", [])}
        lines = [
            (self.tr("Personne"), r.name),
            (self.tr("Agence"), r.agency),
            (self.tr("Dispositif"), r.scheme_label),
            (self.tr("Métiers"), ", ".join(trades.get(t, t) for t in r.trades) or "—"),
            (self.tr("Statut"), self.tr("{s} depuis le {d}").format(s=r.status_label, d=fr_date(r.status_date))),
        ]
        if r.refusal_reason_label:
            lines.append((self.tr("Motif"), r.refusal_reason_label))
        if r.result:
            lines.append((self.tr("Résultat"), r.result))
        lines.append((self.tr("Consentement"), r.consent_label))
        if r.barriers_summary:
            lines.append((self.tr("Freins"), r.barriers_summary))
        half = (len(lines) + 1) // 2

        def table(rows: list[tuple[str, str]]) -> str:
            return "<table cellspacing='2'>" + "".join(
                f"<tr><td style='color:#5b6876; padding-right:8px'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                for k, v in rows) + "</table>"

        html = f"<span style='font-size:12pt; font-weight:bold; color:#1f3a5f'>{escape(r.reference)}</span>"
        if r.no_news:
            html += "&nbsp;&nbsp;<span style='color:#8a5a00'>⚠ " + escape(self.tr(
                "Sans nouvelles depuis {n} jours : relancez l'agence.").format(n=r.days_since)) + "</span>"
        html += (f"<table width='100%'><tr><td width='50%' valign='top'>{table(lines[:half])}</td>"
                 f"<td valign='top'>{table(lines[half:])}</td></tr></table>")
        self.detail.setText(html)

    def _open_person(self) -> None:
        if self.current is not None:
            self.open_beneficiary.emit(self.current.beneficiary_id)

    # --- dialogs -------------------------------------------------------------------------------

    def new_referral(self) -> ReferralDialog | None:
        if self.env is None or self._locked:
            return None
        dialog = ReferralDialog(self._worker, self.env, self)
        dialog.created.connect(self._created)
        self._show_dialog(dialog)
        return dialog

    def _created(self, result: ReferralCreated) -> None:
        text = self.tr("Orientation {ref} créée ({status}).").format(
            ref=result.reference, status=RS(result.status).label.lower())
        if result.pathway_note:
            text += " " + result.pathway_note
        self.banner.show_message(text, "success")
        self._created_reference = result.reference
        self.print_created_button.show()
        self.status_message.emit(text)
        self.tabs.setCurrentIndex(ALL)
        self.model.refresh()
        picked = self.dialog.person if isinstance(self.dialog, ReferralDialog) else None
        person = picked.id if picked is not None else None
        self.changes_made.emit(Changes.of(Kind.REFERRALS, Kind.FILES, files=[person], origin=self))

    def _print_created(self) -> DocumentPreview | None:
        ref = self._created_reference
        if ref is None or self._locked:
            return None
        return self._show_preview(self.tr("Fiche de liaison {ref}").format(ref=ref), doc_ops.referral_form_pdf, ref)

    def change_status(self) -> StatusDialog | None:
        r = self.current
        if r is None or self._locked or RS(r.status).is_final:
            return None
        dialog = StatusDialog(self._worker, r, self.today(), self)
        dialog.changed.connect(self._status_changed)
        self._show_dialog(dialog)
        return dialog

    def _status_changed(self, result: ops.StatusResult) -> None:
        row = result.row
        text = self.tr("{ref} : {status}.").format(ref=row.reference, status=row.status_label)
        if result.pathway_note:
            text += " " + result.pathway_note
        self._forget_created()
        self.banner.show_message(text, "success")
        self._show_detail(row)
        self.model.refresh()
        self._count_no_news()
        self.changes_made.emit(Changes.of(Kind.REFERRALS, Kind.FILES, files=[row.beneficiary_id], origin=self))

    def edit_funding(self) -> FundingDialog | None:
        """« Financements… »: the funding lines of the selected referral (any status: a CDPI is
        funded once the person is in post)."""
        r = self.current
        if r is None or self._locked:
            return None
        dialog = FundingDialog(self._worker, "orientation", r.id,
                               self.tr("Financements de l'orientation {ref}").format(ref=r.reference),
                               self.today, self)
        reference = r.reference
        dialog.saved.connect(lambda n: self._funding_saved(reference, n))
        self._show_dialog(dialog)
        return dialog

    def _funding_saved(self, reference: str, n: int) -> None:
        if n:
            self.banner.show_message(self.tr("{ref} : financements enregistrés.").format(ref=reference), "success")
            self.changes_made.emit(Changes.of(Kind.REFERRALS, origin=self))

    # --- referral form -------------------------------------------------------------------------

    def print_form(self) -> DocumentPreview | None:
        r = self.current
        if r is None or self._locked:
            return None
        return self._show_preview(self.tr("Fiche de liaison {ref}").format(ref=r.reference),
                                  doc_ops.referral_form_pdf, r.reference)
