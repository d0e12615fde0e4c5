"""Printed documents on the big vault: a referral form (fiche de liaison) and the attendance sheet
(feuille d'émargement) of a 30-person session: query + render + atomic write of the PDF, what the
conseiller waits for. reportlab's one-off warm-up (fonts) runs before, as the application does
after unlocking (``reports.common.warm_up``)."""

from __future__ import annotations

import random
import time

from benchmarks.common import Aim, Result
from benchmarks.vaults import PASSPHRASE, TODAY, CachedVault


def measure(cv: CachedVault, runs: int, warmup: int = 1) -> list[Result]:
    from conseiller_app.domain.errors import AppError
    from conseiller_app.reports import attendance_sheet, referral_form
    from conseiller_app.reports.common import warm_up
    from conseiller_app.storage.services import Context, referrals, sessions
    from conseiller_app.storage.vault import Vault

    folder = cv.working_copy("documents")
    out = folder / "pdf"
    out.mkdir()
    vault = Vault.open(folder, PASSPHRASE)
    ctx = Context(vault, today=lambda: TODAY)
    rng = random.Random(cv.seed)
    warm_up()
    count = max(10, 2 * runs)

    with vault.raw() as conn:
        references = [r[0] for r in conn.execute("SELECT reference FROM referral ORDER BY reference")]
        active = [r[0] for r in conn.execute("SELECT id FROM beneficiary WHERE status = 'actif' ORDER BY id")]
    form = Result("referral_form", "fiche de liaison PDF", unit="ms",
                  aim=Aim("median", "<", 80), warmup=warmup)
    refused = 0
    for ref in rng.sample(references, min(len(references), 3 * (count + warmup))):
        if len(form.samples) >= count:
            break
        t = time.perf_counter()
        try:
            referral_form.write(out / f"{ref}.pdf", referrals.form_data(ctx, ref))
        except AppError:  # e.g. a demo referral whose consent does not cover the agency
            refused += 1
            continue
        seconds = time.perf_counter() - t
        if warmup:
            warmup -= 1
            continue
        form.samples.append(seconds)
    form.extra["refused_referrals_skipped"] = refused

    sid = sessions.create(ctx, {"kind": "decouverte", "title": "Découverte maçonnerie — banc d'essai",
                                "start_date": "2026-12-07", "end_date": "2026-12-11", "commune": "Arras",
                                "capacity": 30}).id
    registered = 0
    for bid in rng.sample(active, 200):
        if registered == 30:
            break
        try:
            sessions.register(ctx, sid, bid)
            registered += 1
        except AppError:
            continue
    sheet = Result("attendance_sheet", "feuille d'émargement PDF, 30 personnes", unit="ms",
                   aim=Aim("median", "<", 150), warmup=form.warmup)
    for i in range(sheet.warmup + count):
        t = time.perf_counter()
        attendance_sheet.write(out / f"emargement-{i}.pdf", sessions.sheet_data(ctx, sid))
        seconds = time.perf_counter() - t
        if i >= sheet.warmup:
            sheet.samples.append(seconds)
    sheet.extra["participants"] = registered
    vault.close()
    return [form, sheet]
