"""Time the printed documents: one referral form (target: well under 100 ms) and the attendance
sheet of a 30-person session. Run: ``.venv/bin/python benchmarks/reports_bench.py``.

Builds a throw-away vault in a temporary folder; measures rendering (data → PDF bytes) and the
whole print path (service query + render + atomic write)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from conseiller_app.reports import attendance_sheet, referral_form  # noqa: E402
from conseiller_app.storage.services import Context, beneficiaries, followup, referrals, sessions  # noqa: E402
from conseiller_app.storage.vault import Vault  # noqa: E402

AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"
RUNS = 30


def timed(fn, runs: int = RUNS) -> tuple[float, float, float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return min(samples), statistics.median(samples), max(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(Path(tmp) / "v", "cheval agrafe batterie correcte 7", "Marie Dupont", "arrageois",
                             "MDS Arras", check_policy=False)
        ctx = Context(vault, today=lambda: date(2026, 11, 28))
        bid = beneficiaries.create(
            ctx,
            {
                "last_name": "Lefèvre-N'Diaye",
                "first_name": "Zoé",
                "birth_date": "1990-04-05",
                "commune": "Arras",
                "public": "rsa",
                "phone": "0612345678",
            },
        )
        followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
        followup.record_consent(ctx, bid, partner_kind="agence", partner_name="x", partner_id=AGENCY,
                                scope=["identite", "contact", "parcours", "freins"])
        ref = referrals.create(ctx, bid, AGENCY, "cipi", trades=["macon"], barriers_summary="Permis en cours.").reference
        sid = sessions.create(ctx, {"kind": "decouverte", "title": "Découverte maçonnerie", "start_date": "2026-12-07",
                                    "end_date": "2026-12-11", "commune": "Arras", "capacity": 30}).id
        for i in range(30):
            p = beneficiaries.create(ctx, {"last_name": f"Dupré{chr(65 + i % 26)}", "first_name": "Aïssatou",
                                           "birth_date": "1991-02-03", "commune": "Arras", "public": "autre"})
            sessions.register(ctx, sid, p)

        from conseiller_app.reports.common import warm_up

        data = referrals.form_data(ctx, ref)
        t = time.perf_counter()
        warm_up()
        warm = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        referral_form.render(data)
        first = (time.perf_counter() - t) * 1000
        print(f"Préchauffage (polices, caches reportlab), une fois par processus : {warm:.1f} ms")
        print(f"Fiche de liaison, premier rendu après préchauffage : {first:.1f} ms")
        lo, med, hi = timed(lambda: referral_form.render(data))
        print(f"Fiche de liaison, rendu seul        : médiane {med:.1f} ms (min {lo:.1f}, max {hi:.1f}, {RUNS} essais)")
        out = Path(tmp) / "out"
        lo, med, hi = timed(lambda: referral_form.write(out / f"{ref}.pdf", referrals.form_data(ctx, ref)))
        print(
            f"Fiche de liaison, requête + rendu + écriture atomique : médiane {med:.1f} ms (min {lo:.1f}, max {hi:.1f})"
        )

        sheet = sessions.sheet_data(ctx, sid)
        lo, med, hi = timed(lambda: attendance_sheet.render(sheet))
        print(f"Feuille d'émargement 30 personnes × 5 jours, rendu : médiane {med:.1f} ms (min {lo:.1f}, max {hi:.1f})")
        lo, med, hi = timed(lambda: attendance_sheet.write(out / "emargement.pdf", sessions.sheet_data(ctx, sid)), 10)
        print(f"Feuille d'émargement, requête + rendu + écriture : médiane {med:.1f} ms (min {lo:.1f}, max {hi:.1f})")
        vault.close()


if __name__ == "__main__":
    main()
