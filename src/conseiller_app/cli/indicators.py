"""``conseiller indicators``: the convention's indicators (article 5-1) of this vault, and
``--explain NAME`` for the files behind one figure. JSON keys are stable (README, « Indicateurs »)."""

from __future__ import annotations

import argparse

from conseiller_app.cli.common import out, print_json, vault_context
from conseiller_app.domain import indicators as I
from conseiller_app.domain.errors import UsageError
from conseiller_app.domain.facts import format_euros


def _pct(rate: I.Rate) -> str:
    if rate.rate is None:
        return "non calculable (aucune sortie comptée)"
    value = f"{100 * rate.rate:.1f}".replace(".", ",")
    return (f"{value}\u00a0% ({rate.dynamic} sortie{'s' if rate.dynamic > 1 else ''} dynamique"
            f"{'s' if rate.dynamic > 1 else ''} sur {rate.counted})")


def _days(d: I.Delay) -> str:
    if d.median is None:
        return "non mesurable"
    return f"{d.median:g}".replace(".", ",") + f" jours (sur {d.count} parcours)"


def _period(f: I.Filters) -> str:
    if f.start and f.end:
        return f"du {f.start:%d/%m/%Y} au {f.end:%d/%m/%Y}"
    if f.start:
        return f"depuis le {f.start:%d/%m/%Y}"
    if f.end:
        return f"jusqu'au {f.end:%d/%m/%Y}"
    return "toutes dates"


def print_report(r: I.IndicatorReport) -> None:
    f = r.filters
    scope = [_period(f)] + [f"{label} : {value}" for label, value in (
        ("territoire", f.territory), ("chantier", f.chantier), ("public", f.public), ("agence", f.agency_id),
        ("dispositif", f.scheme), ("référent", f.referent_id)) if value]
    out(f"Indicateurs de la convention (article 5-1) — {', '.join(scope)}")
    out(f"1. SPOTT en lien avec les grands chantiers : {r.spott_grands_chantiers}")
    out(f"2. Personnes positionnées par les agences d'emploi sur les actions préparatoires : {r.positioned_by_agencies}")
    out(f"3. Taux d'insertion après le parcours : {_pct(r.insertion_all)}")
    out(f"   Département : {_pct(r.insertion_departement)}")
    out(f"   Agences d'emploi : {_pct(r.insertion_agencies)}")
    out(f"   (sorties neutres hors taux : {r.insertion_all.neutral})")
    out(f"4. Parcours prévention finalisés : {r.prevention_completed}")
    made = ", ".join(f"{label.lower()} {r.pci_recommendations[code][0]}" for code, label in _rec_labels()
                     if r.pci_recommendations.get(code, (0,))[0])
    out(f"5. Points Conseils Intérimaire : {r.pci_count}" + (f" — préconisations : {made}" if made else ""))
    out(f"6. Montant investi par le FPETT : {format_euros(r.fpett_total)} "
        f"({', '.join(f'{k} {format_euros(v)}' for k, v in r.fpett_by_line.items())})")
    allocated = "non transmis par le siège" if r.aktiv_allocated is None else format_euros(r.aktiv_allocated)
    out(f"7. Enveloppe AKTIV compétences : allouée {allocated}, engagée {format_euros(r.aktiv_committed)}")
    out(f"8. Montant investi par le Département : {format_euros(r.departement_total)} "
        f"({', '.join(f'{k} {format_euros(v)}' for k, v in r.departement_by_line.items())})")
    out("")
    out("Parcours (personnes repérées dans la période) : atteint / aujourd'hui")
    for s in r.funnel:
        out(f"  {s.label:<34} {s.reached:>6} / {s.current}")
    out("Délais médians :")
    for key, label in (("spotting_to_atelier", "repérage → premier atelier"),
                       ("atelier_to_agency", "atelier → agence"), ("agency_to_mission", "agence → mission")):
        out(f"  {label} : {_days(r.delays[key])}")
    barriers = [f"{k} {a}/{b}" for k, (a, b) in r.barriers.items() if a or b]
    out("Freins identifiés/levés : " + (", ".join(barriers) if barriers else "aucun"))
    out("Sorties : " + ", ".join(f"{k} {n}" for k, n in r.exits_by_outcome.items()))


