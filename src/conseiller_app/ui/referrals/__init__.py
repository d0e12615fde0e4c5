"""The Orientations page: referrals to agences d'emploi, their statuses, the view of those
without news for 30 days, creating one (with the consent it needs), the referral form."""

from conseiller_app.ui.referrals.page import OrientationsPage

__all__ = ["OrientationsPage"]
