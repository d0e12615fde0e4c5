"""Create a referral from the Orientations page: the person (search by name), the agency (the
directory filtered by territory and trade), the scheme, the target trades, a barriers summary.
Without the person's recorded consent for that agency the referral is refused: the dialog says
why in plain words and offers to record the consent right here, then tries again."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from conseiller_app.domain.enums import ReferralScheme
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.referral import ConsentRequired
from conseiller_app.storage.services.referrals import AgencyRow, ReferralCreated
from conseiller_app.storage.services.search import FileRow
from conseiller_app.ui.errors import user_message
from conseiller_app.ui.referrals import operations as ops
from conseiller_app.ui.referrals.consent_dialog import ConsentDialog, ask_consent_after_refusal
from conseiller_app.ui.widgets.accessibility import label_layout_rows, named, table  # noqa: F401
from conseiller_app.ui.widgets.choices import CheckList, fill_combo, select_data
from conseiller_app.ui.widgets.feedback import Banner
from conseiller_app.ui.widgets.formatting import display_name
from conseiller_app.ui.widgets.person_picker import PersonPicker

SUMMARY_MAX = 1000


class ReferralDialog(QDialog):
    """Emits ``created(result)`` (``id``, ``reference``, ``status``, ``pathway_note``). When the
    agency has no consent from the person yet, :meth:`ask_consent` opens :class:`ConsentDialog`
    and the referral is created again once the consent is recorded."""

    created = Signal(object)  # ReferralCreated

    def __init__(self, worker, env: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._env = env
        self._busy = False
        self.person: FileRow | None = None
        self.last_refusal: ConsentRequired | None = None
        tr = self.tr
        self.setWindowTitle(tr("Nouvelle orientation vers une agence d'emploi"))
        self.setMinimumSize(760, 720)

        self.picker = PersonPicker(worker)
        self.picker.selection_changed.connect(self._person_changed)
        self.person_label = QLabel(tr("Aucune personne choisie."))
        self.person_label.setObjectName("hint")

        self.territory = QComboBox()
        fill_combo(self.territory, env["territories"], tr("Tous les territoires"))
        self.trade_filter = QComboBox()
        fill_combo(self.trade_filter, [(t["code"], t["name"]) for t in env["trades"]], tr("Tous les métiers"))
        named(self.territory, tr("Territoire de l'agence"))
        named(self.trade_filter, tr("Métier de l'agence"))
        self.agency = QComboBox()
        self.agency.setMinimumWidth(320)
        self.agency_note = QLabel()
        self.agency_note.setObjectName("hint")
        self.agency_note.setWordWrap(True)
        for combo in (self.territory, self.trade_filter):
            combo.currentIndexChanged.connect(self._filter_agencies)
        self.trade_filter.currentIndexChanged.connect(self._check_filter_trade)
        self.agency.currentIndexChanged.connect(self._agency_changed)
        self.scheme = QComboBox()
        fill_combo(self.scheme, ReferralScheme.choices())
        self.trades = CheckList((t["code"], f"{t['name']} ({t['rome']})") for t in env["trades"])
        self.trades.setObjectName("referralTrades")
        self.trades.setMinimumHeight(110)
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText(tr("Ce que l'agence doit savoir des freins et de leur levée (faits uniquement, "
                                           "jamais d'information de santé)."))
        self.summary.setMaximumHeight(90)
        self.send = QCheckBox(tr("L'orientation est envoyée à l'agence aujourd'hui"))
        self.banner = Banner()
        self.consent_button = self.banner.add_button(tr("Enregistrer son consentement…"), self.ask_consent)
        self.consent_button.hide()
        self.consent_dialog: ConsentDialog | None = None

        filters = QHBoxLayout()
        filters.addWidget(self.territory)
        filters.addWidget(self.trade_filter)
        filters.addStretch(1)
        form = QFormLayout()
        form.addRow(tr("Personne"), self.picker)
        form.addRow("", self.person_label)
        form.addRow(tr("Annuaire"), filters)
        form.addRow(tr("Agence"), self.agency)
        form.addRow("", self.agency_note)
        form.addRow(tr("Dispositif"), self.scheme)
        form.addRow(tr("Métiers visés"), self.trades)
        form.addRow(tr("Synthèse des freins"), self.summary)
        form.addRow("", self.send)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(tr("Créer l'orientation"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)
        self._filter_agencies()
        self._update_button()

    # --- choices --------------------------------------------------------------------------------

    def _person_changed(self) -> None:
        row = self.picker.selected()
        if row is not None:
            self.person = row
            self.person_label.setText(self.tr("Choisie : {name}").format(
                name=display_name(row.last_name, row.first_name)))
            if row.territory:
                select_data(self.territory, row.territory)
        self.banner.clear()
        self._update_button()

    def _filter_agencies(self) -> None:
        territory, trade = self.territory.currentData(), self.trade_filter.currentData()
        found = [a for a in self._env["agencies"]
                 if (not territory or a.territory == territory) and (not trade or trade in a.trades)]
        fill_combo(self.agency, [(a.id, a.name + (f" — {a.network}" if a.network else ""))
                                 for a in found])
        self.agency_note.setText(self.tr("Aucune agence de l'annuaire ne correspond : élargissez le territoire ou "
                                         "le métier.") if not found else "")
        self._agency_changed()

    def _check_filter_trade(self) -> None:
        code = self.trade_filter.currentData()
        if code:
            self.set_trades([code])

    def _agency_changed(self) -> None:
        agency = self.selected_agency()
        if agency is not None and not self.agency_note.text():
            note = agency.address or ""
            if agency.illustrative:
                note = (note + " — " if note else "") + self.tr("agence fictive (annuaire d'exemple)")
            self.agency_note.setText(note)
        self.banner.clear()
        self._update_button()

    def selected_agency(self) -> AgencyRow | None:
        wanted = self.agency.currentData()
        return next((a for a in self._env["agencies"] if a.id == wanted), None)

    def choose_agency(self, agency_id: str) -> bool:
        return select_data(self.agency, agency_id)

    def set_trades(self, codes: list[str]) -> None:
        self.trades.check(codes)

    def chosen_trades(self) -> list[str]:
        return self.trades.checked()

    def _update_button(self) -> None:
        self.create_button.setEnabled(
            not self._busy and self.person is not None and self.agency.currentData() is not None
        )

    # --- creating -------------------------------------------------------------------------------

    def submit(self) -> None:
        self.consent_button.hide()
        if self._busy or self.person is None or self.agency.currentData() is None:
            return
        summary = self.summary.toPlainText()
        if len(summary) > SUMMARY_MAX:
            self.banner.show_message(self.tr("La synthèse des freins dépasse {n} caractères : raccourcissez-la.")
                                     .format(n=SUMMARY_MAX), "error")
            return
        self._busy = True
        self._update_button()
        self.banner.clear()
        self._worker.submit(ops.create, self.person.id, self.agency.currentData(), self.scheme.currentData(),
                            self.chosen_trades(), summary, self.send.isChecked(),
                            on_done=self._done, on_error=self._failed)

    def _done(self, result: ReferralCreated) -> None:
        self._busy = False
        self.created.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_button()
        if isinstance(exc, ConsentRequired):
            self.last_refusal = exc
            name = display_name(self.person.last_name, self.person.first_name) if self.person else ""
            self.banner.show_message(self.tr(
                "Orientation impossible pour l'instant : {name} n'a pas donné son consentement (enregistré) au "
                "partage de ses données avec « {agency} ». C'est obligatoire avant toute orientation. Si la personne "
                "est d'accord, enregistrez son consentement ici : l'orientation sera créée juste après.").format(
                    name=name, agency=exc.partner_name), "warning")
            self.consent_button.show()
            return
        self.consent_button.hide()
        if isinstance(exc, ValidationError):
            self.banner.show_message(f"{exc.label} : {exc.message}", "error")
        else:
            self.banner.show_message(user_message(exc), "error")

    def ask_consent(self) -> ConsentDialog | None:
        exc = self.last_refusal
        if exc is None or self.person is None:
            return None
        return ask_consent_after_refusal(self, self._worker, exc, self.person.id,
                                         display_name(self.person.last_name, self.person.first_name),
                                         self.today())

    def _consent_recorded(self, _consent_id: str) -> None:
        self.last_refusal = None
        self.consent_button.hide()
        self.banner.show_message(self.tr("Consentement enregistré. Création de l'orientation…"), "success")
        self.submit()

    def today(self) -> date:
        return self._env["today"]()
