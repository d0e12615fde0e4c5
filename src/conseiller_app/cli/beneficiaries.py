"""``conseiller beneficiary add|search|show``: the beneficiaries' files."""

from __future__ import annotations

import argparse

from conseiller_app.cli.common import out, print_json, vault_context
from conseiller_app.domain.errors import ValidationError

MAX_LIMIT = 100_000
MAX_QUERY_WORDS, MAX_QUERY_CHARS = 12, 200


def cmd_add(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import beneficiaries

    data = {k: v for k, v in {
        "last_name": args.last_name, "first_name": args.first_name, "birth_date": args.birth_date,
        "commune": args.commune, "public": args.public, "phone": args.phone, "email": args.email,
        "caf_number": args.caf_number, "france_travail_id": args.france_travail_id,
        "prescriber": args.prescriber,
    }.items() if v is not None}
    with vault_context(args) as ctx:
        if not args.allow_duplicate:
            same = beneficiaries.find_duplicates(ctx, data)
            if same:
                # As the application warns before creating a second file for the same person; ids
                # and reasons only on stderr (no personal data).
                found = ", ".join(f"{d.id} ({d.reason})" for d in same)
                raise ValidationError("duplicate", f"un dossier semblable existe déjà : {found}. Rien n'a été créé ; "
                                      "--allow-duplicate pour le créer quand même.", "Doublon probable")
        new_id = beneficiaries.create(ctx, data)
    if args.json:
        print_json({"id": new_id})
    else:
        out(new_id)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import search

    if not 1 <= args.limit <= MAX_LIMIT:
        raise ValidationError("limit", f"entre 1 et {MAX_LIMIT:,} dossiers.".replace(",", "\u202f"), "--limit")
    if len(args.text) > MAX_QUERY_CHARS or len(args.text.split()) > MAX_QUERY_WORDS:
        raise ValidationError("text", f"{MAX_QUERY_WORDS} mots et {MAX_QUERY_CHARS} caractères au plus.", "Recherche")
    with vault_context(args) as ctx:
        found = search.search(ctx, args.text, limit=args.limit)
    if args.json:
        print_json(found)
        return 0
    if not found:
        out("Aucun dossier ne correspond.")
    for r in found:
        out(f"{r.id}  {r.last_name.upper()} {r.first_name}, {r.age} ans, {r.commune_name} — {r.stage_label}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import beneficiaries

    with vault_context(args) as ctx:
        f = beneficiaries.get(ctx, args.id)
    if args.json:
        print_json(f)
        return 0
    out(f"{f.last_name.upper()} {f.first_name} — {f.public_label}")
    out(f"Né(e) le {f.birth_date:%d/%m/%Y} ({f.age} ans) — {f.commune_name}")
    if f.phone_display:
        out(f"Téléphone : {f.phone_display}")
    if f.email:
        out(f"E-mail : {f.email}")
    if f.caf_number:
        out(f"N° CAF : {f.caf_number}")
    out(f"Prescripteur : {f.prescriber_label}, repéré(e) le {f.spotting_date:%d/%m/%Y}")
    out(f"Référent : {f.referent_name} — étape : {f.stage_label}")
    if f.barriers:
        out("Freins : " + ", ".join(f"{b.type_label} ({b.status_label})" for b in f.barriers))
    if f.consents:
        out("Consentements : " + ", ".join(c.partner_name for c in f.consents if not c.withdrawn_on))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``beneficiary`` and its actions to the main parser's sub-commands."""
    b = sub.add_parser("beneficiary", help="dossiers bénéficiaires").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = b.add_parser("add", help="crée un dossier et affiche son identifiant")
    s.add_argument("--last-name", required=True)
    s.add_argument("--first-name", required=True)
    s.add_argument("--birth-date", required=True, help="AAAA-MM-JJ")
    s.add_argument("--commune", required=True, help="code INSEE ou nom")
    s.add_argument("--public", required=True, choices=["rsa", "jeune", "iae", "autre"])
    s.add_argument("--phone")
    s.add_argument("--email")
    s.add_argument("--caf-number")
    s.add_argument("--france-travail-id")
    s.add_argument("--prescriber")
    s.add_argument("--allow-duplicate", action="store_true",
                   help="crée le dossier même si un dossier semblable existe (même nom et naissance, ou même n° CAF)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_add)
    s = b.add_parser("search", help="recherche par nom, commune ou n° CAF (accents et casse ignorés)")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)
    s = b.add_parser("show", help="affiche un dossier (la consultation est journalisée)")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)
