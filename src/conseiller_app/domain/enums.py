"""The domain's vocabularies (see shared domain.md): stored values in English-ish codes,
French labels for everything a user reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A StrEnum whose members carry a French label (``LABELS`` on the class)."""

    @property
    def label(self) -> str:
        label: str = type(self)._label_map[self]  # type: ignore[attr-defined]
        return label

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def parse(cls, value: object) -> Self:
        """Accept a stored value or a French label (case-insensitive)."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        for m in cls:
            if m.value == text or m.label.lower() == text:
                return m
        raise ValueError(value)


def _labels(enum_cls: type[Labelled], mapping: dict[str, str]) -> None:
    missing = {m.value for m in enum_cls} - set(mapping)
    assert not missing, f"{enum_cls.__name__} lacks labels for {missing}"
    enum_cls._label_map = {enum_cls(k): v for k, v in mapping.items()}  # type: ignore[attr-defined]


class Public(Labelled):
    """Who the person is for the convention. ``jeune`` requires an age under 26."""

    RSA = "rsa"
    JEUNE = "jeune"
    IAE = "iae"
    AUTRE = "autre"


_labels(Public, {
    "rsa": "Allocataire du RSA",
    "jeune": "Jeune de moins de 26 ans",
    "iae": "Suite de parcours IAE",
    "autre": "Autre demandeur d'emploi",
})


class Prescriber(Labelled):
    MDS = "mds"
    FRANCE_TRAVAIL = "france_travail"
    PLIE = "plie"
    MISSION_LOCALE = "mission_locale"
    SIAE = "siae"
    SPONTANEOUS = "spontane"
    OTHER = "autre"
    UNKNOWN = "non_precise"  # not known (yet): not the same as « Autre prescripteur »


_labels(Prescriber, {
    "non_precise": "Non précisé",
    "mds": "MDS / référent RSA",
    "france_travail": "France Travail",
    "plie": "PLIE (facilitateur)",
    "mission_locale": "Mission locale",
    "siae": "Structure d'insertion (SIAE)",
    "spontane": "Candidature spontanée",
    "autre": "Autre prescripteur",
})


class Stage(Labelled):
    """The pathway's stages, in their usual order."""

    SPOTTING = "reperage"
    AWARENESS = "atelier"
    TASTER = "decouverte"
    PREP_COURSE = "sas"
    AGENCY = "positionnement"
    AGENCY_PREP = "action_preparatoire"
    TRAINING = "formation"
    JOB = "emploi"
    EXIT = "sortie"
    FOLLOW_UP = "suivi"

    @property
    def order(self) -> int:
        return list(Stage).index(self) + 1


_labels(Stage, {
    "reperage": "Repérage",
    "atelier": "Atelier de sensibilisation BTP",
    "decouverte": "Découverte métiers",
    "sas": "SAS préparatoire",
    "positionnement": "Positionnement agence d'emploi",
    "action_preparatoire": "Action préparatoire agence",
    "formation": "Formation sous statut salarié",
    "emploi": "Mission / emploi",
    "sortie": "Sortie",
    "suivi": "Suivi post-sortie",
})


class StepStatus(Labelled):
    PROPOSED = "proposee"
    PLANNED = "planifiee"
    IN_PROGRESS = "en_cours"
    DONE = "realisee"
    ABANDONED = "abandonnee"
    NOT_DONE = "non_realisee"
    REDIRECTED = "reorientee"
    SKIPPED = "passee"
    SUSPENDED = "suspendue"

    @property
    def is_active(self) -> bool:
        return self in (StepStatus.PROPOSED, StepStatus.PLANNED, StepStatus.IN_PROGRESS)

    @property
    def is_open(self) -> bool:
        """Active or suspended: the step is not over yet (a pathway holds at most one)."""
        return self.is_active or self is StepStatus.SUSPENDED

    @property
    def needs_reason(self) -> bool:
        return self in (StepStatus.ABANDONED, StepStatus.NOT_DONE, StepStatus.REDIRECTED, StepStatus.SKIPPED,
                        StepStatus.SUSPENDED)


