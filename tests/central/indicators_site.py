"""A training central office with fictitious data, for the console's Indicateurs page: demo vaults
(the demo generator's files) synced to it through real bundles, then approved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conseiller_app.central import devices, ingest
from conseiller_app.central.service import DEMO_NAME, init
from conseiller_app.storage import demo
from conseiller_app.storage import models as m
from conseiller_app.storage.profile import owner
from conseiller_app.storage.services import Context
from conseiller_app.storage.vault import Vault
from conseiller_app.sync import service as sync
from tests.central.console_helpers import add_staff
from tests.sync.helpers import PASSPHRASE

#: A conseiller's name as a hostile (or altered) device could send it: the console must show it as text.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> Zoé & « Co »'
TODAY = date(2026, 11, 28)


def demo_vault(folder: Path, name: str, territory: str, files: int, seed: int) -> Context:
    vault = Vault.create(folder, PASSPHRASE, name, territory, "MDS", check_policy=False)
    demo.generate(vault, files, seed=seed, today=TODAY)
    return Context(vault, today=lambda: TODAY)


def rename_owner(ctx: Context, name: str) -> None:
    """Set the vault owner's name without the services' checks (what an altered device sends)."""
    with ctx.vault.session() as s:
        s.get(m.Conseiller, owner(s).id).name = name


def build(tmp_path: Path, *, hostile: bool = False):
    """(central, keys folder, {name: device id}) with two or three approved demo devices."""
    keys = tmp_path / "cles"
    url = f"sqlite:///{tmp_path / 'siege.db'}"
    central = init(url, keys, DEMO_NAME, demo=True)
    for who in ("admin", "charge", "partenaire"):
        add_staff(central, who)
    specs = [("Claire Martin", "arrageois", 60, 1), ("Nadia Lefebvre", "lens_lievin", 45, 2)]
    if hostile:
        specs.append(("Zoé Hostile", "audomarois", 12, 3))
    ids = {}
    for name, territory, files, seed in specs:
        ctx = demo_vault(tmp_path / f"v-{seed}", name, territory, files, seed)
        try:
            if name == "Zoé Hostile":
                rename_owner(ctx, HOSTILE)
            sync.enroll(ctx, keys / "inscription-siege.json")
            out = tmp_path / f"usb-{seed}"
            out.mkdir()
            exported = sync.export(ctx, out)
            ingest.ingest_file(central, Path(exported.path))
            ids[name] = sync.identity(ctx).device_id
        finally:
            ctx.vault.close()
        devices.approve(central, ids[name])
    return central, keys, url, ids
