"""Made once (format version 2) the sample bundles of ``v2/``: format 2 is format 1 plus the signed
manifest's ``demo`` mark, written only for fictitious data (a demo vault and a training central
office, « conseiller-central init --demo »). Kept so that later versions of the application prove
they still read them (``tests/sync/test_samples.py``). Don't regenerate them.

Contents (all fictitious):

* ``siege/``: the keys of a training central office made for these tests only, and its
  enrollment file (format 2, ``"demo": true``);
* ``appareil/coffre.db``: a demo vault (passphrase ``SAMPLE_PASSPHRASE`` of ``make_bundles``,
  eight generated files), as it was just after exporting its bundle;
* ``paquet-<D>-000001.age``: its bundle (format 2, marked demo);
* ``siege-<D>-000001.age``: the training central office's answer (format 2, marked demo);
* ``expected.json``: what the tests check.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent / "v2"


def make(target: Path = HERE) -> None:
    sys.path.insert(0, str(Path(__file__).parents[3]))
    from conseiller_app.central import devices, ingest, publish
    from conseiller_app.central.service import DEMO_NAME, init
    from conseiller_app.central.status import status
    from conseiller_app.storage import demo
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync import service as sync
    from tests.data.bundles.make_bundles import SAMPLE_PASSPHRASE

    if target.exists():
        raise SystemExit(f"{target} existe déjà : les échantillons ne se régénèrent pas.")
    target.mkdir(parents=True)
    work = Path(tempfile.mkdtemp())
    central = init(f"sqlite:///{work / 'siege.db'}", target / "siege", DEMO_NAME, demo=True)
    vault = Vault.create(target / "appareil", SAMPLE_PASSPHRASE, "Conseillère Démo", "audomarois", "MDS",
                         check_policy=False)
    demo.generate(vault, 8, seed=11, today=date(2026, 11, 28))
    ctx = Context(vault)
    sync.enroll(ctx, target / "siege" / "inscription-siege.json")
    bundle = Path(sync.export(ctx, target).path)
    device_id = sync.identity(ctx).device_id
    vault.checkpoint()
    vault.close()

    ingest.ingest_file(central, bundle)
    devices.approve(central, device_id)
    [answer] = publish.publish(central, target, [device_id])
    expected = {
        "device": device_id,
        "bundle": bundle.name,
        "central_bundle": Path(answer.file or "").name,
        "records": {k: asdict(v) for k, v in status(central).records.items()},
        "reference_version": answer.reference_version,
    }
    central.close()
    (target / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for extra in target.glob("appareil/*-wal"):
        extra.unlink()
    shutil.rmtree(target / "appareil" / "journaux", ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    make()