_labels(StepStatus, {
    "proposee": "Proposée",
    "planifiee": "Planifiée (inscrit)",
    "en_cours": "En cours",
    "realisee": "Réalisée",
    "abandonnee": "Abandonnée",
    "non_realisee": "Non réalisée",
    "reorientee": "Réorientée",
    "passee": "Étape passée",
    "suspendue": "Suspendue",
})


class StepReason(Labelled):
    """Why a step ended without being done (or was skipped)."""

    ABSENT = "absent"
    REFUSAL = "refus"
    CANCELLED = "annulee"
    HEALTH = "sante"
    FAMILY = "contraintes_familiales"
    MOBILITY = "mobilite"
    PROJECT_CHANGED = "projet_modifie"
    FOUND_JOB = "emploi_trouve"
    ALREADY_EXPERIENCED = "experience_acquise"
    LOST_CONTACT = "perte_contact"
    OTHER = "autre"


_labels(StepReason, {
    "absent": "Absent·e",
    "refus": "Refus de la personne",
    "annulee": "Action annulée",
    "sante": "Raison de santé",
    "contraintes_familiales": "Contraintes familiales",
    "mobilite": "Problème de mobilité",
    "projet_modifie": "Projet professionnel modifié",
    "emploi_trouve": "Emploi trouvé",
    "experience_acquise": "Expérience déjà acquise",
    "perte_contact": "Perte de contact",
    "autre": "Autre motif",
})


class OutcomeCategory(Labelled):
    DURABLE_JOB = "emploi_durable"
    TRANSITION_JOB = "emploi_transition"
    POSITIVE = "sortie_positive"
    OTHER = "autre_sortie"
    NEUTRAL = "sortie_neutre"

    @property
    def is_dynamic(self) -> bool:
        return self in (OutcomeCategory.DURABLE_JOB, OutcomeCategory.TRANSITION_JOB, OutcomeCategory.POSITIVE)


_labels(OutcomeCategory, {
    "emploi_durable": "Emploi durable",
    "emploi_transition": "Emploi de transition",
    "sortie_positive": "Sortie positive",
    "autre_sortie": "Autre sortie",
    "sortie_neutre": "Sortie neutre",
})


class BarrierType(Labelled):
    MOBILITY = "mobilite"
    HOUSING = "logement"
    CHILDCARE = "garde_enfants"
    HEALTH = "sante"
    BUDGET = "budget"
    ADMIN = "administratif"
    FRENCH = "francais"
    DIGITAL = "numerique"
    JUSTICE = "justice"
    BASIC_SKILLS = "savoirs_base"


_labels(BarrierType, {
    "mobilite": "Mobilité",
    "logement": "Logement",
    "garde_enfants": "Garde d'enfants / contraintes familiales",
    "sante": "Santé",
    "budget": "Budget / difficultés financières",
    "administratif": "Difficultés administratives",
    "francais": "Maîtrise du français",
    "numerique": "Numérique",
    "justice": "Justice",
    "savoirs_base": "Savoirs de base / qualification",
})


class MobilitySubtype(Labelled):
    NO_LICENCE = "pas_de_permis"
    NO_VEHICLE = "permis_sans_vehicule"
    NO_TRANSPORT = "pas_de_transport"


_labels(MobilitySubtype, {
    "pas_de_permis": "Pas de permis",
    "permis_sans_vehicule": "Permis sans véhicule",
    "pas_de_transport": "Pas de transport en commun",
})


class BarrierStatus(Labelled):
    IDENTIFIED = "identifie"
    IN_PROGRESS = "en_cours"
    LIFTED = "leve"
    NOT_LIFTED = "non_leve"

    @property
    def is_open(self) -> bool:
        return self in (BarrierStatus.IDENTIFIED, BarrierStatus.IN_PROGRESS)


