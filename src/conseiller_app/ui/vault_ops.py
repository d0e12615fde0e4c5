"""Operations on the vault itself (create, open, close, settings, passphrase, backup), written to
run *on the worker thread* through ``DbWorker.submit``. No Qt here.

The open/create/close operations take the worker as their first argument and are submitted with
``needs_vault=False``: they are the only place where ``worker.set_context`` is called.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from conseiller_app.domain.settings import IDLE_LOCK
from conseiller_app.storage import cipher
from conseiller_app.storage.services import settings
from conseiller_app.storage.services.context import Context
from conseiller_app.storage.vault import Vault

DEMO_SEED = 62


def open_vault(worker, data_dir: Path, passphrase: str, today: Callable[[], date] = date.today) -> dict[str, Any]:
    """Open the vault (raises ``WrongPassphrase``...) and hand its context to the worker."""
    close_vault(worker)
    vault = Vault.open(data_dir, passphrase)
    return _adopt(worker, vault, today)


def create_vault(worker, data_dir: Path, passphrase: str, name: str, territory: str, office: str,
                 demo_files: int = 0, today: Callable[[], date] = date.today,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Create a new vault, optionally filled with synthetic demo files, and open it."""
    close_vault(worker)
    vault = Vault.create(data_dir, passphrase, name, territory, office)
    try:
        if demo_files:
            from conseiller_app.storage import demo

            demo.generate(vault, demo_files, seed=DEMO_SEED, progress=progress, today=today())
        return _adopt(worker, vault, today)
    except BaseException:
        vault.close()
        raise


def _adopt(worker, vault: Vault, today: Callable[[], date]) -> dict[str, Any]:
    try:
        ctx = Context(vault, today=today)
        info = vault_info(ctx)
    except BaseException:
        vault.close()
        raise
    worker.set_context(ctx)
    return info


def close_vault(worker) -> None:
    """Forget the context first (later operations fail with ``VaultLocked``), then close every
    connection of the pool."""
    ctx = worker.ctx
    worker.set_context(None)
    if ctx is not None:
        ctx.vault.close()


def vault_info(ctx: Context) -> dict[str, Any]:
    """What the shell shows about the open vault: owner, folder, settings, reference version."""
    from sqlalchemy import select

    from conseiller_app.storage import models as m
    from conseiller_app.storage.reference import reference_version

    current = settings.read(ctx)
    with ctx.vault.session() as s:
        version = reference_version(s)
        territories = sorted(((t.code, t.name) for t in s.scalars(select(m.Territory))), key=lambda t: t[1])
    return {
        "territories": territories,
        "name": ctx.actor["name"],
        "territory": current.territory,
        "territory_name": current.territory_name,
        "office": ctx.actor["office"],
        "data_dir": str(ctx.vault.data_dir),
        "idle_lock_minutes": current.idle_lock_minutes,
        "reference_version": version or "",
    }


def set_idle_lock_minutes(ctx: Context, minutes: int) -> int:
    return settings.set_int(ctx, IDLE_LOCK.key, minutes)


def change_passphrase(ctx: Context, current: str, new: str) -> None:
    """Re-encrypt the vault with ``new`` once ``current`` is proven (raises ``WrongPassphrase``)."""
    cipher.connect(ctx.vault.path, current).close()
    ctx.vault.rekey(new)


def backup_to(ctx: Context, target: Path) -> str:
    return str(ctx.vault.backup(Path(target)))
