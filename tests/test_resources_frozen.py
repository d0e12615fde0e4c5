"""Where resources are looked for: the source checkout's folders, and in a frozen build
(packaging/conseiller.spec) only the build's own ``_resources``/``_migrations``."""

from __future__ import annotations

import pytest

from conseiller_app import resources


def test_source_checkout_uses_the_repository_folders():
    assert (resources.resources_dir() / "reference" / "reference.json").exists()
    assert (resources.migrations_dir() / "env.py").exists()
    assert (resources.resources_dir() / "icons" / "conseiller-256.png").exists()


def test_frozen_build_never_looks_outside_its_own_folder(monkeypatch, tmp_path):
    package = tmp_path / "_internal" / "conseiller_app"
    monkeypatch.setattr(resources, "_FROZEN", True)
    monkeypatch.setattr(resources, "_PACKAGE", package)
    # The repository's folders exist on this machine, but a frozen build must not use them.
    with pytest.raises(FileNotFoundError):
        resources.resources_dir()
    (package / "_resources").mkdir(parents=True)
    (package / "_migrations").mkdir()
    assert resources.resources_dir() == package / "_resources"
    assert resources.migrations_dir() == package / "_migrations"