_labels(BarrierStatus, {
    "identifie": "Identifié",
    "en_cours": "En cours de levée",
    "leve": "Levé",
    "non_leve": "Non levé",
})


class PartnerKind(Labelled):
    AGENCY = "agence"
    FASTT = "fastt"
    TRAINING_BODY = "organisme_formation"
    FRANCE_TRAVAIL = "france_travail"
    OTHER = "autre"


_labels(PartnerKind, {
    "agence": "Agence d'emploi",
    "fastt": "FASTT",
    "organisme_formation": "Organisme de formation",
    "france_travail": "France Travail",
    "autre": "Autre partenaire",
})


class ConsentScope(Labelled):
    """What may be shared with a partner."""

    IDENTITY = "identite"
    CONTACT = "contact"
    PATHWAY = "parcours"
    BARRIERS = "freins"


_labels(ConsentScope, {
    "identite": "Identité",
    "contact": "Coordonnées",
    "parcours": "Parcours",
    "freins": "Freins périphériques (synthèse)",
})


class SessionKind(Labelled):
    AWARENESS = "sensibilisation"
    TASTER = "decouverte"
    PREP_COURSE = "sas"
    SPOTT = "spott"
    INFO = "information_collective"


_labels(SessionKind, {
    "sensibilisation": "Atelier de sensibilisation BTP",
    "decouverte": "Découverte métiers",
    "sas": "SAS préparatoire",
    "spott": "SPOTT",
    "information_collective": "Information collective",
})


class Organiser(Labelled):
    DEPARTEMENT = "departement"
    TRAINING_BODY = "organisme_formation"
    AGENCY = "agence"


_labels(Organiser, {
    "departement": "Département",
    "organisme_formation": "Organisme de formation",
    "agence": "Agence d'emploi",
})


class RegistrationStatus(Labelled):
    REGISTERED = "inscrit"
    WAITING = "liste_attente"
    WITHDRAWN = "desinscrit"


_labels(RegistrationStatus, {
    "inscrit": "Inscrit·e",
    "liste_attente": "Liste d'attente",
    "desinscrit": "Désinscrit·e",
})


class Attendance(Labelled):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excuse"


_labels(Attendance, {"present": "Présent·e", "absent": "Absent·e", "excuse": "Excusé·e"})


class ReferralScheme(Labelled):
    MISSION = "mission"
    CIPI = "cipi"
    CDPI = "cdpi"
    TREMPLIN_RSA = "tremplin_rsa"
    SPOTT = "spott"
    OTHER = "autre"


_labels(ReferralScheme, {
    "mission": "Mission d'intérim",
    "cipi": "CIPI",
    "cdpi": "CDPI",
    "tremplin_rsa": "Tremplin RSA",
    "spott": "SPOTT",
    "autre": "Autre",
})


class ReferralStatus(Labelled):
    DRAFT = "brouillon"
    SENT = "envoyee"
    RECEIVED = "recue"
    INTERVIEW = "entretien_planifie"
    POSITIONED = "positionne"
    IN_TRAINING = "en_formation"
    IN_MISSION = "en_mission"
    CLOSED = "cloturee"
    REFUSED = "refusee"
    NO_FOLLOW_UP = "sans_suite"

    @property
    def is_final(self) -> bool:
        return self in (ReferralStatus.CLOSED, ReferralStatus.REFUSED, ReferralStatus.NO_FOLLOW_UP)


_labels(ReferralStatus, {
    "brouillon": "Brouillon",
    "envoyee": "Envoyée",
    "recue": "Reçue",
    "entretien_planifie": "Entretien planifié",
    "positionne": "Positionné·e",
    "en_formation": "En formation",
    "en_mission": "En mission",
    "cloturee": "Clôturée",
    "refusee": "Refusée",
    "sans_suite": "Sans suite",
})


class RefusalReason(Labelled):
    NOT_MOBILE = "non_mobile"
    BARRIER = "frein_incompatible"
    NO_OFFER = "pas_offre"
    DECLINED = "refus_personne"
    PROFILE = "profil_inadapte"
    OTHER = "autre"


