"""The Bénéficiaires page: lazy list of beneficiary files with search and filters, and the file
editor (one tab per open file)."""

from conseiller_app.ui.beneficiaries.page import BeneficiariesPage

__all__ = ["BeneficiariesPage"]
