"""The command line's fixtures: ``run`` starts ``conseiller`` as a real process, ``cli_vault`` is
a vault made by ``conseiller init``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE


def run(data_dir: Path, *args: str, passphrase: str | None = PASSPHRASE, stdin: str | None = None,
        extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CONSEILLER_PASSPHRASE"}
    if passphrase is not None:
        env["CONSEILLER_PASSPHRASE"] = passphrase
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "conseiller_app", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=120,
    )


@pytest.fixture
def cli_vault(tmp_path) -> Path:
    folder = tmp_path / "cli"
    r = run(folder, "init", "--name", "Marie Dupont", "--territory", "Arrageois", "--office", "MDS Arras")
    assert r.returncode == 0, r.stderr
    assert "Coffre créé" in r.stdout
    return folder
