"""The encrypted vault: fail closed, wrong passphrase, no plaintext, rekey, backup/restore,
integrity, migrations."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from conseiller_app.domain.errors import (
    IntegrityProblem,
    PassphraseTooWeak,
    VaultExists,
    VaultNotFound,
    WrongPassphrase,
)
from conseiller_app.storage import cipher, migrate
from conseiller_app.storage.models import Beneficiary
from conseiller_app.storage.services import Context, beneficiaries, search
from conseiller_app.storage.vault import Vault, vault_path
from tests.conftest import OTHER_PASSPHRASE, PASSPHRASE

CANARY_LAST = "Zyxwvutsrqcanari"
CANARY_FIRST = "Quokkaprénom"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def add_person(ctx, last="Lefèvre", first="Jérôme", **extra) -> str:
    data = {"last_name": last, "first_name": first, "birth_date": "1980-05-12", "commune": "Arras", "public": "rsa"}
    data.update(extra)
    return beneficiaries.create(ctx, data)


def test_new_vault_is_encrypted_and_reopens(vault, data_dir):
    head = vault_path(data_dir).read_bytes()[:16]
    assert head != cipher.PLAINTEXT_HEADER
    vault.close()
    again = Vault.open(data_dir, PASSPHRASE)
    with again.session() as s:
        assert s.scalar(select(Beneficiary).limit(1)) is None
    again.close()


def test_connection_pragmas_are_the_safe_ones(vault):
    with vault.raw() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -cipher.CACHE_KIB
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA kdf_iter").fetchone()[0] == "256000"
        assert conn.execute("PRAGMA cipher_version").fetchone()[0]


def test_wrong_passphrase_is_refused_and_changes_nothing(vault, data_dir):
    vault.close()
    before = snapshot(data_dir)
    with pytest.raises(WrongPassphrase) as err:
        Vault.open(data_dir, "pas la bonne phrase de passe du tout")
    assert "incorrecte" in err.value.message
    assert err.value.exit_code == 3
    assert snapshot(data_dir) == before


def test_opening_a_missing_vault_never_creates_one(tmp_path):
    with pytest.raises(VaultNotFound):
        Vault.open(tmp_path / "nulle-part", PASSPHRASE)
    assert not (tmp_path / "nulle-part").exists()


def test_plaintext_database_is_refused(tmp_path):
    folder = tmp_path / "clair"
    folder.mkdir()
    plain = sqlite3.connect(folder / "coffre.db")
    plain.execute("create table t(x)")
    plain.commit()
    plain.close()
    with pytest.raises(IntegrityProblem) as err:
        Vault.open(folder, PASSPHRASE)
    assert "non chiffrée" in err.value.message


def test_create_refuses_existing_vault_and_weak_passphrase(vault, data_dir, tmp_path):
    before = snapshot(data_dir)
    with pytest.raises(VaultExists):
        Vault.create(data_dir, PASSPHRASE, "Autre Nom", "arrageois")
    assert snapshot(data_dir) == before
    with pytest.raises(PassphraseTooWeak) as err:
        Vault.create(tmp_path / "faible", "motdepasse", "Marie Dupont", "arrageois")
    assert any("12 caractères" in r for r in err.value.reasons)
    assert not vault_path(tmp_path / "faible").exists()


def test_no_plaintext_anywhere_in_the_data_folder(vault, data_dir, ctx, tmp_path):
    """Canary names written through every path (db, -wal while open, backups, logs) never
    appear in clear in any file under the data folder."""
    from conseiller_app.logs import configure

    configure(data_dir)
    bid = add_person(ctx, CANARY_LAST, CANARY_FIRST, caf_number="7654321", email="quokka@exemple.fr")
    beneficiaries.update(ctx, bid, {"notes": f"Rencontre avec {CANARY_FIRST} au forum"})
    beneficiaries.get(ctx, bid)
    search.search(ctx, CANARY_LAST[:5])
    vault.backup(data_dir / "sauvegardes" / "manuelle.db")

    def scan():
        files = [p for p in data_dir.rglob("*") if p.is_file()]
        # The scan reads every kind of file the issue names: the vault, its backup, the log.
        assert {"coffre.db", "manuelle.db"} <= {p.name for p in files}  # the log is written when something is logged
        for p in files:
            blob = p.read_bytes()
            for canary in (CANARY_LAST, CANARY_FIRST, "quokka@exemple", "7654321"):
                for enc in ("utf-8", "utf-16-le"):
                    assert canary.encode(enc) not in blob, f"{canary} en clair dans {p.name}"
                assert canary.lower().encode() not in blob
        return files

    open_files = scan()  # while the vault is open (WAL not checkpointed)
    assert any(p.name == "coffre.db-wal" for p in open_files)
    vault.close()
    scan()


def test_rekey_only_new_passphrase_opens_after_checkpoint_and_restart(vault, data_dir, ctx):
    bid = add_person(ctx)
    vault.rekey(OTHER_PASSPHRASE)
    # Still usable in this process, and a write after the rekey is kept.
    beneficiaries.update(ctx, bid, {"phone": "0612345678"})
    vault.checkpoint()
    vault.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(data_dir, PASSPHRASE)
    reopened = Vault.open(data_dir, OTHER_PASSPHRASE)
    with reopened.session() as s:
        assert s.get(Beneficiary, bid).phone == "+33612345678"
    assert reopened.check().ok
    reopened.close()
    leftovers = [p.name for p in data_dir.iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []


def test_rekey_refuses_weak_passphrase_and_keeps_old_one(vault, data_dir):
    with pytest.raises(PassphraseTooWeak):
        vault.rekey("court")
    vault.close()
    Vault.open(data_dir, PASSPHRASE).close()


def test_backup_opens_with_same_passphrase_and_restore_brings_data_back(vault, data_dir, ctx, tmp_path):
    kept_id = add_person(ctx, "Avant", "Sauvegarde")
    out = tmp_path / "sauvegarde.db"
    vault.backup(out)
    assert out.read_bytes()[:16] != cipher.PLAINTEXT_HEADER
    later_id = add_person(ctx, "Apres", "Sauvegarde")
    vault.close()

    conn = cipher.connect(out, PASSPHRASE)  # the backup is a vault of its own
    conn.close()
    with pytest.raises(WrongPassphrase):
        cipher.connect(out, OTHER_PASSPHRASE)

    previous = Vault.restore(data_dir, out, PASSPHRASE)
    assert previous is not None and previous.exists()
    restored = Vault.open(data_dir, PASSPHRASE)
    with restored.session() as s:
        assert s.get(Beneficiary, kept_id) is not None
        assert s.get(Beneficiary, later_id) is None
    assert restored.check().ok
    restored.close()
    # The replaced vault was kept and still holds the later file.
    kept = Vault(previous.parent, PASSPHRASE)  # open the kept copy directly
    kept.path = previous
    conn = cipher.connect(previous, PASSPHRASE)
    assert conn.execute("select count(*) from beneficiary").fetchone()[0] == 2
    conn.close()
    kept.close()


@pytest.mark.parametrize("kind", ["random", "plaintext", "truncated", "wrong-passphrase"])
def test_restore_refuses_invalid_backups_and_keeps_the_vault(vault, data_dir, ctx, tmp_path, kind):
    add_person(ctx)
    good = tmp_path / "bonne.db"
    vault.backup(good)
    vault.close()
    before = snapshot(data_dir)
    bad = tmp_path / "mauvaise.db"
    if kind == "random":
        bad.write_bytes(b"\x8f" * 50_000)
    elif kind == "plaintext":
        c = sqlite3.connect(bad)
        c.execute("create table beneficiary(x)")
        c.commit()
        c.close()
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: 4096 * 3 + 100])
    else:
        bad = good
    secret = OTHER_PASSPHRASE if kind == "wrong-passphrase" else PASSPHRASE
    with pytest.raises((IntegrityProblem, WrongPassphrase)):
        Vault.restore(data_dir, bad, secret)
    assert snapshot(data_dir) == before
    Vault.open(data_dir, PASSPHRASE).close()


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0x01]))


def test_flipped_byte_is_detected(vault, data_dir, ctx):
    for i in range(30):
        add_person(ctx, "Personne", f"Numéro {chr(65 + i % 26)}")
    vault.checkpoint()
    vault.close()
    path = vault_path(data_dir)
    pages = path.stat().st_size // 4096
    _flip_byte(path, 4096 * (pages // 2) + 1000)
    try:
        v = Vault.open(data_dir, PASSPHRASE)
    except IntegrityProblem:
        return  # detected at open: fine
    report = v.check()
    v.close()
    assert not report.ok
    assert any("altérée" in p or "endommagé" in p for p in report.problems)


def _schema_child_pages(path: Path, passphrase: str) -> list[int]:
    """The pages of the schema table other than page 1, read by decrypting page 1 as SQLCipher 4
    lays it out (16-byte salt, AES-256-CBC, 16-byte IV then 64-byte HMAC at the page's end)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = path.read_bytes()[:4096]
    salt = raw[:16]
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode(), salt, 256_000, 32)
    iv = raw[4096 - 80:4096 - 64]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    page = b"SQLite format 3\0" + decryptor.update(raw[16:4096 - 80]) + decryptor.finalize()
    assert page[100] == 0x05, "le schéma tient dans une seule page : test impossible"
    cells = int.from_bytes(page[103:105], "big")
    children = [int.from_bytes(page[108:112], "big")]
    for i in range(cells):
        offset = int.from_bytes(page[112 + 2 * i:114 + 2 * i], "big")
        children.append(int.from_bytes(page[offset:offset + 4], "big"))
    return children


