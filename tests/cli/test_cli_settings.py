"""``conseiller settings show|set`` for every setting (retention, idle-lock delay, territory), and
the unlock throttle the command line shares with the application. Run in-process on a real
encrypted vault (``conseiller_app.cli.main``), real files."""

from __future__ import annotations

import json
import time

import pytest

from conseiller_app.cli import main
from conseiller_app.storage.services import Context, settings
from conseiller_app.storage.throttle import STATE_FILE
from conseiller_app.storage.vault import Vault
from tests.conftest import OTHER_PASSPHRASE, PASSPHRASE


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "coffre"
    assert main(["--data-dir", str(folder), "init", "--name", "Marie Dupont", "--territory", "Arrageois"]) == 0
    return folder


def cli(folder, *args: str) -> int:
    return main(["--data-dir", str(folder), *args])


def stored(folder) -> settings.Settings:
    vault = Vault.open(folder, PASSPHRASE)
    try:
        return settings.read(Context(vault))
    finally:
        vault.close()


def test_show_lists_every_setting_with_its_default(folder, capsys):
    capsys.readouterr()
    assert cli(folder, "settings", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"retention_months": 24, "idle_lock_minutes": 5,
                                                  "territory": "arrageois"}
    assert cli(folder, "settings", "show") == 0
    text = capsys.readouterr().out
    assert "idle_lock_minutes = 5  (délai avant le verrouillage automatique" in text
    assert "territory = arrageois (Arrageois)" in text


def test_set_idle_lock_minutes_and_refuse_out_of_range(folder, capsys):
    assert cli(folder, "settings", "set", "idle_lock_minutes", "10") == 0
    assert "Enregistré : idle_lock_minutes = 10." in capsys.readouterr().out
    assert stored(folder).idle_lock_minutes == 10
    for bad in ("0", "61", "dix", ""):
        assert cli(folder, "settings", "set", "idle_lock_minutes", bad) == 4, bad
        message = capsys.readouterr().err
        assert "Verrouillage automatique" in message and "entre 1 et 60" in message
    assert stored(folder).idle_lock_minutes == 10  # nothing half-written


def test_set_territory_by_name_or_code(folder, capsys):
    assert cli(folder, "settings", "set", "territory", "Lens-Liévin") == 0
    assert "territory = lens_lievin" in capsys.readouterr().out
    assert stored(folder).territory == "lens_lievin"
    assert stored(folder).territory_name == "Lens-Liévin"
    assert cli(folder, "settings", "set", "territory", "calaisis") == 0
    assert stored(folder).territory == "calaisis"

    assert cli(folder, "settings", "set", "territory", "Lille") == 4
    message = capsys.readouterr().err
    assert "Territoire" in message and "territoire inconnu" in message and "Arrageois" in message
    assert stored(folder).territory == "calaisis"


def test_unknown_setting_is_a_usage_error(folder, capsys):
    assert cli(folder, "settings", "set", "couleur", "bleu") == 2
    message = capsys.readouterr().err
    assert "Paramètre inconnu : couleur" in message and "idle_lock_minutes" in message and "territory" in message


def test_cli_applies_the_unlock_throttle_shared_with_the_application(folder, capsys, monkeypatch):
    monkeypatch.setenv("CONSEILLER_PASSPHRASE", OTHER_PASSPHRASE)
    capsys.readouterr()
    for _ in range(2):  # two free attempts
        assert cli(folder, "check") == 3
        message = capsys.readouterr().err
        assert "Phrase de passe incorrecte" in message and "Prochain essai" not in message
    assert cli(folder, "check") == 3  # the third starts a 5-second wait
    assert "Prochain essai possible dans 5 s." in capsys.readouterr().err
    state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    assert state["echecs"] == 3

    # Even the right passphrase is refused while the wait runs, without being tried.
    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    assert cli(folder, "settings", "show") == 3
    message = capsys.readouterr().err
    assert "Trop de phrases de passe erronées" in message and "Le coffre n'a pas été ouvert." in message

    time.sleep(json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))["prochain_essai"] - time.time() + 0.2)
    assert cli(folder, "check") == 0  # after the wait, the right passphrase opens and clears the count
    assert json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))["echecs"] == 0
