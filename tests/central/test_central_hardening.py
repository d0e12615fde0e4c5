"""The central office's command line on wrong input: its SQLite file readable by its owner only
(and a loud warning that it is not encrypted), a mistyped or wrong --db, absurd ids, a device name
that is a path, a passphrase file that is not text: a clear message, nothing created."""

from __future__ import annotations

import os
import stat

import pytest

from conseiller_app.cli import central as central_cli
from conseiller_app.storage.vault import Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def central(tmp_path, capsys):
    db = tmp_path / "siege" / "siege.db"
    keys = tmp_path / "cles"

    def run(*args, db_path=db):
        capsys.readouterr()
        options = [a for a in args[:2] if a == "--key-passphrase-file"] and list(args[:2])
        rest = args[2:] if options else args
        code = central_cli.main(["--db", str(db_path), "--keys", str(keys), *(options or []), *rest])
        out, err = capsys.readouterr()
        return code, out, err

    run.db = db
    return run


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_base_is_its_owner_s_only_and_status_says_it_is_not_encrypted(central):
    code, _, err = central("init", "--name", "Siège de test")
    assert code == 0, err
    assert "n'est pas chiffrée" in err
    assert mode(central.db) == 0o600
    assert mode(central.db.parent) == 0o700
    for side in central.db.parent.glob("siege.db-*"):
        assert mode(side) & 0o077 == 0
    code, _out, err = central("status")
    assert code == 0 and "ATTENTION" in err and "n'est pas chiffrée" in err and "PostgreSQL" in err
    assert "lisible par d'autres" not in err
    os.chmod(central.db, 0o644)
    code, _out, err = central("status")
    assert "lisible par d'autres" in err and "chmod 600" in err


def test_a_mistyped_db_creates_nothing(central, tmp_path):
    assert central("init")[0] == 0
    typo = tmp_path / "siege" / "siegee.db"
    code, _, err = central("status", db_path=typo)
    assert code == 2 and "introuvable" in err
    assert not typo.exists()


def test_a_db_that_is_not_a_central_base_is_named_so(central, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    Vault.create(tmp_path / "profil", PASSPHRASE, "Marie Dupont", "arrageois").close()
    for path in (junk, tmp_path / "profil" / "coffre.db"):
        before = path.read_bytes()
        code, _, err = central("status", db_path=path)
        assert code == 2 and "n'est pas une base du siège" in err, (code, err)
        assert path.read_bytes() == before


def test_absurd_ids_and_paths_as_device_names(central, tmp_path):
    assert central("init")[0] == 0
    for conflict_id in ("99999999999999999999999", "-1", "0"):
        code, _, err = central("conflicts", "resolve", conflict_id, "--keep", "A")
        assert code == 4 and "Aucun conflit" in err, err
    out_dir = tmp_path / "retour"
    code, _, err = central("publish", "--out", str(out_dir), "--device", "../../etc")
    assert code == 4 and "Appareil inconnu" in err
    assert not out_dir.exists()


def test_a_key_passphrase_file_that_is_not_text(central, tmp_path):
    assert central("init")[0] == 0
    latin1 = tmp_path / "phrase.txt"
    latin1.write_bytes("phrase accentuée très longue".encode("latin-1"))
    code, _, err = central("--key-passphrase-file", str(latin1), "publish", "--out", str(tmp_path / "p"))
    assert code == 4 and "UTF-8" in err