def _rec_labels() -> list[tuple[str, str]]:
    from conseiller_app.domain.enums import PciRecommendation

    return [(x.value, x.label) for x in PciRecommendation]


def cmd_indicators(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import indicators

    if args.explain and args.explain not in I.EXPLAINABLE:
        raise UsageError(f"Chiffre inconnu : {args.explain}. Chiffres possibles : {', '.join(I.EXPLAINABLE)}.")
    values = {"from": args.date_from, "to": args.date_to, "month": args.month, "quarter": args.quarter,
              "year": args.year, "convention_year": args.convention_year, "territory": args.territory,
              "chantier": args.chantier, "public": args.public, "agency": args.agency, "scheme": args.scheme,
              "referent": args.referent}
    with vault_context(args) as ctx:
        filters = indicators.filters_from(ctx, values)
        if args.explain:
            ex = indicators.explain(ctx, filters, args.explain)
            if args.json:
                print_json(ex.to_json())
                return 0
            out(f"{ex.title} — {len(ex.items)} {ex.unit}"
                + (f", total {format_euros(ex.total_cents)}" if ex.total_cents is not None else ""))
            for item in ex.items:
                when = f"{item.day:%d/%m/%Y}" if item.day else "          "
                out(f"{item.file_id or item.record_id}  {when}  {item.detail}")
            return 0
        report = indicators.compute(ctx, filters)
        today = ctx.today()
    if args.pdf or args.csv:
        from conseiller_app.reports import indicators as export

        scope = ", ".join(f"{k} {v}" for k, v in (("territoire", filters.territory), ("chantier", filters.chantier),
                                                  ("public", filters.public)) if v)
        if args.pdf:
            out(f"Écrit : {export.write_pdf(args.pdf, report, today, scope)}")
        if args.csv:
            out(f"Écrit : {export.write_csv(args.csv, report)}")
        return 0
    if args.json:
        print_json(report.to_json())
    else:
        print_report(report)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``indicators`` to the main parser's sub-commands."""
    s = sub.add_parser("indicators", help="indicateurs de la convention (article 5-1)",
                       description="Indicateurs de la convention, calculés sur ce coffre. Une seule période à la "
                                   "fois : --from/--to, --month, --quarter, --year ou --convention-year.")
    s.add_argument("--from", dest="date_from", metavar="DATE", help="début de la période (JJ/MM/AAAA)")
    s.add_argument("--to", dest="date_to", metavar="DATE", help="fin de la période (JJ/MM/AAAA)")
    s.add_argument("--month", metavar="AAAA-MM", help="un mois")
    s.add_argument("--quarter", metavar="AAAA-Tn", help="un trimestre (ex. 2026-T2)")
    s.add_argument("--year", metavar="AAAA", help="une année civile")
    s.add_argument("--convention-year", metavar="N", help="année N (1 à 4) de la convention, depuis sa signature")
    s.add_argument("--territory", metavar="T", help="territoire (code ou nom, ex. arrageois)")
    s.add_argument("--public", metavar="P", help="public : rsa, jeune, iae, autre")
    s.add_argument("--chantier", metavar="C", help="chantier : csne, erbm, autre")
    s.add_argument("--agency", metavar="ID", help="identifiant d'une agence d'emploi")
    s.add_argument("--scheme", metavar="S", help="dispositif (mission, cipi, cdpi, tremplin_rsa, spott…)")
    s.add_argument("--referent", metavar="ID", help="identifiant d'un référent")
    s.add_argument("--explain", metavar="NOM", help=f"liste ce qui est compté ({', '.join(I.EXPLAINABLE)})")
    s.add_argument("--json", action="store_true", help="sortie JSON (clés stables, montants en centimes)")
    s.add_argument("--pdf", metavar="FICHIER", help="exporte une page PDF (chiffres seulement, sans donnée personnelle)")
    s.add_argument("--csv", metavar="FICHIER", help="exporte les chiffres en CSV (séparateur « ; », montants en centimes)")
    s.set_defaults(func=cmd_indicators)