def test_a_damaged_schema_page_is_reported_as_damage_not_as_a_wrong_passphrase(vault, data_dir):
    """The right passphrase on a vault whose schema has a flipped byte past the first page: the
    conseiller is told the vault is damaged (restore a backup), not to retype the passphrase."""
    vault.checkpoint()
    vault.close()
    path = vault_path(data_dir)
    child = _schema_child_pages(path, PASSPHRASE)[0]
    _flip_byte(path, 4096 * (child - 1) + 1000)
    with pytest.raises(IntegrityProblem) as info:
        Vault.open(data_dir, PASSPHRASE)
    assert "endommagé" in info.value.message and "restore" in info.value.message
    with pytest.raises(WrongPassphrase):
        Vault.open(data_dir, OTHER_PASSPHRASE)


def test_audit_chain_tampering_is_detected(vault, ctx):
    bid = add_person(ctx)
    beneficiaries.get(ctx, bid)
    assert vault.check().ok
    with vault.raw() as conn:
        with pytest.raises(cipher.DatabaseError):
            conn.execute("UPDATE audit_log SET action = 'x'")  # append-only trigger
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET action = 'read' WHERE action = 'create'")
    report = vault.check()
    assert not report.ok
    assert any("journal d'audit" in p for p in report.problems)


