"""The facts of the convention's indicators from the command line: ``conseiller pci add|follow``,
``funding add|remove``, ``prevention set``, ``sas-interest set``, ``spott set``,
``positioning set``. Bad input: exit code 4 and a French message naming the field."""

from __future__ import annotations

import argparse
from typing import Any

from conseiller_app.cli.common import out, print_json, vault_context
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.facts import format_euros

_YES = {"oui": True, "o": True, "non": False, "n": False, "inconnu": None, "?": None}


def _followed(field: str, text: str) -> bool | None:
    key = text.strip().lower()
    if key not in _YES:
        raise ValidationError(field, f"suivi « {text} » inconnu (attendu : oui, non ou inconnu).", "Préconisations")
    return _YES[key]


def _recommendations(items: list[str]) -> list[dict[str, Any]]:
    """``logement`` or ``logement:oui`` (mise en œuvre), ``mobilite:non``."""
    out_: list[dict[str, Any]] = []
    for item in items or []:
        code, _, followed = item.partition(":")
        out_.append({"code": code, "followed": _followed("recommendations", followed) if followed else None})
    return out_


def _done(args: argparse.Namespace, result: object, text: str) -> int:
    if args.json:
        print_json(result)
    else:
        out(text)
    return 0


def cmd_pci_add(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    values = {"held_on": args.date, "held_by": args.by, "agency_id": args.agency,
              "recommendations": _recommendations(args.recommendation)}
    with vault_context(args) as ctx:
        r = facts.add_pci(ctx, args.id, values)
    return _done(args, r, f"Point Conseils Intérimaire enregistré ({r.id}), {len(r.recommendations)} préconisation(s).")


def cmd_pci_follow(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    followed = _followed("followed", args.followed)
    with vault_context(args) as ctx:
        r = facts.set_pci_follow_up(ctx, args.pci_id, args.code, followed)
    return _done(args, r, "Suivi de la préconisation enregistré.")


def cmd_funding_add(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts, referrals

    targets = [(k, v) for k, v in (("etape", args.step), ("session", args.session), ("orientation", args.referral)) if v]
    if len(targets) != 1:
        raise ValidationError("target_id", "indiquez un seul objet financé : --step, --session ou --referral.",
                              "Objet financé")
    kind, target = targets[0]
    with vault_context(args) as ctx:
        if kind == "orientation":
            target = referrals.get(ctx, target).id  # a reference (OR-…) or an id
        r = facts.add_funding(ctx, {"target_kind": kind, "target_id": target, "funder": args.funder,
                                    "line": args.line, "amount": args.amount, "granted_on": args.date})
    return _done(args, r, f"Ligne de financement enregistrée ({r.id}) : {format_euros(r.amount_cents)}.")


def cmd_funding_remove(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    with vault_context(args) as ctx:
        facts.remove_funding(ctx, args.funding_id)
    out("Ligne de financement supprimée.")
    return 0


def cmd_prevention_set(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    with vault_context(args) as ctx:
        r = facts.set_prevention(ctx, args.id, {"status": args.status, "started_on": args.start,
                                                "completed_on": args.end})
    return _done(args, r, "Parcours prévention enregistré.")


def cmd_sas_interest(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    with vault_context(args) as ctx:
        r = facts.set_sas_interest(ctx, args.id, {"interested": args.answer, "recorded_on": args.date})
    return _done(args, r, "Intérêt pour le SAS préparatoire enregistré.")


def cmd_spott_set(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    with vault_context(args) as ctx:
        r = facts.set_spott(ctx, args.session_id, {"fpett_validated_on": args.validated, "opco": args.opco,
                                                   "agencies": args.agency or []})
    return _done(args, r, "Informations SPOTT enregistrées.")


def cmd_positioning_set(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import facts

    with vault_context(args) as ctx:
        facts.set_positioning(ctx, args.session_id, args.id, None if args.none else args.agency)
    out("Agence qui a positionné la personne enregistrée." if not args.none else "Positionnement retiré.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``pci``, ``funding``, ``prevention``, ``sas-interest``, ``spott`` and ``positioning``."""
    pci = sub.add_parser("pci", help="Points Conseils Intérimaire (FASTT)").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = pci.add_parser("add", help="enregistre un Point Conseils Intérimaire sur un dossier")
    s.add_argument("id", metavar="ID", help="identifiant du dossier")
    s.add_argument("--date", required=True, help="date du diagnostic (JJ/MM/AAAA)")
    s.add_argument("--by", default="fastt", help="réalisé par : fastt (défaut) ou agence")
    s.add_argument("--agency", metavar="ID", help="l'agence, quand --by agence")
    s.add_argument("--recommendation", action="append", metavar="CODE[:oui|non]",
                   help="préconisation (logement, mobilite, garde_enfants, budget, sante_prevention, droits, autre), "
                        "avec son suivi ; répétable")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_pci_add)
    s = pci.add_parser("follow", help="suivi d'une préconisation (mise en œuvre : oui, non, inconnu)")
    s.add_argument("pci_id", metavar="PCI")
    s.add_argument("code", metavar="CODE")
    s.add_argument("followed", metavar="SUIVI")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_pci_follow)

    fu = sub.add_parser("funding", help="lignes de financement").add_subparsers(dest="action", metavar="ACTION",
                                                                               required=True)
    s = fu.add_parser("add", help="ajoute une ligne de financement à une étape, une session ou une orientation")
    s.add_argument("--step", metavar="ID", help="identifiant de l'étape de parcours")
    s.add_argument("--session", metavar="ID", help="identifiant de la session")
    s.add_argument("--referral", metavar="REF", help="référence ou identifiant de l'orientation")
    s.add_argument("--funder", required=True, help="financeur : fpett, akto, departement, autre")
    s.add_argument("--line", required=True,
                   help="ligne : cipi, cdpi, spott, tremplin_rsa, aktiv_competences, preparatoire_metier, "
                        "coup_de_pouce, autre")
    s.add_argument("--amount", required=True, help="montant en euros (ex. « 1 234,50 »)")
    s.add_argument("--date", required=True, help="date du financement (JJ/MM/AAAA)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_funding_add)
    s = fu.add_parser("remove", help="supprime une ligne saisie par erreur")
    s.add_argument("funding_id", metavar="ID")
    s.set_defaults(func=cmd_funding_remove)

    pr = sub.add_parser("prevention", help="parcours prévention (E-prévention)").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = pr.add_parser("set", help="enregistre le parcours prévention d'un dossier")
    s.add_argument("id", metavar="ID", help="identifiant du dossier")
    s.add_argument("--status", required=True, help="commence, finalise ou abandonne")
    s.add_argument("--start", required=True, help="date de début (JJ/MM/AAAA)")
    s.add_argument("--end", help="date de fin (obligatoire si finalisé ou abandonné)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_prevention_set)

    si = sub.add_parser("sas-interest", help="intérêt pour le SAS préparatoire après la découverte").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = si.add_parser("set", help="enregistre la réponse de la personne")
    s.add_argument("id", metavar="ID", help="identifiant du dossier")
    s.add_argument("answer", metavar="oui|non")
    s.add_argument("--date", help="date de la réponse (par défaut aujourd'hui)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sas_interest)

    sp = sub.add_parser("spott", help="informations d'une session SPOTT").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = sp.add_parser("set", help="validation FPETT, OPCO, agences associées")
    s.add_argument("session_id", metavar="SESSION")
    s.add_argument("--validated", metavar="DATE", help="date de la validation préalable par l'équipe du FPETT")
    s.add_argument("--opco", default="akto", help="OPCO qui déploie (akto)")
    s.add_argument("--agency", action="append", metavar="ID", help="agence associée ; répétable")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_spott_set)

    po = sub.add_parser("positioning", help="agence qui a positionné une personne sur une action préparatoire"
                        ).add_subparsers(dest="action", metavar="ACTION", required=True)
    s = po.add_parser("set", help="enregistre l'agence sur l'inscription")
    s.add_argument("session_id", metavar="SESSION")
    s.add_argument("id", metavar="ID", help="identifiant du dossier")
    group = s.add_mutually_exclusive_group(required=True)
    group.add_argument("--agency", metavar="ID")
    group.add_argument("--none", action="store_true", help="retire l'agence")
    s.set_defaults(func=cmd_positioning_set)