_labels(RefusalReason, {
    "non_mobile": "Personne non mobile",
    "frein_incompatible": "Frein incompatible avec le poste",
    "pas_offre": "Pas d'offre correspondante",
    "refus_personne": "La personne a décliné",
    "profil_inadapte": "Profil inadapté",
    "autre": "Autre motif",
})


class Funder(Labelled):
    DEPARTEMENT = "departement"
    FPETT = "fpett"
    AKTO = "akto"
    FASTT = "fastt"
    STATE = "etat"
    OTHER = "autre"


_labels(Funder, {
    "departement": "Département",
    "fpett": "FPETT",
    "akto": "AKTO",
    "fastt": "FASTT",
    "etat": "État / France Travail",
    "autre": "Autre financeur",
})


class Nationality(Labelled):
    """Only these three categories are ever recorded (CNIL)."""

    FRENCH = "francais"
    EU = "ue"
    NON_EU = "hors_ue"


_labels(Nationality, {"francais": "Français", "ue": "Union européenne", "hors_ue": "Hors Union européenne"})


class FileStatus(Labelled):
    ACTIVE = "actif"
    ARCHIVED = "archive"


_labels(FileStatus, {"actif": "Actif", "archive": "Archivé"})


# --- facts of the convention's indicators (article 5-1) -----------------------------------------


class FundingLine(Labelled):
    """The budget line a funding line is charged to (article 5-1, indicators 6 to 8)."""

    CIPI = "cipi"
    CDPI = "cdpi"
    SPOTT = "spott"
    TREMPLIN_RSA = "tremplin_rsa"
    AKTIV = "aktiv_competences"
    PREP_METIER = "preparatoire_metier"
    COUP_DE_POUCE = "coup_de_pouce"
    OTHER = "autre"


_labels(FundingLine, {
    "cipi": "CIPI",
    "cdpi": "CDPI",
    "spott": "SPOTT",
    "tremplin_rsa": "Tremplin RSA",
    "aktiv_competences": "AKTIV compétences",
    "preparatoire_metier": "Préparatoire métier",
    "coup_de_pouce": "Coup de pouce compétences",
    "autre": "Autre ligne",
})

#: The funders a funding line may name (the issue's list; other funders go under « autre »).
FUNDING_FUNDERS = (Funder.FPETT, Funder.AKTO, Funder.DEPARTEMENT, Funder.OTHER)


class FundingTarget(Labelled):
    """What a funding line pays for."""

    STEP = "etape"
    SESSION = "session"
    REFERRAL = "orientation"


_labels(FundingTarget, {"etape": "Étape de parcours", "session": "Session", "orientation": "Orientation"})


class PciHolder(Labelled):
    """Who held a Point Conseils Intérimaire."""

    FASTT = "fastt"
    AGENCY = "agence"


_labels(PciHolder, {"fastt": "FASTT", "agence": "Agence d'emploi"})


class PciRecommendation(Labelled):
    """A recommendation (préconisation) of a Point Conseils Intérimaire. Health is a flag only."""

    HOUSING = "logement"
    MOBILITY = "mobilite"
    CHILDCARE = "garde_enfants"
    BUDGET = "budget"
    HEALTH_PREVENTION = "sante_prevention"
    RIGHTS = "droits"
    OTHER = "autre"


_labels(PciRecommendation, {
    "logement": "Logement",
    "mobilite": "Mobilité",
    "garde_enfants": "Garde d'enfants",
    "budget": "Budget",
    "sante_prevention": "Santé-prévention",
    "droits": "Accès aux droits",
    "autre": "Autre",
})


class PreventionStatus(Labelled):
    """The FASTT parcours prévention (E-prévention) of a file."""

    STARTED = "commence"
    COMPLETED = "finalise"
    ABANDONED = "abandonne"


_labels(PreventionStatus, {"commence": "Commencé", "finalise": "Finalisé", "abandonne": "Abandonné"})
