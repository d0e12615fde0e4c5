"""Field validation while typing, with the very rules and French messages the services apply
when saving (``domain.beneficiary.validate``), run on the GUI thread: it is pure and fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from conseiller_app.domain import beneficiary as rules
from conseiller_app.domain.errors import ValidationErrors
from conseiller_app.ui.beneficiaries.communes import CommuneResolver


class FormValidator:
    def __init__(self, today: Callable[[], date], resolver: CommuneResolver) -> None:
        self.today = today
        self.resolver = resolver

    def check(self, data: dict[str, Any], *, partial: bool = True) -> dict[str, str]:
        """Field → French message for each invalid field of ``data`` (empty when all pass)."""
        try:
            rules.validate(data, today=self.today(), resolve_commune=self.resolver, partial=partial)
        except ValidationErrors as exc:
            return exc.by_field()
        return {}
