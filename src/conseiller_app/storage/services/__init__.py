"""Units of work on the vault, one transaction per user action, each writing the audit and
change journals. No Qt; return plain dicts and lists (no ORM object leaves a service)."""

from conseiller_app.storage.services.context import Context

__all__ = ["Context"]
