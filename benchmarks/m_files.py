"""Opening and saving a beneficiary file: the worker operations the file editor runs.

Open = every tab's data (identity, barriers and actions, consents, pathway), the audit trail and
the pending draft, with the read recorded in the audit journal. Save = validation, the update,
the search index when a name changes, the audit and change journals, the draft discarded; its
baseline is a bare ``INSERT`` of the same row committed on the same connection (same
``synchronous=FULL`` commit). Every sample is a different file, picked with the seed.
"""

from __future__ import annotations

import random
import time

from benchmarks.common import Aim, Result
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    from conseiller_app.storage import models as m
    from conseiller_app.storage.services import Context, beneficiaries
    from conseiller_app.storage.vault import Vault
    from conseiller_app.ui.beneficiaries import operations as ops

    folder = cv.working_copy("dossiers")
    vault = Vault.open(folder, PASSPHRASE)
    ctx = Context(vault, today=lambda: TODAY)
    rng = random.Random(cv.seed)
    with vault.raw() as conn:
        all_ids = [r[0] for r in conn.execute("SELECT id FROM beneficiary ORDER BY id")]
    count = max(10, 4 * runs)
    picked = rng.sample(all_ids, 2 * (count + warmup))

    open_result = Result("open_file", "ouvrir un dossier (tous les onglets)", unit="ms",
                         aim=Aim("median", "<", 30), warmup=warmup)
    for i, bid in enumerate(picked[:count + warmup]):
        t = time.perf_counter()
        opened = ops.open_file(ctx, bid)
        seconds = time.perf_counter() - t
        assert opened["data"].id == bid
        if i >= warmup:
            open_result.samples.append(seconds)
    open_result.notes.append("Opération du worker open_file : beneficiaries.get (identité, freins et actions, "
                             "consentements, parcours, lecture journalisée), journal d'audit du dossier, brouillon.")

    save_result = Result("save_file", "enregistrer un dossier (validation, journaux)",
                         unit="ms", aim=Aim("p95", "<", 20), baseline_label="INSERT nu de la même ligne",
                         baseline=[], warmup=warmup)
    table = m.Beneficiary.__table__
    columns = [c.name for c in table.columns]
    insert_sql = f"INSERT INTO beneficiary ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    first_names = ["Aïssatou", "Jean-Michel", "Zoé", "Karim", "Léa", "Théo"]
    for i, bid in enumerate(picked[count + warmup:]):
        version = beneficiaries.get(ctx, bid, record_read=False).version
        if i % 2:
            changes = {"first_name": first_names[i % len(first_names)]}  # renames reindex the search tokens
        else:
            changes = {"phone": f"0612{rng.randint(100000, 999999)}", "notes": f"Entretien du jour ({i})."}
        t = time.perf_counter()
        ops.save_file(ctx, bid, changes, version)
        seconds = time.perf_counter() - t
        with vault.raw() as conn:
            row = list(conn.execute(f"SELECT {', '.join(columns)} FROM beneficiary WHERE id = ?", (bid,)).fetchone())
            row[columns.index("id")] = m.new_id()
            t = time.perf_counter()
            conn.execute("BEGIN")
            conn.execute(insert_sql, row)
            conn.execute("COMMIT")
            bare = time.perf_counter() - t
        if i >= warmup:
            save_result.samples.append(seconds)
            save_result.baseline.append(bare)
    save_result.notes.append(
        "Opération du worker save_file, en alternance : téléphone + notes, puis prénom (réindexation "
        "de la recherche). Référence : INSERT de la ligne obtenue, même connexion, même COMMIT."
    )
    vault.close()
    return [open_result, save_result]
