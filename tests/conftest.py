"""Shared fixtures: real vaults in temporary folders (real encryption, no mocks of storage)."""

from __future__ import annotations

import os
from datetime import date

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "cheval agrafe batterie correcte 7"
OTHER_PASSPHRASE = "lampadaire violet sous la pluie 42"


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "profil"
    return d


@pytest.fixture
def vault(data_dir):
    from conseiller_app.storage.vault import Vault

    v = Vault.create(data_dir, PASSPHRASE, "Marie Dupont", "arrageois", "MDS Arras")
    yield v
    v.close()


class Clock:
    """A controllable 'today' for services."""

    def __init__(self, today: date = date(2026, 11, 28)) -> None:
        self.value = today

    def __call__(self) -> date:
        return self.value


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(vault, clock):
    from conseiller_app.storage.services import Context

    return Context(vault, today=clock)
