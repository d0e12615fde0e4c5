"""Runs the alembic migrations inside the application, on an open, keyed vault connection.

Alembic is imported on first use, not with the storage layer: the application shows its unlock
screen without it and loads it in the background (:func:`preload`) while the passphrase is typed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from conseiller_app.domain.errors import IntegrityProblem
from conseiller_app.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_script: ScriptDirectory | None = None


def preload() -> None:
    """Import alembic and read the migration scripts ahead of the first open (~0.3 s)."""
    script_directory().get_current_head()


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    global _script
    if _script is None:
        _script = ScriptDirectory.from_config(alembic_config())
    return _script


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None  # the migrations folder ships with the package
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(connection: Connection) -> bool:
    current = current_revision(connection)
    if current == head_revision():
        return False
    try:
        known = current is None or script_directory().get_revision(current) is not None
    except Exception:  # noqa: BLE001 - alembic raises for an unknown revision id
        known = False
    if not known:
        raise IntegrityProblem(
            "Ce coffre a été créé par une version plus récente de l'application : mettez l'application à jour."
        )
    return True


def upgrade(connection: Connection, target: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), target)


def _make_revision(message: str) -> None:  # pragma: no cover - developer tool
    """Autogenerate a revision against a temporary vault at the current head."""
    import tempfile

    from alembic import command

    from conseiller_app.storage.vault import Vault

    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp), "revision-only passphrase 42!", "Outil Migration", "arrageois", check_policy=False
        )
        with vault.engine.connect() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)
        vault.close()


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 3 and sys.argv[1] == "revision":
        _make_revision(sys.argv[2])
    else:
        print("usage: python -m conseiller_app.storage.migrate revision MESSAGE")
