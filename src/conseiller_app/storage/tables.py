"""Every table of the vault in one metadata: the records (``models``) and the synchronisation's
bookkeeping (``sync_models``, which ``models`` does not import). Alembic and the schema checks
read this one."""

from __future__ import annotations

from conseiller_app.storage import models, sync_models

metadata = models.Base.metadata

__all__ = ["metadata", "models", "sync_models"]
