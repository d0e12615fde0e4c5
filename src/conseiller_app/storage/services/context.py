"""What every service needs: the open vault, who acts, and a clock (controllable in tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conseiller_app.storage.profile import owner
from conseiller_app.storage.vault import Vault


@dataclass
class Context:
    """Built once per open vault (sessions are not nested: the owner is read up front)."""

    vault: Vault
    today: Callable[[], date] = field(default=date.today)
    actor: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        with self.vault.session() as s:
            o = owner(s)
            self.actor = {"id": o.id, "name": o.name, "territory": o.territory, "office": o.office}

    @property
    def actor_id(self) -> str:
        return str(self.actor["id"])
