"""Indicateurs: the convention's eight indicators (article 5-1) as cards with their definition on
hover, the pathway funnel and the monthly trend as QtCharts, filters at the top. Every figure is
clickable: « D'où vient ce chiffre ? » lists the files behind it, which open on a double-click.

Everything is computed on the worker (``storage.services.indicators.page_data``); a result
computed for filters that changed meanwhile is dropped (generation)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QModelIndex, Qt, QTime, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import indicators as I
from conseiller_app.domain.enums import Public
from conseiller_app.domain.facts import format_euros
from conseiller_app.storage.services import indicators as service
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.pages.base import fill_with_scroll, page_header
from conseiller_app.ui.widgets.columns import ID_ROLE, Column
from conseiller_app.ui.widgets.rows_model import RowsTableModel
from conseiller_app.ui.worker import BACKGROUND, DbWorker, VaultLocked

#: The card of each indicator: (key, title, the figure explained on a click)
CARDS = (
    ("spott_grands_chantiers", "SPOTT grands chantiers", "spott_grands_chantiers"),
    ("positioned_by_agencies", "Positionnés par les agences", "positioned_by_agencies"),
    ("insertion_rate", "Taux d'insertion", "insertion_rate"),
    ("prevention_completed", "Parcours prévention finalisés", "prevention_completed"),
    ("pci", "Points Conseils Intérimaire", "pci"),
    ("fpett_amount_cents", "Investi par le FPETT", "fpett_amount_cents"),
    ("aktiv_envelope_cents", "AKTIV compétences", "aktiv_envelope_cents"),
    ("departement_amount_cents", "Investi par le Département", "departement_amount_cents"),
)


#: Stage names short enough for the funnel's axis.
SHORT_STAGE = {"reperage": "Repérage", "atelier": "Atelier", "decouverte": "Découverte", "sas": "SAS",
               "positionnement": "Positionnement", "action_preparatoire": "Action prépa.", "formation": "Formation",
               "emploi": "Mission / emploi", "sortie": "Sortie", "suivi": "Suivi"}


def _pct(rate: I.Rate) -> str:
    return "—" if rate.rate is None else f"{100 * rate.rate:.0f}\u00a0%"


def card_texts(r: I.IndicatorReport) -> dict[str, tuple[str, str]]:
    """(figure, detail line) of each card."""
    allocated = "non transmise" if r.aktiv_allocated is None else format_euros(r.aktiv_allocated)
    return {
        "spott_grands_chantiers": (str(r.spott_grands_chantiers), "sessions CSNE ou ERBM"),
        "positioned_by_agencies": (str(r.positioned_by_agencies), "personnes"),
        "insertion_rate": (_pct(r.insertion_all),
                           f"Département {_pct(r.insertion_departement)} · agences {_pct(r.insertion_agencies)}"),
        "prevention_completed": (str(r.prevention_completed), "parcours"),
        "pci": (str(r.pci_count), f"{sum(v[0] for v in r.pci_recommendations.values())} préconisations"),
        "fpett_amount_cents": (format_euros(r.fpett_total), "CIPI, CDPI, SPOTT, Tremplin RSA"),
        "aktiv_envelope_cents": (format_euros(r.aktiv_committed), f"engagés · enveloppe {allocated}"),
        "departement_amount_cents": (format_euros(r.departement_total), "préparatoire métier, coup de pouce"),
    }


def definition_text(key: str) -> str:
    d = I.DEFINITIONS[key]
    quote = f"<p><i>{d.convention}</i></p>" if d.convention else ""
    return f"<p><b>{d.title}</b></p>{quote}<p>{d.counted}</p><p>Cliquez pour voir d'où vient ce chiffre.</p>"


class IndicatorCard(QPushButton):
    """A card: the figure, what it is, its definition on hover; a click asks for its files."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("indicatorCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(definition_text(key))
        self.setMinimumHeight(88)
        self.title = title
        self.figure = "…"
        self.detail = ""
        self._render()

    def show_values(self, figure: str, detail: str) -> None:
        self.figure, self.detail = figure, detail
        self._render()

    def _render(self) -> None:
        self.setText(f"{self.figure}\n{self.title}\n{self.detail}")
        self.setAccessibleName(f"{self.title} : {self.figure}")


