"""Fault injection on the disk, through the real command line: a read-only folder, a full small
filesystem, a truncated or damaged vault, a passphrase file that is not text. Each gives its own
exit code and a true French message (never « Phrase de passe incorrecte » with the right
passphrase, never hundreds of « Logging error » lines), and the vault is intact afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def run(folder: Path, *args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CONSEILLER_PASSPHRASE"}
    if passphrase is not None:
        env["CONSEILLER_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "-m", "conseiller_app", "--data-dir", str(folder), *args],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def init_and_add(folder: Path, n: int = 3) -> list[str]:
    r = run(folder, "init", "--name", "Marie Dupont", "--territory", "Arrageois")
    assert r.returncode == 0, r.stderr
    ids = []
    for i in range(n):
        r = run(folder, "beneficiary", "add", "--last-name", "Dupont", "--first-name", "Léa" + "abc"[i],
                "--birth-date", "1990-01-01", "--commune", "Arras", "--public", "rsa")
        assert r.returncode == 0, r.stderr
        ids.append(r.stdout.strip())
    return ids


def assert_intact(folder: Path, ids: list[str]) -> None:
    r = run(folder, "check", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"]
    for bid in ids:
        r = run(folder, "beneficiary", "show", bid, "--json")
        assert r.returncode == 0 and json.loads(r.stdout)["last_name"] == "Dupont"


@pytest.fixture
def small_fs(tmp_path):
    """An 8 MiB tmpfs of its own (the tests run as root locally and in CI, where it must work)."""
    mount = tmp_path / f"petit-disque-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("montage d'un petit système de fichiers impossible en CI : " + r.stderr.decode(errors="replace"))
        pytest.skip("montage d'un petit système de fichiers (tmpfs) impossible ici : il faut les droits "
                    "administrateur (root), que la CI a")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def remount(mount: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount)], check=True, capture_output=True)


def test_a_read_only_folder_says_so_not_wrong_passphrase(small_fs):
    folder = small_fs / "profil"
    ids = init_and_add(folder)
    remount(small_fs, "ro")
    try:
        for args in (["check"], ["beneficiary", "search", "dupont"], ["beneficiary", "add", "--last-name", "Autre",
                     "--first-name", "Paul", "--birth-date", "1990-01-01", "--commune", "Arras", "--public", "rsa"]):
            r = run(folder, *args)
            assert r.returncode == 8, (args, r.returncode, r.stderr)
            assert "lecture seule" in r.stderr
            assert "Phrase de passe incorrecte" not in r.stderr and "Logging error" not in r.stderr
    finally:
        remount(small_fs, "rw")
    assert_intact(folder, ids)


def fill(mount: Path) -> Path:
    filler = mount / "remplissage.bin"
    # Unbuffered: a buffered file keeps the bytes that did not fit and fails again on close,
    # depending on where the free space ends (it did once the vault grew by a few pages).
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_says_so_in_a_few_lines(small_fs):
    folder = small_fs / "profil"
    ids = init_and_add(folder)
    filler = fill(small_fs)
    for args in (["check"], ["beneficiary", "add", "--last-name", "Autre", "--first-name", "Paul",
                             "--birth-date", "1990-01-01", "--commune", "Arras", "--public", "rsa"]):
        r = run(folder, *args)
        assert r.returncode == 9, (args, r.returncode, r.stderr)
        assert "disque est plein" in r.stderr
        assert "Phrase de passe incorrecte" not in r.stderr and "endommagé" not in r.stderr
        assert "Logging error" not in r.stderr and len(r.stderr.splitlines()) <= 3, r.stderr
    filler.unlink()
    assert_intact(folder, ids)


def test_a_truncated_vault_is_damaged_not_a_wrong_passphrase(tmp_path):
    folder = tmp_path / "profil"
    ids = init_and_add(folder)
    r = run(folder, "backup", "--out", str(tmp_path / "sauvegarde.db"))
    assert r.returncode == 0, r.stderr
    vault_file = folder / "coffre.db"
    size = vault_file.stat().st_size
    with open(vault_file, "r+b") as fh:
        fh.truncate(size // 2)
    damaged = vault_file.read_bytes()
    r = run(folder, "check")
    assert r.returncode == 5, r.stderr
    assert "endommagé" in r.stderr and "Phrase de passe incorrecte" not in r.stderr
    assert vault_file.read_bytes() == damaged  # the command made nothing worse
    r = run(folder, "check", passphrase="une tout autre phrase de passe 9")
    assert r.returncode == 3  # a wrong passphrase is still told as such
    r = run(folder, "restore", "--from", str(tmp_path / "sauvegarde.db"))
    assert r.returncode == 0, r.stderr
    assert_intact(folder, ids)


def test_a_damaged_second_page_is_an_integrity_problem(tmp_path):
    folder = tmp_path / "profil"
    init_and_add(folder, n=1)
    with open(folder / "coffre.db", "r+b") as fh:
        fh.seek(4096 + 100)  # page 2: what the migration check reads first
        fh.write(os.urandom(64))
    r = run(folder, "check")
    assert r.returncode == 5, (r.returncode, r.stderr)
    assert "endommagé" in r.stderr or "altérée" in r.stderr


def test_a_passphrase_file_that_is_not_text_is_invalid_input(tmp_path):
    folder = tmp_path / "profil"
    init_and_add(folder, n=1)
    latin1 = tmp_path / "phrase.txt"
    latin1.write_bytes("cheval agrafé batterie".encode("latin-1"))
    for args in (["--passphrase-file", str(latin1), "check"], ["rekey", "--new-passphrase-file", str(latin1)]):
        r = run(folder, *args)
        assert r.returncode == 4, (args, r.returncode, r.stderr)
        assert "UTF-8" in r.stderr


def test_backup_onto_a_folder_or_inside_the_vault_folder_is_refused(tmp_path):
    folder = tmp_path / "profil"
    init_and_add(folder, n=1)
    target_dir = tmp_path / "cle-usb"
    target_dir.mkdir()
    r = run(folder, "backup", "--out", str(target_dir))
    assert r.returncode == 4 and "dossier" in r.stderr
    assert list(target_dir.iterdir()) == []
    r = run(folder, "backup", "--out", str(folder / "coffre.db-wal"))
    assert r.returncode == 4 and "dossier du coffre" in r.stderr
    r = run(folder, "restore", "--from", str(folder / "coffre.db"))
    assert r.returncode == 2 and "coffre lui-même" in r.stderr
    r = run(folder, "backup", "--out", str(folder / "sauvegardes" / "manuelle.db"))
    assert r.returncode == 0, r.stderr
    shutil.rmtree(target_dir)
