"""Errors the user can act on, each with a French message and the CLI exit code it maps to.

Anything that is not an ``AppError`` is a bug: the caller logs it without personal data and
shows a generic message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conseiller_app.domain.beneficiary import Duplicate


class AppError(Exception):
    """A known, user-actionable error. ``message`` is French and free of personal data."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class UsageError(AppError):
    exit_code = 2


class WrongPassphrase(AppError):
    exit_code = 3

    def __init__(self, message: str = "Phrase de passe incorrecte : le coffre n'a pas été ouvert.") -> None:
        super().__init__(message)


class ValidationError(AppError):
    """One invalid field. ``field`` is the attribute name, ``message`` says in French what is wrong."""

    exit_code = 4

    def __init__(self, field: str, message: str, label: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.label = label or field

    def __str__(self) -> str:
        return f"{self.label} : {self.message}"


class ValidationErrors(ValidationError):
    """Several invalid fields at once (a form submitted whole)."""

    def __init__(self, errors: list[ValidationError]) -> None:
        assert errors
        first = errors[0]
        super().__init__(first.field, first.message, first.label)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


class PassphraseTooWeak(ValidationError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("passphrase", " ".join(reasons), "Phrase de passe")
        self.reasons = reasons


class DuplicateFile(AppError):
    """A file is about to be created for someone who already has one (same name and birth
    date, or same CAF number). ``matches``: the existing files (id, names, birth date, commune)."""

    exit_code = 4

    def __init__(self, matches: list[Duplicate]) -> None:
        super().__init__("Un dossier semblable existe déjà : vérifiez qu'il ne s'agit pas de la même personne.")
        self.matches = matches


class IntegrityProblem(AppError):
    exit_code = 5


class VaultNotFound(AppError):
    exit_code = 2


class VaultExists(AppError):
    exit_code = 2


class NotFound(AppError):
    exit_code = 4


class StorageFull(AppError):
    exit_code = 9  # 6 is « siège injoignable » (sync push/pull)

    def __init__(self) -> None:
        super().__init__(
            "Le disque est plein : l'opération a été annulée et rien n'a été modifié. "
            "Libérez de la place puis réessayez."
        )


class ReadOnlyStorage(AppError):
    """The data folder (or the vault file) cannot be written: read-only medium, permissions."""

    exit_code = 8

    def __init__(self, message: str = (
            "Le dossier des données est en lecture seule (support protégé en écriture ou droits insuffisants) : "
            "le coffre n'a pas été ouvert et rien n'a été modifié.")) -> None:
        super().__init__(message)


class VaultBusy(AppError):
    """Another process holds the vault (the application, or another command)."""

    exit_code = 7
