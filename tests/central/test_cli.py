"""Both command lines: ``conseiller sync`` (against a central office driven by its own command
line) and ``conseiller-central`` on SQLite and PostgreSQL: exit codes, French messages, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conseiller_app import cli as device_cli
from conseiller_app.cli import central as central_cli
from conseiller_app.storage import models as m
from tests.sync.helpers import PASSPHRASE, add_session, edit, make_vault


class Runner:
    def __init__(self, capsys, db_url: str, keys: Path) -> None:
        self.capsys, self.db_url, self.keys = capsys, db_url, keys

    def central(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = central_cli.main(["--db", self.db_url, "--keys", str(self.keys), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def device(self, folder: Path, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = device_cli.main(["--data-dir", str(folder), *args])
        out, err = self.capsys.readouterr()
        return code, out, err


def test_device_command_line(tmp_path, capsys, monkeypatch):
    """``conseiller sync`` against a central office driven by its own command line (SQLite)."""
    monkeypatch.setenv("CONSEILLER_PASSPHRASE", PASSPHRASE)
    run = Runner(capsys, f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles")
    assert run.central("init", "--name", "Siège de test")[0] == 0
    enrollment = tmp_path / "cles" / "inscription-siege.json"
    a_dir = tmp_path / "a"
    make_vault(a_dir).vault.close()
    code, out, _ = run.device(a_dir, "sync", "status")
    assert code == 0 and "Pas encore inscrit" in out
    code, _, err = run.device(a_dir, "sync", "export", "--out", str(tmp_path))
    assert code == 2 and "inscrit" in err
    code, _, err = run.device(a_dir, "sync", "enroll", str(enrollment), "--fingerprint", "0000 1111")
    assert code == 2 and "empreinte" in err.lower()
    fingerprint = json.loads(run.central("status", "--json")[1])["central"]["fingerprint"]
    code, out, _ = run.device(a_dir, "sync", "enroll", str(enrollment), "--fingerprint", fingerprint)
    assert code == 0 and fingerprint in out and "Empreinte de cet appareil" in out
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    code, out, _ = run.device(a_dir, "sync", "export", "--out", str(out_dir))
    assert code == 0 and "Paquet n°1 écrit" in out
    [bundle] = out_dir.iterdir()
    assert run.central("ingest", str(bundle))[0] == 5
    device_id = json.loads(run.central("devices", "list", "--json")[1])[0]["id"]
    assert run.central("devices", "approve", device_id)[0] == 0
    code, out, _ = run.central("publish", "--out", str(tmp_path / "retour"), "--json")
    [made] = json.loads(out)
    code, out, _ = run.device(a_dir, "sync", "import", made["file"])
    assert code == 0 and "Paquet du siège n°1 importé" in out and "version 1" in out
    code, out, _ = run.device(a_dir, "sync", "import", made["file"])
    assert code == 0 and "déjà été importé" in out
    junk = tmp_path / "junk.age"
    junk.write_bytes(os.urandom(300))
    code, _, err = run.device(a_dir, "sync", "import", str(junk))
    assert code == 5 and "Paquet refusé" in err
    code, out, _ = run.device(a_dir, "sync", "status", "--json")
    st = json.loads(out)
    assert code == 0 and st["enrolled"] and st["changes_waiting"] == 0 and len(st["history"]) == 2
    code, out, _ = run.device(a_dir, "sync", "status")
    assert "reçu par le siège" in out and "Dernier accusé de réception du siège" in out


def test_central_command_line(db_url, tmp_path, capsys):
    """``conseiller-central`` on SQLite and PostgreSQL (devices driven through the service API)."""
    from conseiller_app.sync import service as sync

    run = Runner(capsys, db_url, tmp_path / "cles")
    code, out, _ = run.central("init", "--name", "Siège de test")
    assert code == 0 and "Empreinte du siège" in out
    assert run.central("init")[0] == 2
    enrollment = tmp_path / "cles" / "inscription-siege.json"
    a, b = make_vault(tmp_path / "a"), make_vault(tmp_path / "b", "Karim Benali")
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    try:
        for ctx in (a, b):
            sync.enroll(ctx, enrollment)
        bundle = sync.export(a, out_dir).path
        code, out, _ = run.central("ingest", bundle)
        assert code == 5 and "quarantaine" in out and "Marie Dupont" in out
        [pending] = json.loads(run.central("devices", "list", "--json")[1])
        assert pending["status"] == "en_attente" and pending["bundles_quarantined"] == 1
        assert "en attente d'approbation" in run.central("devices", "list")[1]
        code, out, _ = run.central("devices", "approve", pending["id"][:8])
        assert code == 0 and "Marie Dupont" in out and pending["fingerprint"] in out
        code, out, _ = run.central("ingest", bundle)
        assert code == 0 and "déjà reçu" in out
        junk = tmp_path / "junk.age"
        junk.write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n--- xyz\n" + os.urandom(200))
        code, _, err = run.central("ingest", str(junk), bundle)
        assert code == 5 and "Paquet refusé" in err
        code, out, _ = run.central("ingest", str(junk), "--json")
        assert code == 5 and json.loads(out)[0]["status"] == "refuse"
        run.central("ingest", sync.export(b, out_dir).path)
        b_id = sync.identity(b).device_id
        assert run.central("devices", "approve", b_id, "--json")[0] == 0

        # Both edit a shared session: a conflict, resolved on the command line.
        sid = add_session(a)
        exchange(run, [a, b], out_dir, tmp_path / "retour1")
        edit(a, m.AtelierSession, sid, capacity=9)
        edit(b, m.AtelierSession, sid, capacity=25)
        exchange(run, [a, b], out_dir, tmp_path / "retour2")
        code, out, _ = run.central("conflicts", "list")
        assert code == 0 and "Conflit n°" in out and "capacity = 9" in out and "capacity = 25" in out
        [conflict] = json.loads(run.central("conflicts", "list", "--json")[1])
        keep = next(v["letter"] for v in conflict["versions"] if v["data"]["capacity"] == 25)
        assert run.central("conflicts", "resolve", str(conflict["id"]), "--keep", "Z")[0] == 2
        assert run.central("conflicts", "resolve", "999", "--keep", "A")[0] == 4
        code, out, _ = run.central("conflicts", "resolve", str(conflict["id"]), "--keep", keep)
        assert code == 0 and "résolu" in out
        assert "Aucun conflit ouvert" in run.central("conflicts", "list")[1]
        assert "résolu par" in run.central("conflicts", "list", "--all")[1]
        exchange(run, [a, b], out_dir, tmp_path / "retour3")
        with a.vault.session() as s:
            assert s.get(m.AtelierSession, sid).capacity == 25

        code, out, _ = run.central("status", "--json")
        st = json.loads(out)
        assert code == 0 and len(st["devices"]) == 2 and st["conflicts"] == {"open": 0, "resolved": 1}
        assert st["records"]["atelier_session"]["active"] == 1 and st["bundles"]["quarantined"] == 0
        assert "Conflits ouverts : 0" in run.central("status")[1]

        code, out, _ = run.central("devices", "revoke", b_id)
        assert code == 0 and "révoqué" in out
        code, _, err = run.central("ingest", sync.export(b, out_dir).path)
        assert code == 5 and "révoqué" in err
        assert run.central("devices", "approve", b_id)[0] == 2
        assert run.central("devices", "approve", "zzzz")[0] == 4
    finally:
        a.vault.close()
        b.vault.close()


def exchange(run: Runner, ctxs, out_dir: Path, back: Path) -> None:
    from conseiller_app.sync import service as sync

    for ctx in ctxs:
        assert run.central("ingest", sync.export(ctx, out_dir).path)[0] == 0
    code, out, _ = run.central("publish", "--out", str(back), "--json")
    assert code == 0
    files = {p["device_id"]: p["file"] for p in json.loads(out)}
    for ctx in ctxs:
        assert sync.import_bundle(ctx, Path(files[sync.identity(ctx).device_id])).status == "importe"


def test_uninitialised_database_and_missing_keys(tmp_path, capsys):
    code = central_cli.main(["--db", str(tmp_path / "absent.db"), "status"])
    assert code == 2 and "introuvable" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()  # a mistyped --db creates nothing
    (tmp_path / "vide.db").touch()
    code = central_cli.main(["--db", str(tmp_path / "vide.db"), "status"])
    assert code == 2 and "non initialisée" in capsys.readouterr().err
    central_cli.main(["--db", str(tmp_path / "s.db"), "--keys", str(tmp_path / "k"), "init"])
    capsys.readouterr()
    code = central_cli.main(["--db", str(tmp_path / "s.db"), "--keys", str(tmp_path / "ailleurs"), "publish",
                             "--out", str(tmp_path)])
    assert code == 2 and "introuvable" in capsys.readouterr().err
    assert central_cli.main(["--db", "mysql://x/y", "status"]) == 2


@pytest.mark.parametrize("command", [["conseiller-central", "--help"], ["conseiller", "sync", "--help"]])
def test_entry_points_run_as_processes(command):
    exe = Path(sys.executable).parent / command[0]
    r = subprocess.run([str(exe), *command[1:]], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "usage" in r.stdout


def test_central_keys_protected_by_a_passphrase(tmp_path, capsys, monkeypatch):
    """Stolen key files are useless without the passphrase: protected at init or afterwards,
    every command that needs the keys asks for it, a wrong one is refused (exit 3) and nothing
    happens; ``age`` can still decrypt a bundle with the protected identity file."""
    from conseiller_app.central.keys import AGE_FILE, SIGNING_FILE
    from conseiller_app.sync import crypto

    run = Runner(capsys, f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles")
    good, wrong, newer = tmp_path / "phrase.txt", tmp_path / "mauvaise.txt", tmp_path / "nouvelle.txt"
    good.write_text("lampadaire violet sous la pluie 42\n")
    wrong.write_text("une autre phrase de passe bien longue\n")
    newer.write_text("cheval agrafe batterie correcte 7\n")
    weak = tmp_path / "faible.txt"
    weak.write_text("azerty\n")

    code, _, err = run.central("--key-passphrase-file", str(weak), "init", "--protect-keys")
    assert code == 4 and "phrase de passe" in err.lower() and not (tmp_path / "cles" / AGE_FILE).exists()
    code, out, _ = run.central("--key-passphrase-file", str(good), "init", "--protect-keys", "--name", "Siège de test")
    assert code == 0 and "chiffrées par la phrase de passe" in out
    secrets = [(tmp_path / "cles" / f).read_bytes() for f in (AGE_FILE, SIGNING_FILE)]
    assert all(s.startswith(crypto.AGE_MAGIC) and b"AGE-SECRET-KEY" not in s for s in secrets)

    monkeypatch.setattr("sys.stdin", None)  # no terminal to ask on
    code, _, err = run.central("publish", "--out", str(tmp_path / "retour"))
    assert code == 2 and "protégées par une phrase de passe" in err and "--key-passphrase-file" in err
    code, _, err = run.central("--key-passphrase-file", str(wrong), "publish", "--out", str(tmp_path / "retour"))
    assert code == 3 and "incorrecte" in err and not (tmp_path / "retour").exists()
    assert run.central("status")[0] == 0  # commands without the keys need no passphrase
    monkeypatch.setenv("CONSEILLER_CENTRAL_KEY_PASSPHRASE", "lampadaire violet sous la pluie 42")
    assert run.central("publish", "--out", str(tmp_path / "retour"))[0] == 0
    monkeypatch.delenv("CONSEILLER_CENTRAL_KEY_PASSPHRASE")

    # Changing it: the old passphrase no longer opens the keys, the new one does, same fingerprint.
    before = json.loads(run.central("status", "--json")[1])["central"]["fingerprint"]
    code, out, _ = run.central("--key-passphrase-file", str(good), "keys", "protect",
                               "--new-passphrase-file", str(newer))
    assert code == 0 and "nouvelle phrase de passe" in out
    assert run.central("--key-passphrase-file", str(good), "publish", "--out", str(tmp_path / "r2"))[0] == 3
    assert run.central("--key-passphrase-file", str(newer), "publish", "--out", str(tmp_path / "r2"))[0] == 0
    assert json.loads(run.central("status", "--json")[1])["central"]["fingerprint"] == before

    # The identity file is a standard passphrase-encrypted age file holding the age identity.
    identity = crypto.passphrase_decrypt(
        (tmp_path / "cles" / AGE_FILE).read_bytes(), "cheval agrafe batterie correcte 7"
    )
    assert identity is not None and b"AGE-SECRET-KEY-1" in identity


def test_unprotected_keys_can_be_protected_afterwards(tmp_path, capsys, monkeypatch):
    from conseiller_app.central.keys import AGE_FILE

    run = Runner(capsys, f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles")
    code, out, _ = run.central("init", "--name", "Siège de test")
    assert code == 0 and "keys protect" in out
    phrase = tmp_path / "phrase.txt"
    phrase.write_text("lampadaire violet sous la pluie 42\n")
    code, _, _ = run.central("keys", "protect", "--new-passphrase-file", str(phrase))
    assert code == 0
    assert (tmp_path / "cles" / AGE_FILE).read_bytes().startswith(b"age-encryption.org/v1")
    monkeypatch.setattr("sys.stdin", None)
    assert run.central("publish", "--out", str(tmp_path / "retour"))[0] == 2
    assert run.central("--key-passphrase-file", str(phrase), "publish", "--out", str(tmp_path / "retour"))[0] == 0
