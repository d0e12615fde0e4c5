"""A full disk: the user gets a plain French message, and nothing is lost or half-written."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from conseiller_app.domain.errors import StorageFull
from conseiller_app.storage.services import Context, beneficiaries
from conseiller_app.storage.vault import Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs (the tests run as root locally and in CI)."""
    mount = tmp_path / f"petit-disque-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("impossible de monter un petit système de fichiers pour le test du disque plein")
        pytest.skip("montage tmpfs impossible ici (droits administrateur nécessaires)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path, leave: int = 0) -> None:
    """Fill the filesystem of ``path`` leaving about ``leave`` bytes."""
    free = os.statvfs(path).f_bavail * os.statvfs(path).f_frsize
    with open(path / "remplissage.bin", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_backup_to_a_full_disk_says_so_and_leaves_nothing(vault, ctx, small_disk):
    beneficiaries.create(ctx, {"last_name": "Dupont", "first_name": "Léa", "birth_date": "1990-01-01",
                               "commune": "Arras", "public": "rsa"})
    fill(small_disk, leave=8192)
    with pytest.raises(StorageFull) as err:
        vault.backup(small_disk / "sauvegarde.db")
    assert "disque est plein" in err.value.message
    assert sorted(p.name for p in small_disk.iterdir()) == ["remplissage.bin"]
    assert vault.check().ok


def test_writes_on_a_full_disk_fail_cleanly_and_keep_acknowledged_data(small_disk):
    folder = small_disk / "profil"
    vault = Vault.create(folder, PASSPHRASE, "Marie Dupont", "arrageois")
    ctx = Context(vault)
    fill(small_disk, leave=40_000)
    saved = []
    with pytest.raises(StorageFull):
        for i in range(10_000):
            saved.append(beneficiaries.create(ctx, {
                "last_name": "Remplissage", "first_name": "Test", "birth_date": "1990-01-01",
                "commune": "Arras", "public": "rsa", "notes": "x" * 2000 + str(i)}))
    vault.close()
    (small_disk / "remplissage.bin").unlink()
    reopened = Vault.open(folder, PASSPHRASE)
    try:
        assert reopened.check().ok
        ctx = Context(reopened)
        for bid in saved:
            assert beneficiaries.get(ctx, bid, record_read=False).last_name == "Remplissage"
    finally:
        reopened.close()


def test_check_on_a_full_disk_says_full_not_damaged(small_disk):
    folder = small_disk / "profil"
    vault = Vault.create(folder, PASSPHRASE, "Marie Dupont", "arrageois")
    try:
        ctx = Context(vault)
        for i in range(5):
            beneficiaries.create(ctx, {"last_name": "Dupont", "first_name": "Léa" + "abcde"[i],
                                       "birth_date": "1990-01-01", "commune": "Arras", "public": "rsa",
                                       "notes": "x" * 3000})
        fill(small_disk, leave=0)
        try:
            report = vault.check()
        except StorageFull as exc:
            assert exc.exit_code == 9
        else:
            assert report.ok, report.problems  # enough room after all: then it must be intact
    finally:
        vault.close()
    (small_disk / "remplissage.bin").unlink()
    reopened = Vault.open(folder, PASSPHRASE)
    try:
        assert reopened.check().ok
    finally:
        reopened.close()
