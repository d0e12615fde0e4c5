"""Enrollment: show the central office's fingerprint large and have the conseiller confirm that
it matches what the central office reads out on the phone before its keys are pinned."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from conseiller_app.sync.service import EnrollmentInfo
from conseiller_app.ui.sync_page.widgets import big_fingerprint


class EnrollDialog(QDialog):
    """``info`` is ``service.read_enrollment``'s answer; ``replacing`` the name of the central
    office already pinned, if any."""

    def __init__(self, info: EnrollmentInfo, replacing: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(self.tr("Inscrire ce poste auprès du siège"))
        self.setMinimumSize(660, 400)  # explicit: offscreen platforms warn without size hints

        heading = QLabel(self.tr("Vérifiez l'empreinte du siège avant d'inscrire ce poste"))
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        intro = QLabel(self.tr("Fichier d'inscription de : <b>{name}</b>").format(name=_escape(info.name)))
        intro.setWordWrap(True)
        steps = QLabel(self.tr(
            "Appelez le siège au numéro que vous connaissez (pas un numéro trouvé dans un message) et demandez "
            "qu'on vous lise l'empreinte de ses clés. Comparez-la, groupe par groupe, avec ces huit groupes :"))
        steps.setWordWrap(True)
        self.fingerprint = big_fingerprint(info.fingerprint)
        self.fingerprint.setAccessibleName(self.tr("Empreinte du siège : {fp}").format(fp=info.fingerprint))
        caution = QLabel(self.tr(
            "Si un seul caractère diffère, annulez : ce fichier ne vient pas du siège. Vos paquets seraient "
            "lisibles par quelqu'un d'autre. Prévenez le siège."))
        caution.setObjectName("hint")
        caution.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(steps)
        layout.addWidget(self.fingerprint)
        layout.addWidget(caution)
        if replacing:
            warning = QLabel(self.tr(
                "Ce poste est déjà inscrit auprès de « {name} ». En confirmant, ses clés seront remplacées par "
                "celles-ci : ne le faites qu'à la demande du siège.").format(name=replacing))
            warning.setObjectName("notice")
            warning.setWordWrap(True)
            layout.addWidget(warning)
        self.compared = QCheckBox(self.tr("J'ai comparé l'empreinte avec le siège au téléphone : elle est identique."))
        layout.addWidget(self.compared)
        layout.addStretch(1)

        buttons = QDialogButtonBox()
        self.confirm = QPushButton(self.tr("Inscrire ce poste"))
        self.confirm.setObjectName("primary")
        self.confirm.setEnabled(False)
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Annuler"))
        cancel.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.compared.toggled.connect(self.confirm.setEnabled)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
