"""How errors reach the conseiller in the beneficiary screens: the application's messages
(``ui.errors``) and the validation errors by field."""

from __future__ import annotations

from conseiller_app.domain.errors import ValidationError, ValidationErrors
from conseiller_app.ui.errors import generic_message, user_message
from conseiller_app.ui.widgets.feedback import sentence

__all__ = ["field_errors", "generic_message", "sentence", "user_message"]


def field_errors(exc: BaseException) -> dict[str, str] | None:
    """Field → French message for a validation error, else None."""
    if isinstance(exc, ValidationErrors):
        return exc.by_field()
    if isinstance(exc, ValidationError):
        return {exc.field: exc.message}
    return None
