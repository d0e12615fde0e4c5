"""Made once (at revision 0001) the sample vault ``vault-rev0001/coffre.db`` kept for upgrade tests.

Passphrase: see ``SAMPLE_PASSPHRASE``. Two fictitious files: N'Diaye Awa (Lens) and Lefèvre
Jérôme (Arras). Don't regenerate it with a newer schema: its point is to stay old.
"""

from pathlib import Path

from conseiller_app.storage import cipher, migrate
from conseiller_app.storage.services import Context, beneficiaries
from conseiller_app.storage.vault import Vault

SAMPLE_PASSPHRASE = "échantillon révision un 0001 !"


def make(folder: Path) -> None:
    from conseiller_app.storage import reference
    from conseiller_app.storage.profile import create_owner

    folder.mkdir(parents=True)
    cipher.connect(folder / "coffre.db", SAMPLE_PASSPHRASE, create=True).close()
    vault = Vault(folder, SAMPLE_PASSPHRASE)
    with vault.engine.begin() as c:
        migrate.upgrade(c, "0001")
    with vault.session() as s:
        reference.load_shipped(s)
        create_owner(s, name="Claire Martin", territory="lens_lievin", office="MDS de Lens")
    ctx = Context(vault)
    beneficiaries.create(ctx, {"last_name": "N'Diaye", "first_name": "Awa", "birth_date": "2001-02-03",
                               "commune": "Lens", "public": "jeune"})
    beneficiaries.create(ctx, {"last_name": "Lefèvre", "first_name": "Jérôme", "birth_date": "1980-05-12",
                               "commune": "Arras", "public": "rsa", "caf_number": "1234567"})
    vault.checkpoint()
    vault.close()


if __name__ == "__main__":
    make(Path(__file__).parent / "vault-rev0001")