# --- migrations -------------------------------------------------------------------------------


def test_models_and_migrations_agree(vault):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from conseiller_app.storage.tables import metadata

    with vault.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True, "include_object":
                                                   lambda o, n, t, r, c: n != "alembic_version"})
        assert compare_metadata(mc, metadata) == []
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_new_vault_is_created_at_head_through_the_migrations(vault):
    with vault.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        names = {r[0] for r in conn.exec_driver_sql("select name from sqlite_schema where type='trigger'")}
    assert {"audit_log_no_update", "audit_log_no_delete"} <= names


def test_older_vault_is_backed_up_then_upgraded(tmp_path):
    from tests.data.make_vault_rev0001 import SAMPLE_PASSPHRASE

    sample = Path(__file__).parent.parent / "data" / "vault-rev0001"
    folder = tmp_path / "ancien"
    shutil.copytree(sample, folder)
    vault = Vault.open(folder, SAMPLE_PASSPHRASE)
    try:
        with vault.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        backups = list((folder / "sauvegardes").glob("avant-migration-*.db"))
        assert len(backups) == 1
        conn = cipher.connect(backups[0], SAMPLE_PASSPHRASE)
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0001"
        conn.close()
        ctx = Context(vault)
        assert [r.last_name for r in search.search(ctx, "ndiaye")] == ["N'Diaye"]
        assert [r.last_name for r in search.search(ctx, "lefevre")] == ["Lefèvre"]
        from conseiller_app.storage.services import drafts

        drafts.save(ctx, "essai", {"a": 1})  # the table added by revision 0002 works
        assert drafts.load(ctx, "essai") == {"a": 1}
        assert vault.check().ok
    finally:
        vault.close()


def test_vault_from_a_newer_application_is_refused(vault, data_dir):
    with vault.raw() as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    vault.close()
    with pytest.raises(IntegrityProblem) as err:
        Vault.open(data_dir, PASSPHRASE)
    assert "plus récente" in err.value.message
