"""The Ateliers page: sessions list and calendar, session editing, registrations and waiting
list, attendance mode, attendance sheets."""

from conseiller_app.ui.sessions.page import AteliersPage

__all__ = ["AteliersPage"]
