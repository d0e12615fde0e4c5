"""Command-line access to referrals and sessions and their printed documents:
``conseiller referral list|print``, ``conseiller session list|sheet`` and the access statement
``conseiller access-report ID`` (RGPD article 15)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app.cli.common import out, print_json, vault_context
from conseiller_app.domain.errors import UsageError

if TYPE_CHECKING:
    from conseiller_app.storage.services.referrals import ReferralRow
    from conseiller_app.storage.services.sessions import SessionRow


def referral_list_json(rows: list[ReferralRow]) -> list[dict[str, Any]]:
    """``conseiller referral list --json``: the list's columns a script needs."""
    return [{"id": r.id, "reference": r.reference, "beneficiary_id": r.beneficiary_id, "agency": r.agency,
             "scheme": r.scheme, "status": r.status, "status_date": r.status_date, "no_news": r.no_news,
             "consent_state": r.consent_state} for r in rows]


def session_list_json(rows: list[SessionRow]) -> list[dict[str, Any]]:
    """``conseiller session list --json``: the list's columns a script needs."""
    return [{"id": r.id, "kind": r.kind, "title": r.title, "start_date": r.start_date, "end_date": r.end_date,
             "territory": r.territory, "capacity": r.capacity, "registered": r.registered, "waiting": r.waiting,
             "seats_left": r.seats_left} for r in rows]


def cmd_referral_list(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import referrals

    with vault_context(args) as ctx:
        rows = referrals.list_referrals(ctx, status=args.status, no_news_only=args.no_news)
    if args.json:
        print_json(referral_list_json(rows))
        return 0
    if not rows:
        out("Aucune orientation.")
    for r in rows:
        flag = "  [sans nouvelles]" if r.no_news else ""
        out(f"{r.reference}  {r.status_label} le {r.status_date:%d/%m/%Y}  {r.scheme_label}  "
            f"{r.agency}  — {r.consent_label}{flag}")
    return 0


def cmd_referral_print(args: argparse.Namespace) -> int:
    from conseiller_app.reports import referral_form
    from conseiller_app.storage.services import referrals

    out_path = Path(args.out)
    if out_path.suffix.lower() != ".pdf":
        raise UsageError("Le fichier de sortie doit se terminer par .pdf.")
    with vault_context(args) as ctx:
        data = referrals.form_data(ctx, args.reference)
    referral_form.write(out_path, data)
    out(f"Fiche de liaison {data['reference']} écrite : {out_path}")
    return 0


def cmd_session_list(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import sessions

    with vault_context(args) as ctx:
        rows = sessions.list_sessions(ctx, kind=args.kind, territory=args.territory)
    if args.json:
        print_json(session_list_json(rows))
        return 0
    if not rows:
        out("Aucune session.")
    for r in rows:
        out(f"{r.id}  {r.start_date:%d/%m/%Y}  {r.kind_label} — {r.title} ({r.territory_name}) "
            f"{r.registered}/{r.capacity} inscrits, {r.waiting} en attente")
    return 0


def cmd_session_sheet(args: argparse.Namespace) -> int:
    from conseiller_app.reports import attendance_sheet
    from conseiller_app.storage.services import sessions

    out_path = Path(args.out)
    if out_path.suffix.lower() != ".pdf":
        raise UsageError("Le fichier de sortie doit se terminer par .pdf.")
    with vault_context(args) as ctx:
        data = sessions.get(ctx, args.session_id) if args.blank else sessions.sheet_data(ctx, args.session_id)
    attendance_sheet.write(out_path, data, blank=args.blank)
    out(f"Feuille d'émargement écrite : {out_path}")
    return 0


def cmd_access_report(args: argparse.Namespace) -> int:
    from conseiller_app.reports import access_report
    from conseiller_app.storage.services import access

    out_path = Path(args.out) if args.out else None
    if out_path is None and not args.json:
        raise UsageError("Indiquez --out F.pdf (relevé PDF) ou --json (données pour un script).")
    if out_path is not None and out_path.suffix.lower() != ".pdf":
        raise UsageError("Le fichier de sortie doit se terminer par .pdf.")
    with vault_context(args) as ctx:
        data = access.gather(ctx, args.beneficiary_id)
    if out_path is not None:
        access_report.write(out_path, data)
    if args.json:
        print_json(data)
    else:
        out(f"Relevé droit d'accès {data['reference']} écrit : {out_path}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``referral``, ``session`` and ``access-report`` commands to the main parser's sub-commands."""
    r = sub.add_parser("referral", help="orientations vers les agences d'emploi").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = r.add_parser("list", help="liste les orientations (référence, statut, consentement)")
    s.add_argument("--status", help="filtre sur un statut (ex. envoyee)")
    s.add_argument("--no-news", action="store_true", help="seulement celles sans nouvelles depuis 30 jours")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_referral_list)
    s = r.add_parser("print", help="écrit la fiche de liaison PDF d'une orientation")
    s.add_argument("reference", metavar="REFERENCE")
    s.add_argument("--out", required=True, metavar="F.pdf")
    s.set_defaults(func=cmd_referral_print)

    x = sub.add_parser("session", help="ateliers et sessions").add_subparsers(dest="action", metavar="ACTION",
                                                                            required=True)
    s = x.add_parser("list", help="liste les sessions (places, inscrits, liste d'attente)")
    s.add_argument("--kind", help="type (sensibilisation, decouverte, sas, spott, information_collective)")
    s.add_argument("--territory", help="code du territoire (ex. arrageois)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_session_list)
    s = x.add_parser("sheet", help="écrit la feuille d'émargement PDF d'une session")
    s.add_argument("session_id", metavar="SESSION_ID")
    s.add_argument("--out", required=True, metavar="F.pdf")
    s.add_argument("--blank", action="store_true", help="feuille vierge (sans les noms)")
    s.set_defaults(func=cmd_session_sheet)

    about = ("relevé de toutes les données détenues sur une personne (droit d'accès, article 15 du RGPD ; "
             "la consultation est journalisée)")
    s = sub.add_parser("access-report", help=about, description=about.capitalize() + ".")
    s.add_argument("beneficiary_id", metavar="BENEFICIARY_ID", help="identifiant du dossier")
    s.add_argument("--out", metavar="F.pdf", help="écrit le relevé PDF dans ce fichier")
    s.add_argument("--json", action="store_true", help="affiche les mêmes données en JSON (pour les scripts)")
    s.set_defaults(func=cmd_access_report)
