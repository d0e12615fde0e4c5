"""Create or edit a session: kind, title, dates (public holidays and weekends flagged as soon as
the dates are chosen), place, commune, territory, organiser, capacity, chantier, trades; for a
SPOTT, its « SPOTT » tab (chantier, FPETT's prior validation, OPCO, agencies involved); its
funding lines (« Financements » tab). Everything is written on « Enregistrer », on the worker."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain import sessions as rules
from conseiller_app.domain.enums import Organiser, SessionKind
from conseiller_app.storage.services.sessions import SessionDetail
from conseiller_app.ui.sessions import operations as ops
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.choices import CheckList, fill_combo, select_data
from conseiller_app.ui.widgets.feedback import ErrorLine
from conseiller_app.ui.widgets.formatting import fr_date
from conseiller_app.ui.widgets.funding_box import FundingBox, load_funding


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def commune_label(c: dict) -> str:
    postal = (c.get("postal_codes") or "").split()
    return f"{c['name']} ({postal[0]})" if postal else c["name"]


class SessionDialog(QDialog):
    """``session`` is None for a new session, else the session (``sessions.get``).
    Emits ``saved(result)`` with the service's answer (``id``/``version``, ``warnings``,
    ``promoted``) once written."""

    saved = Signal(object)  # ops.SessionSaved

    def __init__(self, worker, env: dict[str, Any], session: SessionDetail | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._env = env
        self._session = session
        self._busy = False
        self._title_auto = session is None
        tr = self.tr
        self.setWindowTitle(tr("Nouvelle session") if session is None else tr("Modifier la session"))
        self.setMinimumSize(620, 680)

        self.kind = QComboBox()
        fill_combo(self.kind, SessionKind.choices())
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(160)
        self.title_edit.textEdited.connect(self._title_edited)
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.dateChanged.connect(self._dates_changed)
        self.warnings = QLabel()
        self.warnings.setObjectName("notice")
        self.warnings.setWordWrap(True)
        self.warnings.hide()
        self.place = QLineEdit()
        self.place.setMaxLength(200)
        self.place.setPlaceholderText(tr("Salle, adresse…"))
        self.commune = QLineEdit()
        self.commune.setPlaceholderText(tr("Nom de la commune ou code INSEE"))
        self._communes: dict[str, dict] = {commune_label(c): c for c in env["communes"]}
        completer = QCompleter(QStringListModel(sorted(self._communes), self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.commune.setCompleter(completer)
        self.commune.editingFinished.connect(self._commune_changed)
        completer.activated.connect(lambda _t: self._commune_changed())
        self.territory = QComboBox()
        fill_combo(self.territory, env["territories"], tr("— d'après la commune —"))
        self.organiser = QComboBox()
        fill_combo(self.organiser, Organiser.choices())
        self.organiser_name = QLineEdit()
        self.organiser_name.setMaxLength(160)
        self.organiser_name.setPlaceholderText(tr("Organisme de formation, agence… (facultatif)"))
        self.capacity = QSpinBox()
        self.capacity.setRange(1, rules.MAX_CAPACITY)
        self.capacity.setValue(12)
        self.chantier = QComboBox()
        fill_combo(self.chantier, env["chantiers"], tr("Aucun en particulier"))
        self.trades = CheckList((t["code"], f"{t['name']} ({t['rome']})") for t in env["trades"])
        self.trades.setObjectName("tradeChoices")
        self.trades.setMinimumHeight(130)
        self.kind.currentIndexChanged.connect(self._suggest_title)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.error_line = ErrorLine()
        self.spott_group = self._spott_group(env)
        self.funding = FundingBox("session", env["today"], tr("Financements de la session"))

        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel(tr("au")))
        dates.addWidget(self.end)
        named(self.end, tr("Date de fin"))
        dates.addStretch(1)
        # The day's hours: said on the invitation, and the attendance sheet splits morning and afternoon.
        self.start_time = QLineEdit()
        self.end_time = QLineEdit()
        hours = QHBoxLayout()
        for hour_edit, name, hint in ((self.start_time, tr("Heure de début"), "09:00"),
                                      (self.end_time, tr("Heure de fin"), "16:30")):
            hour_edit.setPlaceholderText(hint)
            hour_edit.setMaxLength(5)
            hour_edit.setMaximumWidth(90)
            named(hour_edit, name)
        hours.addWidget(self.start_time)
        hours.addWidget(QLabel(tr("à")))
        hours.addWidget(self.end_time)
        hours.addWidget(QLabel(tr("(facultatif ; matin et après-midi émargés à part)")), 1)
        form = QFormLayout()
        form.addRow(tr("Type de session"), self.kind)
        self.spott_hint = QLabel(tr("SPOTT : complétez aussi l'onglet « SPOTT » (chantier, validation préalable de "
                                    "l'équipe du FPETT, agences associées)."))
        self.spott_hint.setObjectName("notice")
        self.spott_hint.setWordWrap(True)
        form.addRow("", self.spott_hint)
        self._form = form
        form.addRow(tr("Intitulé"), self.title_edit)
        form.addRow(tr("Dates : du"), dates)
        form.addRow("", self.warnings)
        form.addRow(tr("Horaires : de"), hours)
        form.addRow(tr("Lieu"), self.place)
        form.addRow(tr("Commune"), self.commune)
        form.addRow(tr("Territoire"), self.territory)
        form.addRow(tr("Organisateur"), self.organiser)
        form.addRow(tr("Nom de l'organisateur"), self.organiser_name)
        form.addRow(tr("Capacité (places)"), self.capacity)
        form.addRow(tr("Chantier"), self.chantier)
        form.addRow(tr("Métiers visés"), self.trades)
        label_layout_rows(form)

        main = QWidget()
        main.setLayout(form)
        spott_tab = QWidget()
        spott_layout = QVBoxLayout(spott_tab)
        spott_layout.addWidget(self.spott_group)
        spott_layout.addStretch(1)
        funding_tab = QWidget()
        QVBoxLayout(funding_tab).addWidget(self.funding)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sessionTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(main, tr("Session"))
        self.TAB_SPOTT = self.tabs.addTab(spott_tab, tr("SPOTT"))
        self.TAB_FUNDING = self.tabs.addTab(funding_tab, tr("Financements"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(
            tr("Créer la session") if session is None else tr("Enregistrer"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_line)
        layout.addWidget(self.buttons)
        self._fill(session)
        self._kind_changed()
        if session is not None:
            worker.submit(load_funding, "session", session.id, on_done=self.funding.set_lines,
                          on_error=self.funding.error_line.show_failure)

    def _spott_group(self, env: dict[str, Any]) -> QGroupBox:
        """« SPOTT »: what the convention's indicators need of a SPOTT (article 4-3 and 5-1)."""
        tr = self.tr
        group = QGroupBox(tr("SPOTT"))
        group.setObjectName("spottGroup")
        self.spott_chantier = QComboBox()
        fill_combo(self.spott_chantier, env["chantiers"], tr("— à préciser —"))
        # One value shown in two places: the « Session » tab's chantier and the SPOTT's.
        self.spott_chantier.currentIndexChanged.connect(
            lambda _i: select_data(self.chantier, self.spott_chantier.currentData()))
        self.chantier.currentIndexChanged.connect(
            lambda _i: select_data(self.spott_chantier, self.chantier.currentData()))
        self.fpett_date = QLineEdit()
        self.fpett_date.setPlaceholderText("JJ/MM/AAAA")
        self.fpett_date.setMaximumWidth(140)
        for signal in (self.fpett_date.textEdited, self.spott_chantier.currentIndexChanged):
            signal.connect(lambda *_: self.error_line.show_error(""))  # a refusal fixed: no stale message
        self.opco = QComboBox()
        self.opco.addItem("AKTO", "akto")
        territories = dict(env["territories"])
        agencies = env.get("agencies") or []
        self.spott_agencies = CheckList(
            (a["id"], a["name"] + (f" — {territories.get(a['territory'], a['territory'])}" if a.get("territory")
                                   else "")) for a in agencies)
        self.spott_agencies.setObjectName("spottAgencies")
        self.spott_agencies.setMinimumHeight(170)
        hint = QLabel(tr("Le SPOTT est une formation inter-agences : ces informations servent aux indicateurs de "
                         "la convention (article 5-1).") if agencies else
                      tr("L'annuaire des agences est vide : recevez le référentiel du bureau central."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form = QFormLayout(group)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: long names, full width
        form.addRow(hint)
        form.addRow(tr("Chantier"), self.spott_chantier)
        form.addRow(tr("Validation préalable de l'équipe du FPETT"), self.fpett_date)
        form.addRow(tr("OPCO qui déploie"), self.opco)
        form.addRow(tr("Agences associées"), self.spott_agencies)
        label_layout_rows(form)
        return group

    def is_spott(self) -> bool:
        return self.kind.currentData() == SessionKind.SPOTT.value

    def _kind_changed(self) -> None:
        spott = self.is_spott()
        self.tabs.setTabVisible(self.TAB_SPOTT, spott)
        self._form.setRowVisible(self.spott_hint, spott)
        self.spott_group.setEnabled(spott)

    def spott_values(self) -> dict[str, Any] | None:
        """The SPOTT details to write (None for another kind of session)."""
        if not self.is_spott():
            return None
        return {"fpett_validated_on": self.fpett_date.text(), "opco": self.opco.currentData(),
                "agencies": self.spott_agencies.checked()}

    # --- values -------------------------------------------------------------------------------

    def _fill(self, s: SessionDetail | None) -> None:
        today = self._env["today"]()
        if s is None:
            self.start.setDate(_qdate(today))
            self.end.setDate(_qdate(today))
            self._suggest_title()
            self._dates_changed()
            return
        select_data(self.kind, s.kind)
        self.title_edit.setText(s.title)
        self.start.setDate(_qdate(s.start_date))
        self.end.setDate(_qdate(s.end_date))
        self.place.setText(s.place or "")
        commune = next((c for c in self._env["communes"] if c["insee"] == s.commune_insee), None)
        self.commune.setText(commune_label(commune) if commune else "")
        select_data(self.territory, s.territory)
        select_data(self.organiser, s.organiser)
        self.organiser_name.setText(s.organiser_name or "")
        self.capacity.setValue(s.capacity)
        self.start_time.setText(s.start_time or "")
        self.end_time.setText(s.end_time or "")
        select_data(self.chantier, s.chantier)
        self.trades.check(set(s.trades or []), only=True)
        self.fpett_date.setText(fr_date(s.fpett_validated_on))
        select_data(self.opco, s.opco or "akto")
        self.spott_agencies.check(set(s.agencies or []), only=True)
        self._dates_changed()

    def chosen_trades(self) -> list[str]:
        return self.trades.checked()

    def set_trades(self, codes: list[str]) -> None:
        self.trades.check(codes)

    def _commune_value(self) -> str:
        text = self.commune.text().strip()
        found = self._communes.get(text)
        return found["insee"] if found else text

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.currentData(), "title": self.title_edit.text(),
            "start_date": _pydate(self.start.date()), "end_date": _pydate(self.end.date()),
            "place": self.place.text(), "commune": self._commune_value(), "territory": self.territory.currentData(),
            "organiser": self.organiser.currentData(), "organiser_name": self.organiser_name.text(),
            "capacity": self.capacity.value(), "chantier": self.chantier.currentData(),
            "trades": self.chosen_trades(), "start_time": self.start_time.text(), "end_time": self.end_time.text(),
        }

    # --- live help ------------------------------------------------------------------------------

    def _title_edited(self, _text: str) -> None:
        self._title_auto = not self.title_edit.text().strip()

    def _suggest_title(self) -> None:
        if not self._title_auto:
            return
        kind = SessionKind(self.kind.currentData()).label
        commune = self._communes.get(self.commune.text().strip())
        self.title_edit.setText(f"{kind} — {commune['name']}" if commune else kind)

    def _commune_changed(self) -> None:
        found = self._communes.get(self.commune.text().strip())
        if found:
            select_data(self.territory, found["territory"])
        self._suggest_title()

    def _dates_changed(self) -> None:
        start, end = _pydate(self.start.date()), _pydate(self.end.date())
        if self.sender() is self.start and end < start:
            self.end.setDate(self.start.date())
            return
        warnings = rules.schedule_warnings(start, end) if start <= end else []
        self.warnings.setText("\n".join("⚠ " + w["message"] for w in warnings))
        self.warnings.setVisible(bool(warnings))

    def warning_messages(self) -> list[str]:
        return [line[2:] for line in self.warnings.text().splitlines() if line]

    # --- saving ---------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.error_line.show_error("")
        self.buttons.setEnabled(False)
        data = self.values()
        spott, funding = self.spott_values(), self.funding.changes()
        if self._session is None:
            self._worker.submit(ops.save_session, None, data, spott=spott, funding=funding,
                                on_done=self._done, on_error=self._failed)
        else:
            if data["territory"] is None:
                del data["territory"]  # keep the current one (or the commune's)
            self._worker.submit(ops.save_session, self._session.id, data, self._session.version,
                                spott=spott, funding=funding, on_done=self._done, on_error=self._failed)

    def _done(self, result: ops.SessionSaved) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        self.error_line.show_failure(exc)
        field = getattr(exc, "field", None)
        if field in ("fpett_validated_on", "opco", "agencies") or (field == "chantier" and self.is_spott()):
            self.tabs.setCurrentIndex(self.TAB_SPOTT)
        elif field in ("amount", "granted_on", "funder", "line", "target_id"):
            self.tabs.setCurrentIndex(self.TAB_FUNDING)
        else:
            self.tabs.setCurrentIndex(0)
