"""The Synchronisation page: exchanges of signed, encrypted bundles with the central office."""

from conseiller_app.ui.sync_page.page import SyncPage

__all__ = ["SyncPage"]
