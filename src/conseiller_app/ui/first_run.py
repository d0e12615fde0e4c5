"""First-run assistant: shown when the data folder holds no vault yet. Asks for the passphrase
(twice, with a strength meter and the policy's reasons when refused), the conseiller's name,
territory and office, and offers to fill the new vault with synthetic demo files."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from conseiller_app import APP_NAME
from conseiller_app.domain.errors import PassphraseTooWeak, ValidationError
from conseiller_app.domain.validation import check_passphrase, clean_name
from conseiller_app.ui.errors import show_error
from conseiller_app.ui.pages.base import fill_with_scroll
from conseiller_app.ui.session import State, VaultSession
from conseiller_app.ui.widgets.passphrase import PassphraseField, StrengthMeter

DEMO_FILES = 500


def shipped_territories() -> list[tuple[str, str]]:
    """(code, name) of the territories, read from the shipped reference data (no vault needed)."""
    from conseiller_app.domain.reference import load_reference
    from conseiller_app.resources import reference_dir

    return sorted(load_reference(reference_dir()).territories.items(), key=lambda kv: kv[1])


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class FirstRunAssistant(QWidget):
    def __init__(self, session: VaultSession, parent: QWidget | None = None,
                 territories: list[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("firstRun")

        title = QLabel(self.tr("Bienvenue dans {app}").format(app=APP_NAME))
        title.setObjectName("screenTitle")
        intro = QLabel(self.tr(
            "Les dossiers des personnes que vous accompagnez seront enregistrés dans un coffre chiffré, "
            "sur cet ordinateur uniquement. Trois étapes pour le créer."))
        intro.setWordWrap(True)
        intro.setObjectName("screenIntro")

        # 1. Passphrase
        self.passphrase = PassphraseField(self.tr("Plusieurs mots sans rapport entre eux"),
                                          name=self.tr("Phrase de passe"))
        self.confirm = PassphraseField(self.tr("La même phrase, une seconde fois"),
                                       name=self.tr("Confirmation de la phrase de passe"))
        self.meter = StrengthMeter()
        self.passphrase_error = error_label()
        self.confirm_error = error_label()
        hint = QLabel(self.tr(
            "Elle vous sera demandée à chaque ouverture et après chaque verrouillage. Au moins 12 caractères ; "
            "une suite de mots est plus sûre et plus facile à retenir qu'un mot compliqué. "
            "<b>Personne ne pourra la retrouver si vous l'oubliez.</b>"))
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        pass_box = QGroupBox(self.tr("1. Votre phrase de passe"))
        pass_layout = QVBoxLayout(pass_box)
        pass_layout.addWidget(hint)
        pass_form = QFormLayout()
        pass_layout.addLayout(pass_form)
        pass_form.addRow(self.tr("Phrase de passe"), self.passphrase)
        pass_form.addRow("", self.meter)
        pass_form.addRow("", self.passphrase_error)
        pass_form.addRow(self.tr("Confirmation"), self.confirm)
        pass_form.addRow("", self.confirm_error)

        # 2. Who
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("Prénom et nom"))
        self.territory = QComboBox()
        self.territory.addItem(self.tr("Choisissez votre territoire…"), "")
        for code, label in (territories if territories is not None else shipped_territories()):
            self.territory.addItem(label, code)
        self.office = QLineEdit()
        self.office.setPlaceholderText(self.tr("ex. MDS Arras, Maison du Département Solidarité"))
        self.name_error, self.territory_error, self.office_error = error_label(), error_label(), error_label()
        who_box = QGroupBox(self.tr("2. Vous"))
        who_form = QFormLayout(who_box)
        who_form.addRow(self.tr("Votre nom"), self.name)
        who_form.addRow("", self.name_error)
        who_form.addRow(self.tr("Territoire"), self.territory)
        who_form.addRow("", self.territory_error)
        who_form.addRow(self.tr("Bureau (facultatif)"), self.office)
        who_form.addRow("", self.office_error)

        # 3. Demo
        self.demo = QCheckBox(
            self.tr("Remplir ce coffre avec {n} dossiers fictifs de démonstration").format(n=DEMO_FILES)
        )
        demo_hint = QLabel(self.tr(
            "Pour découvrir l'application sans rien saisir : des personnes inventées, à tous les stades du parcours. "
            "Ne cochez pas cette case pour votre coffre de travail."))
        demo_hint.setWordWrap(True)
        demo_hint.setObjectName("hint")
        demo_box = QGroupBox(self.tr("3. Pour essayer (facultatif)"))
        demo_layout = QVBoxLayout(demo_box)
        demo_layout.addWidget(self.demo)
        demo_layout.addWidget(demo_hint)

        self.create_button = QPushButton(self.tr("Créer mon coffre"))
        self.create_button.setObjectName("primary")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.submit)
        # Enter in any field creates the vault (a default button only works inside a dialog).
        for field in (self.passphrase, self.confirm, self.name, self.office):
            field.returnPressed.connect(self.submit)

        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(640)
        card_layout = QVBoxLayout(card)
        card_layout.setSpacing(14)
        for w in (title, intro, pass_box, who_box, demo_box):
            card_layout.addWidget(w)
        card_layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)

        holder = QWidget()
        centred = QHBoxLayout()  # stretches rather than an alignment: wrapped labels keep their height
        centred.addStretch(1)
        centred.addWidget(card, 100)
        centred.addStretch(1)
        holder_layout = QVBoxLayout(holder)
        holder_layout.addLayout(centred)
        holder_layout.addStretch(1)
        fill_with_scroll(self, holder)

        self.passphrase.textChanged.connect(self._passphrase_edited)
        self.confirm.textChanged.connect(lambda _t: set_error(self.confirm_error, ""))
        self.name.textChanged.connect(lambda _t: set_error(self.name_error, ""))
        self.territory.currentIndexChanged.connect(lambda _i: set_error(self.territory_error, ""))
        session.create_failed.connect(self._create_failed)
        session.state_changed.connect(self._state_changed)
        self.setFocusProxy(self.passphrase)

    # --- editing -----------------------------------------------------------------------------

    def _passphrase_edited(self, text: str) -> None:
        self.meter.set_passphrase(text)
        set_error(self.passphrase_error, "")

    def _state_changed(self, state: State) -> None:
        busy = state is State.BUSY
        self.setEnabled(not busy)

    # --- submission ----------------------------------------------------------------------------

    def validate(self) -> dict | None:
        """Check the form on the GUI thread (cheap checks); show every problem at once."""
        ok = True
        name_text = self.name.text()
        try:
            name = clean_name("name", self.tr("Votre nom"), name_text)
            set_error(self.name_error, "")
        except ValidationError as exc:
            set_error(self.name_error, _capitalise(exc.message))
            name, ok = "", False
        passphrase = self.passphrase.text()
        try:
            check_passphrase(passphrase, [name_text, self.office.text()])
            set_error(self.passphrase_error, "")
        except PassphraseTooWeak as exc:
            set_error(self.passphrase_error, self.tr("Cette phrase de passe est refusée :") + "\n• "
                      + "\n• ".join(exc.reasons))
            ok = False
        if self.confirm.text() != passphrase:
            set_error(self.confirm_error, self.tr("Les deux saisies ne sont pas identiques."))
            ok = False
        else:
            set_error(self.confirm_error, "")
        territory = self.territory.currentData()
        if not territory:
            set_error(self.territory_error, self.tr("Choisissez votre territoire dans la liste."))
            ok = False
        if not ok:
            return None
        return {"passphrase": passphrase, "name": name, "territory": territory, "office": self.office.text().strip(),
                "demo_files": DEMO_FILES if self.demo.isChecked() else 0}

    def submit(self) -> None:
        data = self.validate()
        if data is None:
            return
        self.session.create(data["passphrase"], data["name"], data["territory"], data["office"], data["demo_files"],
                            parent=self.window())

    def _create_failed(self, exc: BaseException) -> None:
        fields = {"passphrase": self.passphrase_error, "name": self.name_error,
                  "territory": self.territory_error, "office": self.office_error}
        errors = getattr(exc, "errors", None) or ([exc] if isinstance(exc, ValidationError) else [])
        shown = False
        for err in errors:
            label = fields.get(err.field)
            if label is not None:
                set_error(label, _capitalise(err.message))
                shown = True
        if not shown:
            show_error(self.window(), exc, self.tr("Le coffre n'a pas été créé"))

    def clear_secrets(self) -> None:
        self.passphrase.clear()
        self.confirm.clear()
        self.meter.set_passphrase("")
        self.meter.update_now()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