class ExplainDialog(QDialog):
    """« D'où vient ce chiffre ? »: the files behind a figure; a double-click opens one."""

    open_beneficiary = Signal(str)

    def __init__(self, title: str, summary: str, rows: list[dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("D'où vient ce chiffre ?"))
        self.resize(720, 480)
        self.model = RowsTableModel([
            Column(self.tr("Dossier"), lambda r: r["name"]),
            Column(self.tr("Date"), lambda r: r["day"].strftime("%d/%m/%Y") if r["day"] else ""),
            Column(self.tr("Détail"), lambda r: r["detail"], tooltip=lambda r: r["detail"]),
        ], id_key="file_id", parent=self)
        self.model.set_rows(rows)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.activated.connect(self._activated)
        heading = QLabel(f"<b>{title}</b><br>{summary}")
        heading.setWordWrap(True)
        hint = QLabel(self.tr("Double-cliquez sur une ligne pour ouvrir le dossier."))
        hint.setObjectName("hint")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def _activated(self, index: QModelIndex) -> None:
        file_id = index.data(ID_ROLE)
        if file_id:
            self.open_beneficiary.emit(file_id)


class IndicatorsPage(QWidget):
    """Emits ``open_beneficiary(id)`` when a file of a « D'où vient ce chiffre ? » list is opened."""

    open_beneficiary = Signal(str)
    computed = Signal()  # for tests: new figures are on screen

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._generation = 0
        self._locked = True
        self.data: service.PageData | None = None
        self.filters = I.Filters()
        self.dialog: ExplainDialog | None = None
        tr = self.tr

        self.period = QComboBox()
        self.period.setObjectName("periodFilter")
        self.territory = QComboBox()
        self.territory.setObjectName("territoryFilter")
        self.territory.addItem(tr("Tous les territoires"), None)
        self.public = QComboBox()
        self.public.addItem(tr("Tous les publics"), None)
        for p in Public:
            self.public.addItem(p.label, p.value)
        self.chantier = QComboBox()
        self.chantier.addItem(tr("Tous les chantiers"), None)
        for code, label in (("csne", "Canal Seine-Nord Europe"), ("erbm", "ERBM"), ("autre", tr("Autre chantier"))):
            self.chantier.addItem(label, code)
        self._fill_periods(service.DEFAULT_SIGNATURE, date.today())
        for combo in (self.period, self.territory, self.public, self.chantier):
            combo.currentIndexChanged.connect(self._filters_changed)
        filters = QHBoxLayout()
        for label, combo in ((tr("Période"), self.period), (tr("Territoire"), self.territory),
                             (tr("Public"), self.public), (tr("Chantier"), self.chantier)):
            box = QVBoxLayout()
            caption = QLabel(label)
            caption.setBuddy(combo)
            box.addWidget(caption)
            box.addWidget(combo)
            filters.addLayout(box)
        filters.addStretch(1)

        self.cards: dict[str, IndicatorCard] = {}
        grid = QGridLayout()
        for i, (key, title, name) in enumerate(CARDS):
            card = IndicatorCard(key, tr(title))
            card.clicked.connect(lambda _=False, n=name: self.explain(n))
            self.cards[key] = card
            grid.addWidget(card, i // 4, i % 4)

        self.funnel_chart = QChart()
        self.funnel_chart.setTitle(tr("Parcours des personnes repérées dans la période"))
        self.funnel_chart.legend().setVisible(True)
        self.funnel_view = QChartView(self.funnel_chart)
        self.funnel_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.funnel_view.setMinimumHeight(300)
        self.trend_chart = QChart()
        self.trend_chart.setTitle(tr("Sorties dynamiques par mois"))
        self.trend_chart.legend().setVisible(False)
        self.trend_view = QChartView(self.trend_chart)
        self.trend_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.trend_view.setMinimumHeight(300)
        charts = QHBoxLayout()
        charts.addWidget(self.funnel_view, 3)
        charts.addWidget(self.trend_view, 2)

        self.export_pdf = QPushButton(tr("Exporter en PDF…"))
        self.export_csv = QPushButton(tr("Exporter en CSV…"))
        self.export_pdf.setToolTip(tr("Une page : les chiffres de ces filtres, sans donnée personnelle."))
        self.export_csv.setToolTip(tr("Les chiffres de ces filtres (montants en centimes), sans donnée personnelle."))
        self.export_pdf.clicked.connect(lambda: self._ask_export("pdf"))
        self.export_csv.clicked.connect(lambda: self._ask_export("csv"))
        for combo in (self.period, self.territory, self.public, self.chantier):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.period.setMinimumContentsLength(24)

        self.delays = QLabel()
        self.delays.setObjectName("hint")
        self.delays.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("hint")

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(page_header(tr("Indicateurs"), tr(
            "Les indicateurs de la convention (article 5-1), calculés sur ce poste. Survolez une carte pour sa "
            "définition ; cliquez pour voir d'où vient le chiffre.")))
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_pdf)
        exports.addWidget(self.export_csv)
        layout.addLayout(exports)
        layout.addLayout(filters)
        layout.addLayout(grid)
        layout.addLayout(charts)
        layout.addWidget(self.delays)
        layout.addWidget(self.status)
        layout.addStretch(1)
        fill_with_scroll(self, content)

    # --- page hooks ----------------------------------------------------------------------------

    def vault_opened(self) -> None:
        self.unlock()

    def unlock(self) -> None:
        self._locked = False
        self.refresh()

    def lock(self) -> None:
        self._locked = True
        self._generation += 1
        self.data = None
        if self.dialog is not None:
            self.dialog.close()  # it shows names
            self.dialog = None
        for card in self.cards.values():
            card.show_values("…", "")
        self.status.clear()

    def page_shown(self) -> None:
        if not self._locked:
            self.refresh()

    # --- filters and computing -----------------------------------------------------------------

    def _fill_periods(self, signature: date, today: date) -> None:
        tr = self.tr
        self.period.blockSignals(True)
        self.period.clear()
        q = (today.month - 1) // 3 + 1
        self.period.addItem(tr("Depuis le début"), I.Filters())
        self.period.addItem(tr("Année {y}").format(y=today.year), I.Filters.calendar_year(today.year))
        self.period.addItem(tr("Année {y}").format(y=today.year - 1), I.Filters.calendar_year(today.year - 1))
        self.period.addItem(tr("Trimestre en cours (T{q} {y})").format(q=q, y=today.year),
                            I.Filters.quarter(today.year, q))
        self.period.addItem(tr("Mois en cours"), I.Filters.month(today.year, today.month))
        for n in range(1, I.CONVENTION_YEARS + 1):
            f = I.Filters.convention_year(signature, n)
            assert f.start is not None and f.end is not None  # a convention year is bounded
            self.period.addItem(tr("Année {n} de la convention ({a} – {b})").format(
                n=n, a=f.start.strftime("%d/%m/%Y"), b=f.end.strftime("%d/%m/%Y")), f)
        self.period.blockSignals(False)

    def current_filters(self) -> I.Filters:
        base: I.Filters = self.period.currentData() or I.Filters()
        return I.Filters(base.start, base.end, territory=self.territory.currentData(),
                         chantier=self.chantier.currentData(), public=self.public.currentData())

    def _filters_changed(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        if self._locked:
            return
        self._generation += 1
        generation = self._generation
        self.filters = self.current_filters()
        self.status.setText(self.tr("Calcul…"))
        self.worker.submit(service.page_data, self.filters, on_done=lambda d: self._computed(generation, d),
                           on_error=lambda e: self._failed(generation, e), priority=BACKGROUND)

    def _computed(self, generation: int, data: service.PageData) -> None:
        if generation != self._generation or self._locked:
            return
        self.data = data
        if self.territory.count() == 1:  # the vault's territories, once
            self.territory.blockSignals(True)
            for code, name in data.territories:
                self.territory.addItem(name, code)
            self.territory.blockSignals(False)
        texts = card_texts(data.report)
        for key, card in self.cards.items():
            card.show_values(*texts[key])
        self._show_funnel(data.report)
        self._show_trend(data.trend)
        d = data.report.delays

        def days(k: str) -> str:
            return "—" if d[k].median is None else f"{d[k].median:g}".replace(".", ",") + " j"
        self.delays.setText(self.tr(
            "Délais médians : repérage → premier atelier {a} ; atelier → agence {b} ; agence → mission {c}. "
            "Taux d'insertion : sorties dynamiques ÷ sorties hors sorties neutres (choix du projet).").format(
            a=days("spotting_to_atelier"), b=days("atelier_to_agency"), c=days("agency_to_mission")))
        self.status.setText(self.tr("Calculé sur ce poste."))
        self.computed.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or isinstance(exc, VaultLocked):
            return
        self.status.setText(user_message(exc))

    def _show_funnel(self, r: I.IndicatorReport) -> None:
        chart = self.funnel_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        stages = [f for f in r.funnel][::-1]  # first stage at the top
        reached, current = QBarSet(self.tr("ont atteint l'étape")), QBarSet(self.tr("y sont aujourd'hui"))
        for f in stages:
            reached.append(f.reached)
            current.append(f.current)
        series = QHorizontalBarSeries()
        series.append(reached)
        series.append(current)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([SHORT_STAGE.get(f.stage, f.label) for f in stages])
        categories.setTruncateLabels(False)  # the axis makes room for « Positionnement »
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([1] + [f.reached for f in stages]))
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)

    def _show_trend(self, points) -> None:
        chart = self.trend_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        series = QLineSeries()
        for month, value in points:
            series.append(QDateTime(month, QTime(0, 0)).toMSecsSinceEpoch(), value)
        chart.addSeries(series)
        x = QDateTimeAxis()
        x.setFormat("MM/yy")
        x.setTickCount(min(7, max(2, len(points))))
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setLabelFormat("%d")
        y.setRange(0, max([1] + [v for _, v in points]))
        y.applyNiceNumbers()
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)

    # --- export -----------------------------------------------------------------------------

    exported = Signal(str)  # the path written

    def _ask_export(self, kind: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.data is None:
            return
        from conseiller_app.reports import indicators as export

        name = export.filename(self.data.report, date.today(), kind)
        pattern = self.tr("PDF (*.pdf)") if kind == "pdf" else self.tr("CSV (*.csv)")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Exporter les indicateurs"), name, pattern)
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        """Write the figures on screen (PDF or CSV) on the worker."""
        if self.data is None:
            return
        report = self.data.report
        scope = ", ".join(c.currentText() for c in (self.territory, self.public, self.chantier) if c.currentIndex() > 0)

        def write(ctx):
            from conseiller_app.reports import indicators as export

            if kind == "pdf":
                return str(export.write_pdf(path, report, ctx.today(), scope))
            return str(export.write_csv(path, report))
        self.status.setText(self.tr("Export…"))
        self.worker.submit(write, on_done=self._exported, on_error=lambda e: self.status.setText(user_message(e)))

    def _exported(self, path: str) -> None:
        self.status.setText(self.tr("Exporté : {p}").format(p=path))
        self.exported.emit(path)

    # --- « D'où vient ce chiffre ? » -----------------------------------------------------------

    def explain(self, name: str) -> None:
        if self._locked:
            return
        generation = self._generation
        self.worker.submit(service.explain_rows, self.filters, name,
                           on_done=lambda result: self._explained(generation, result),
                           on_error=lambda e: self._failed(generation, e))

    def _explained(self, generation: int, result) -> None:
        if generation != self._generation or self._locked:
            return
        ex, rows = result
        summary = self.tr("{n} {unit}").format(n=len(ex.items), unit=ex.unit)
        if ex.total_cents is not None:
            summary += self.tr(", total {t}").format(t=format_euros(ex.total_cents))
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ExplainDialog(ex.title, summary, [
            {"file_id": r.file_id, "name": r.name if r.file_id else self.tr("Session"), "day": r.day,
             "detail": r.detail} for r in rows], self)
        self.dialog.open_beneficiary.connect(self.open_beneficiary)
        self.dialog.show()
