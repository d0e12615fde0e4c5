"""The command line, run as a real process: exit codes, French messages, JSON output, no
personal data on stderr."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import run
from tests.conftest import OTHER_PASSPHRASE, PASSPHRASE


def add(folder: Path, *extra: str, **fields: str) -> subprocess.CompletedProcess:
    base = {"last_name": "N'Diaye", "first_name": "Awa", "birth_date": "2001-02-03", "commune": "Lens",
            "public": "jeune"}
    base.update(fields)
    args = []
    for k, v in base.items():
        args += [f"--{k.replace('_', '-')}", v]
    return run(folder, "beneficiary", "add", *args, *extra)


def test_init_refuses_to_overwrite(cli_vault):
    r = run(cli_vault, "init", "--name", "Autre", "--territory", "Arrageois")
    assert r.returncode == 2
    assert "existe déjà" in r.stderr


def test_add_search_show_json(cli_vault):
    r = add(cli_vault, "--json", phone="06 12 34 56 78", caf_number="1234567")
    assert r.returncode == 0, r.stderr
    new_id = json.loads(r.stdout)["id"]
    r = run(cli_vault, "beneficiary", "search", "ndiaye", "--json")
    assert r.returncode == 0
    found = json.loads(r.stdout)
    assert [f["id"] for f in found] == [new_id]
    assert found[0]["commune_name"] == "Lens"
    r = run(cli_vault, "beneficiary", "show", new_id, "--json")
    shown = json.loads(r.stdout)
    assert shown["phone"] == "+33612345678" and shown["caf_number"] == "1234567"
    r = run(cli_vault, "beneficiary", "show", new_id)
    assert "N'DIAYE Awa" in r.stdout and "Lens" in r.stdout
    r = run(cli_vault, "beneficiary", "search", "lefevre")
    assert "Aucun dossier" in r.stdout


def test_passphrase_file_and_prompt_sources(cli_vault, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    r = run(cli_vault, "--passphrase-file", str(secret), "check", passphrase=None)
    assert r.returncode == 0, r.stderr
    r = run(cli_vault, "check", passphrase=None)  # no tty, no file, no variable
    assert r.returncode == 2
    assert "Phrase de passe manquante" in r.stderr


def test_wrong_passphrase_exit_3(cli_vault):
    r = run(cli_vault, "beneficiary", "search", "x", passphrase="mauvaise phrase de passe")
    assert r.returncode == 3
    assert "Phrase de passe incorrecte" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [("birth_date", "2001-02-30", "Date de naissance"), ("commune", "Paris", "Commune"),
     ("phone", "123", "Téléphone"), ("last_name", "D4", "Nom")],
)
def test_invalid_input_exit_4_names_the_field_without_echoing_data(cli_vault, field, value, label):
    r = add(cli_vault, **{field: value, "first_name": "Quokkaprenom"})
    assert r.returncode == 4
    assert label in r.stderr
    assert "Quokkaprenom" not in r.stderr and "Traceback" not in r.stderr
    r = run(cli_vault, "beneficiary", "search", "ndiaye", "--json")
    assert json.loads(r.stdout) == []


def test_usage_errors_exit_2_in_french(cli_vault):
    r = run(cli_vault, "beneficiary", "add", "--last-name", "X")
    assert r.returncode == 2
    assert "arguments obligatoires manquants" in r.stderr


def test_check_reports_corruption_with_exit_5(cli_vault):
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault

    vault = Vault.open(cli_vault, PASSPHRASE)  # fill it in-process: 20 CLI runs would be slow
    ctx = Context(vault)
    for i in range(20):
        beneficiaries.create(ctx, {"last_name": f"Personne{'abcdefghijklmnopqrst'[i]}", "first_name": "Awa",
                                   "birth_date": "1990-01-01", "commune": "Lens", "public": "rsa"})
    vault.close()
    assert run(cli_vault, "check").returncode == 0
    path = cli_vault / "coffre.db"
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(4096 * (size // 4096 // 2) + 777)
        b = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([b[0] ^ 0x40]))
    r = run(cli_vault, "check")
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr


def test_rekey_backup_restore(cli_vault, tmp_path):
    assert add(cli_vault).returncode == 0
    backup = tmp_path / "sauvegarde.db"
    r = run(cli_vault, "backup", "--out", str(backup))
    assert r.returncode == 0 and backup.exists()
    assert add(cli_vault, last_name="Apres").returncode == 0
    new = tmp_path / "nouvelle.txt"
    new.write_text(OTHER_PASSPHRASE, encoding="utf-8")
    assert run(cli_vault, "rekey", "--new-passphrase-file", str(new)).returncode == 0
    assert run(cli_vault, "check").returncode == 3
    assert run(cli_vault, "check", passphrase=OTHER_PASSPHRASE).returncode == 0
    weak = tmp_path / "faible.txt"
    weak.write_text("abc", encoding="utf-8")
    r = run(cli_vault, "rekey", "--new-passphrase-file", str(weak), passphrase=OTHER_PASSPHRASE)
    assert r.returncode == 4 and "12 caractères" in r.stderr
    # The backup keeps the passphrase it was made with.
    r = run(cli_vault, "restore", "--from", str(backup), passphrase=OTHER_PASSPHRASE)
    assert r.returncode == 3
    r = run(cli_vault, "restore", "--from", str(backup))
    assert r.returncode == 0, r.stderr
    r = run(cli_vault, "beneficiary", "search", "", "--json")
    assert [f["last_name"] for f in json.loads(r.stdout)] == ["N'Diaye"]
    garbage = tmp_path / "pas-une-sauvegarde.db"
    garbage.write_bytes(os.urandom(8192))
    r = run(cli_vault, "restore", "--from", str(garbage))
    assert r.returncode in (3, 5)


def test_demo_fills_a_new_vault_and_refuses_a_real_one(cli_vault, tmp_path):
    demo_dir = tmp_path / "demo"
    r = run(demo_dir, "demo", "--beneficiaries", "300", "--seed", "3")
    assert r.returncode == 0, r.stderr
    r = run(demo_dir, "beneficiary", "search", "", "--limit", "1000", "--json")
    rows = json.loads(r.stdout)
    assert len(rows) == 300
    assert len({row["stage"] for row in rows}) == 10  # every stage is represented
    assert len({row["commune_name"] for row in rows}) > 50
    assert add(cli_vault).returncode == 0
    r = run(cli_vault, "demo", "--beneficiaries", "10")
    assert r.returncode == 2 and "vrais dossiers" in r.stderr


WRITER = r"""
import sys
from conseiller_app.storage.vault import Vault
from conseiller_app.storage.services import Context, beneficiaries
ctx = Context(Vault.open(sys.argv[1], sys.argv[2]))
i = 0
while True:
    bid = beneficiaries.create(ctx, {"last_name": "Ecriture", "first_name": "Test", "birth_date": "1990-01-01",
                                     "commune": "Arras", "public": "rsa", "caf_number": f"{i:07d}"})
    print(bid, flush=True)  # acknowledged: the transaction has committed
    i += 1
"""


@pytest.mark.slow
def test_kill_9_during_writes_keeps_every_acknowledged_write(cli_vault):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(cli_vault), PASSPHRASE],
                            stdout=subprocess.PIPE, text=True)
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acknowledged.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    acknowledged += [x for x in rest.split() if x]
    assert len(acknowledged) >= 40
    r = run(cli_vault, "check")
    assert r.returncode == 0, r.stderr
    r = run(cli_vault, "beneficiary", "search", "ecriture", "--limit", "100000", "--json")
    present = {row["id"] for row in json.loads(r.stdout)}
    assert set(acknowledged) <= present
