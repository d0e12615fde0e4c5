"""Made once (format version 1) the sample bundles of ``v1/``, kept so that later versions of the
application prove they still read them (``tests/sync/test_samples.py``). Don't regenerate them
with a newer format: their point is to stay old.

Contents (all fictitious):

* ``siege/``: the keys of a central office made for these tests only — never use them elsewhere;
* ``appareil/coffre.db``: the vault of device A (passphrase ``SAMPLE_PASSPHRASE``), as it was
  just after exporting its two bundles;
* ``paquet-<A>-000001.age``, ``paquet-<A>-000002.age``: its bundles (the second is cumulative
  and adds an update, a tombstone and a session);
* ``siege-<A>-000001.age``: the central office's answer to A, after ingesting A's bundles and
  those of a device B (reference release 1, acknowledgment, B's session);
* ``expected.json``: what the tests check.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

SAMPLE_PASSPHRASE = "paquets échantillons format 1 !"
HERE = Path(__file__).parent / "v1"


def make(target: Path = HERE) -> None:
    sys.path.insert(0, str(Path(__file__).parents[3]))
    from conseiller_app.central import devices, ingest, publish
    from conseiller_app.central.service import init
    from conseiller_app.central.status import status
    from conseiller_app.storage import models as m
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync
    from tests.sync.helpers import add_session, edit

    if target.exists():
        raise SystemExit(f"{target} existe déjà : les échantillons ne se régénèrent pas.")
    target.mkdir(parents=True)
    work = Path(tempfile.mkdtemp())
    central = init(f"sqlite:///{work / 'siege.db'}", target / "siege", "Siège d'essai (clés de test)")
    a = Context(Vault.create(target / "appareil", SAMPLE_PASSPHRASE, "Claire Martin", "lens_lievin", "MDS de Lens",
                             check_policy=False))
    b = Context(Vault.create(work / "b", SAMPLE_PASSPHRASE, "Hugo Lemaire", "arrageois", "MDS d'Arras",
                             check_policy=False))
    enrollment = target / "siege" / "inscription-siege.json"
    for ctx in (a, b):
        sync.enroll(ctx, enrollment)
    awa = beneficiaries.create(a, {"last_name": "N'Diaye", "first_name": "Awa", "birth_date": "2001-02-03",
                                   "commune": "Lens", "public": "jeune"})
    first = Path(sync.export(a, target).path)
    beneficiaries.update(a, awa, {"phone": "0612345678"})
    gone = beneficiaries.create(a, {"last_name": "Lefèvre", "first_name": "Jérôme", "birth_date": "1980-05-12",
                                    "commune": "Arras", "public": "rsa", "caf_number": "1234567"})
    edit(a, m.Beneficiary, gone, deleted_at=m.utcnow())
    add_session(a, "Atelier BTP Lens", territory="lens_lievin")
    second = Path(sync.export(a, target).path)
    b_session = add_session(b, "Atelier BTP Arras")
    b_bundle = Path(sync.export(b, work).path)
    a.vault.checkpoint()
    a.vault.close()

    for f in (first, second):
        ingest.ingest_file(central, f)
    [device_a] = devices.list_devices(central)
    devices.approve(central, device_a["id"])
    records_from_a = {k: asdict(v) for k, v in status(central).records.items()}
    ingest.ingest_file(central, b_bundle)
    for d in devices.list_devices(central):
        devices.approve(central, d.id)
    a_id = device_a["id"]
    [answer] = publish.publish(central, target, [a_id])
    expected = {
        "device_a": a_id,
        "bundles_a": [first.name, second.name],
        "central_bundle": Path(answer.file or "").name,
        "records_from_a": records_from_a,
        "shared_session_from_b": b_session,
        "reference_version": answer.reference_version,
        "ack_changes": answer.ack["changes"],
    }
    central.close()
    b.vault.close()
    (target / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for extra in target.glob("appareil/*-wal"):
        extra.unlink()
    shutil.rmtree(target / "appareil" / "journaux", ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    make()
