"""Two processes on one vault: one at a time opens it (the OS lock, exit code 7 and a message naming
the holder), commands wait for each other, writes begin IMMEDIATE; nothing acknowledged is lost.
Every test here runs real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conseiller_app.domain.errors import VaultBusy
from conseiller_app.storage import cipher
from conseiller_app.storage.services import Context, beneficiaries, search
from conseiller_app.storage.vault import Vault
from tests.conftest import OTHER_PASSPHRASE, PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

# The application: opens the vault as the GUI does (holder « l'application »), writes one file a
# tick and prints each id once its transaction is committed (an acknowledged write), until killed
# or told to stop by a file.
APPLICATION = r"""
import sys, time, json
from pathlib import Path
from conseiller_app.storage.lock import APPLICATION, set_process_holder
from conseiller_app.storage.services import Context, beneficiaries
from conseiller_app.storage.vault import Vault
set_process_holder(APPLICATION)
folder, passphrase, stop = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
vault = Vault.open(folder, passphrase)
ctx = Context(vault)
print("open", flush=True)
i = 0
while not stop.exists():
    first = "Ecriture" + "".join("abcdefghij"[int(d)] for d in str(i))
    bid = beneficiaries.create(ctx, {"last_name": "Appli", "first_name": first, "birth_date": "1990-01-01",
                                     "commune": "Arras", "public": "rsa"})
    print(bid, flush=True)
    i += 1
    time.sleep(0.05)
vault.close()
print("closed", flush=True)
"""

# A command line run again and again in one process (the real CLI code, each run opening and
# closing the vault as a separate `conseiller beneficiary add` does): exit codes as JSON.
ADDER = r"""
import io, sys, json, contextlib
from conseiller_app.cli import main
folder, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = []
for i in range(n):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-dir", folder, "beneficiary", "add", "--last-name", tag, "--first-name",
                     "Dossier" + "".join("abcdefghij"[int(d)] for d in str(i)),
                     "--birth-date", "1990-01-01", "--commune", "Arras", "--public", "rsa", "--allow-duplicate"])
    results.append({"code": code, "id": out.getvalue().strip(), "err": err.getvalue()})
