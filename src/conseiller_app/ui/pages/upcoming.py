"""Pages that later issues fill (Ateliers, Orientations, Synchronisation): until then each says
plainly what it will hold, so that nobody wonders whether something is broken."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from conseiller_app.ui.pages.base import page_header


class UpcomingPage(QWidget):
    """A page announcing what it will hold. Subclasses give their texts in :meth:`content`."""

    def content(self) -> tuple[str, str, list[str], str]:
        """(title, summary, features, note)."""
        raise NotImplementedError

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, summary, features, note = self.content()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(page_header(title, summary))
        card = QFrame()
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        badge = QLabel(self.tr("Bientôt disponible"))
        badge.setObjectName("badge")
        card_layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)
        intro = QLabel(self.tr("Cette page contiendra :"))
        intro.setObjectName("sectionTitle")
        card_layout.addWidget(intro)
        items = QLabel("<ul style='margin-left:-16px'>"
                       + "".join(f"<li style='margin-bottom:6px'>{f}</li>" for f in features) + "</ul>")
        items.setWordWrap(True)
        items.setTextFormat(Qt.TextFormat.RichText)
        card_layout.addWidget(items)
        if note:
            hint = QLabel(note)
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            card_layout.addWidget(hint)
        layout.addWidget(card)
        layout.addStretch(1)


class AteliersPage(UpcomingPage):
    def content(self):
        return (
            self.tr("Ateliers"),
            self.tr("Les sessions collectives : ateliers de sensibilisation aux métiers du BTP, découvertes métiers, "
                    "SAS préparatoires, SPOTT et informations collectives."),
            [
                self.tr("le calendrier des sessions par territoire, avec les places restantes et le chantier servi "
                        "(CSNE, ERBM…) ;"),
                self.tr("l'inscription des personnes et la liste d'attente quand une session est complète ;"),
                self.tr("la feuille d'émargement à imprimer avant la session ;"),
                self.tr("le pointage rapide des présences (présent, absent, excusé), même sans réseau, et l'ajout "
                        "des personnes venues sans inscription."),
            ],
            self.tr("En attendant, les étapes « atelier », « découverte » et « SAS » de chaque personne se lisent "
                    "dans l'onglet Parcours de sa fiche."),
        )


class OrientationsPage(UpcomingPage):
    def content(self):
        return (
            self.tr("Orientations"),
            self.tr("Les orientations des personnes vers les agences d'emploi (missions, CIPI, CDPI, Tremplin RSA, "
                    "SPOTT)."),
            [
                self.tr("la liste de vos orientations et leur statut : brouillon, envoyée, reçue, entretien "
                        "planifié, positionné(e), en formation ou en mission, clôturée, refusée, sans suite ;"),
                self.tr("la fiche de liaison à imprimer, avec sa référence unique et son QR code ;"),
                self.tr("la vérification du consentement de la personne avant tout envoi ;"),
                self.tr("les alertes sur les orientations restées sans nouvelles depuis 30 jours."),
            ],
            self.tr("Les orientations sans nouvelles apparaissent déjà dans la liste « À faire » du tableau de bord."),
        )


class SyncPage(UpcomingPage):
    def content(self):
        return (
            self.tr("Synchronisation"),
            self.tr("Les échanges avec la Mission Insertion par l'Emploi, qui consolide les indicateurs de la "
                    "convention."),
            [
                self.tr("l'envoi périodique de votre travail dans un fichier chiffré et signé, par le réseau ou sur "
                        "une clé USB quand il n'y a pas de connexion ;"),
                self.tr("la réception des données de référence mises à jour (communes, agences, dispositifs) ;"),
                self.tr("l'historique des envois et des réceptions, et ce qui reste à envoyer ;"),
                self.tr("les purges de dossiers anciens (durée de conservation) à transmettre."),
            ],
            self.tr("Rien n'est envoyé pour l'instant : toutes vos données restent dans le coffre de cet ordinateur."),
        )
