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


class DemoVaultRefused(UsageError):
    def __init__(self) -> None:
        super().__init__(
            "Ce coffre de démonstration contient des données fictives : il ne peut pas être envoyé au siège."
        )


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
