"""How errors reach the conseiller: known errors (``AppError``) say their plain French message;
anything else is a bug, logged without personal data, and shown as a generic message."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from conseiller_app.domain.errors import AppError, ValidationError, ValidationErrors
from conseiller_app.ui.widgets.feedback import sentence

__all__ = ["field_errors", "generic_message", "sentence", "user_message"]

log = logging.getLogger(__name__)


def generic_message() -> str:
    return QCoreApplication.translate(
        "BeneficiaryErrors",
        "Une erreur inattendue s'est produite. Elle a été notée dans le journal technique ; "
        "réessayez, et si elle se reproduit, signalez-la à l'assistance.",
    )


def user_message(exc: BaseException, context: str = "") -> str:
    """The French message to show for ``exc``. Bugs are logged: type name and context only."""
    if isinstance(exc, AppError):
        return exc.message
    log.error("Erreur inattendue (%s) pendant : %s", type(exc).__name__, context or "une opération")
    return generic_message()


def field_errors(exc: BaseException) -> dict[str, str] | None:
    """Field → French message for a validation error, else None."""
    if isinstance(exc, ValidationErrors):
        return exc.by_field()
    if isinstance(exc, ValidationError):
        return {exc.field: exc.message}
    return None