print(json.dumps(results))
"""


def _env(passphrase: str = PASSPHRASE) -> dict:
    env = dict(os.environ, CONSEILLER_PASSPHRASE=passphrase,
               PYTHONPATH=os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p))
    return env


def _cli(folder: Path, *args: str, passphrase: str = PASSPHRASE, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conseiller_app", "--data-dir", str(folder), *args],
                          capture_output=True, text=True, env=_env(passphrase), timeout=timeout, cwd=ROOT)


@pytest.fixture
def closed_vault(data_dir) -> Path:
    Vault.create(data_dir, PASSPHRASE, "Marie Dupont", "arrageois").close()
    return data_dir


def _start_application(folder: Path, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    stop = tmp_path / "stop"
    proc = subprocess.Popen([sys.executable, "-c", APPLICATION, str(folder), PASSPHRASE, str(stop)],
                            stdout=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    assert proc.stdout.readline().strip() == "open"
    return proc, stop


def test_a_command_is_refused_while_the_application_has_the_vault_open(closed_vault, tmp_path):
    proc, stop = _start_application(closed_vault, tmp_path)
    try:
        new_passphrase = tmp_path / "nouvelle.txt"
        new_passphrase.write_text(OTHER_PASSPHRASE)
        started = time.monotonic()
        r = _cli(closed_vault, "rekey", "--new-passphrase-file", str(new_passphrase))
        assert r.returncode == 7, r.stderr
        assert "ouvert dans l'application" in r.stderr
        assert time.monotonic() - started < 20  # refused at once: the application holds it for hours
        r = _cli(closed_vault, "check")
        assert r.returncode == 7 and "ouvert dans l'application" in r.stderr
    finally:
        stop.touch()
        acknowledged = [line.strip() for line in proc.stdout if line.strip() not in ("", "closed")]
        proc.wait(timeout=60)
    # Every write the application acknowledged is there, under the unchanged passphrase.
    assert acknowledged
    vault = Vault.open(closed_vault, PASSPHRASE)
    try:
        ctx = Context(vault)
        for bid in acknowledged:
            assert beneficiaries.get(ctx, bid, record_read=False).last_name == "Appli"
        assert vault.check().ok
    finally:
        vault.close()


def test_the_kernel_releases_the_lock_of_a_killed_process(closed_vault, tmp_path):
    proc, _stop = _start_application(closed_vault, tmp_path)
    acknowledged = [proc.stdout.readline().strip() for _ in range(5)]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    r = _cli(closed_vault, "check", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"]
    vault = Vault.open(closed_vault, PASSPHRASE)
    try:
        ctx = Context(vault)
        for bid in acknowledged:
            assert beneficiaries.get(ctx, bid, record_read=False).first_name.startswith("Ecriture")
    finally:
        vault.close()


def test_a_second_open_in_the_same_process_is_refused_too(vault, data_dir):
    with pytest.raises(VaultBusy) as err:
        Vault.open(data_dir, PASSPHRASE)
    assert err.value.exit_code == 7
    assert "déjà ouvert" in err.value.message
    with pytest.raises(VaultBusy):
        Vault.restore(data_dir, vault.backup(data_dir / "sauvegardes" / "s.db"), PASSPHRASE)


@pytest.mark.slow
def test_two_command_processes_adding_files_lose_nothing(closed_vault):
    """Two processes adding 200 files each (≈ 2 min here); before the lock and IMMEDIATE
    transactions, 47 of 400 adds failed with « Erreur inattendue » (database is locked)."""
    n = 200
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, str(closed_vault), tag, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
             for tag in ("Premier", "Second")]
    outcomes = {}
    for tag, p in zip(("Premier", "Second"), procs, strict=False):
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-2000:]
        outcomes[tag] = json.loads(stdout)
    vault = Vault.open(closed_vault, PASSPHRASE)
    try:
        ctx = Context(vault)
        for tag, results in outcomes.items():
            for r in results:
                # Each add succeeds, or is refused with the clear message (never « Erreur inattendue »).
                assert r["code"] in (0, 7), r
                if r["code"] == 7:
                    assert "déjà ouvert par la commande" in r["err"]
            added = [r["id"] for r in results if r["code"] == 0]
            assert len(added) >= n * 0.9  # commands wait for each other: refusals are the exception
            found = {x.id for x in search.search(ctx, tag, limit=1000)}
            assert found == set(added)
        assert vault.check().ok
    finally:
        vault.close()


# Another process writing the vault file directly (an older version without the vault lock, a
# maintenance tool): holds a write transaction for a moment.
RAW_WRITER = r"""
import sys, time
from pathlib import Path
from conseiller_app.storage import cipher
conn = cipher.connect(Path(sys.argv[1]), sys.argv[2])
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO setting (key, value) VALUES ('essai', '1') ON CONFLICT (key) DO UPDATE SET value = '2'")
print("holding", flush=True)
time.sleep(1.5)
conn.execute("COMMIT")
conn.close()
"""


def test_a_read_then_write_waits_for_another_writer_instead_of_failing(vault, ctx):
    """Deferred transactions failed at once with « database is locked » when they went from reading
    to writing while another connection wrote; IMMEDIATE ones wait (busy timeout)."""
    bid = beneficiaries.create(ctx, {"last_name": "Martin", "first_name": "Paul", "birth_date": "1990-01-01",
                                     "commune": "Arras", "public": "rsa"})
    with vault.session() as s:  # the pooled connection has read the schema already
        s.connection().exec_driver_sql("SELECT count(*) FROM beneficiary").fetchone()
    proc = subprocess.Popen([sys.executable, "-c", RAW_WRITER, str(vault.path), PASSPHRASE],
                            stdout=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "holding"
        beneficiaries.update(ctx, bid, {"first_name": "Paulo"})  # reads the file, then writes
    finally:
        proc.wait(timeout=30)
    assert beneficiaries.get(ctx, bid, record_read=False).first_name == "Paulo"


def test_a_killed_rekey_leaves_no_encrypted_copy_behind(closed_vault):
    leftover = closed_vault / ".tmp-abc123.db"
    leftover.write_bytes(os.urandom(8192))  # what a rekey killed mid-way leaves (a full copy)
    Path(str(leftover) + "-wal").write_bytes(b"")
    Vault.open(closed_vault, PASSPHRASE).close()
    assert not list(closed_vault.glob(".tmp-*"))


def test_the_lock_file_never_holds_personal_data(closed_vault):
    vault = Vault.open(closed_vault, PASSPHRASE)
    try:
        text = (closed_vault / "coffre.verrou").read_text()
        assert "processus" in text and "Marie" not in text
    finally:
        vault.close()
    assert (closed_vault / "coffre.verrou").read_text() == ""
    assert cipher.APPLICATION_ID  # the vault itself untouched by the lock
