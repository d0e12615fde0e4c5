"""Unsaved edits kept encrypted in the vault, so that a crash or a lock loses nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from conseiller_app.storage import models
from conseiller_app.storage.services.context import Context


def save(ctx: Context, key: str, data: dict[str, Any]) -> None:
    with ctx.vault.session() as s:
        row = s.get(models.Draft, key)
        if row is None:
            s.add(models.Draft(key=key, data=data))
        else:
            row.data = data


def load(ctx: Context, key: str) -> dict[str, Any] | None:
    with ctx.vault.session() as s:
        row = s.get(models.Draft, key)
        return dict(row.data) if row else None


def discard(ctx: Context, key: str) -> None:
    with ctx.vault.session() as s:
        s.execute(delete(models.Draft).where(models.Draft.key == key))


def keys(ctx: Context) -> list[str]:
    with ctx.vault.session() as s:
        return list(s.scalars(select(models.Draft.key).order_by(models.Draft.updated_at)))
