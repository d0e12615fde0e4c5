"""Errors of the synchronisation, each with a plain French message and a CLI exit code."""

from __future__ import annotations

from conseiller_app.domain.errors import AppError, IntegrityProblem, UsageError


class BundleRejected(IntegrityProblem):
    """A bundle refused as a whole: nothing of it was stored (exit code 5).

    ``reason`` is a stable code (for tests, logs and the GUI), never shown to the user.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotEnrolled(UsageError):
    def __init__(self) -> None:
        super().__init__(
            "Ce coffre n'est pas encore inscrit auprès du siège : importez d'abord le fichier "
            "d'inscription du siège (« conseiller sync enroll FICHIER »)."
        )


# Demonstration (fictitious) data and real data never meet: a demo vault works only with a
# training central office (« conseiller-central init --demo ») and a real vault only with a real one.
DEMO_BUNDLE_TO_REAL_CENTRAL = (
    "Paquet refusé : il vient d'un coffre de démonstration (données fictives) et ce siège reçoit de vrais "
    "dossiers. Envoyez-le à un siège de formation (« conseiller-central init --demo »). Rien n'a été enregistré.")
REAL_BUNDLE_TO_DEMO_CENTRAL = (
    "Paquet refusé : ce siège de formation (données fictives) n'accepte que les paquets de coffres de "
    "démonstration, et celui-ci vient d'un coffre de vrais dossiers. Envoyez-le au siège réel. "
    "Rien n'a été enregistré.")
DEMO_CENTRAL_TO_REAL = (
    "Paquet refusé : il vient d'un siège de formation (données fictives) et ce coffre contient de vrais "
    "dossiers. Rien n'a été modifié.")
REAL_CENTRAL_TO_DEMO = (
    "Paquet refusé : il vient d'un siège réel et ce coffre est un coffre de démonstration (données "
    "fictives). Rien n'a été modifié.")
DEMO_VAULT_REAL_ENROLLMENT = (
    "Ce coffre de démonstration contient des personnes fictives : il ne peut être inscrit qu'auprès d'un "
    "siège de formation, pas auprès du siège réel. Pour travailler sur de vrais dossiers, créez un nouveau "
    "coffre (sans données de démonstration).")
REAL_VAULT_DEMO_ENROLLMENT = (
    "Ce fichier d'inscription est celui d'un siège de formation (données fictives) : ce coffre contient de "
    "vrais dossiers et ne peut pas y être inscrit. Demandez le fichier d'inscription du siège réel.")


class EnrollmentRefused(UsageError):
    """The enrollment file is unreadable, or would replace other pinned keys without ``--replace``."""


class BundleTooLarge(UsageError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"Le paquet dépasserait la taille autorisée ({what}). Contactez le siège : "
            "rien n'a été écrit et aucune donnée n'est perdue."
        )


class NetworkUnreachable(AppError):
    """The central office's service could not be reached (offline, DNS, TLS, timeout): exit 6.
    Nothing was lost; the exchange is tried again later."""

    exit_code = 6


class CentralRefused(IntegrityProblem):
    """The central office answered and refused (exit 5); ``message`` is its reason, in French."""

    def __init__(self, reason: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.reason, self.status = reason, status
