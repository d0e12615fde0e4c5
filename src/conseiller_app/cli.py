"""The command line: ``conseiller`` (also ``python -m conseiller_app``).

Without a sub-command it starts the desktop application. Exit codes: 0 success, 2 usage,
3 wrong passphrase, 4 invalid input, 5 integrity problem, 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from conseiller_app import APP_NAME, __version__, cli_text
from conseiller_app.domain.errors import AppError, UsageError, ValidationError
from conseiller_app.logs import configure as configure_logs
from conseiller_app.logs import log_bug

log = logging.getLogger("conseiller_app.cli")
PASSPHRASE_ENV = "CONSEILLER_PASSPHRASE"


def _out(text: str = "") -> None:
    print(text)


_json = cli_text.print_json


# --- passphrases ------------------------------------------------------------------------------


def _read_secret_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"Impossible de lire le fichier de phrase de passe : {path}") from None
    return text.rstrip("\r\n")


def passphrase(args, *, confirm: bool = False, prompt: str = "Phrase de passe du coffre : ") -> str:
    if args.passphrase_file:
        return _read_secret_file(args.passphrase_file)
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError(
            f"Phrase de passe manquante : utilisez --passphrase-file ou la variable {PASSPHRASE_ENV}."
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Confirmez la phrase de passe : ") != first:
        raise UsageError("Les deux saisies de la phrase de passe diffèrent.")
    return first


def data_dir(args) -> Path:
    from conseiller_app.storage.paths import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def open_context(args):
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault

    vault = Vault.open(data_dir(args), passphrase(args))
    return Context(vault)


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args) -> int:
    from conseiller_app.storage.vault import Vault, vault_exists

    folder = data_dir(args)
    if vault_exists(folder):
        raise UsageError(f"Un coffre existe déjà dans {folder} : il n'a pas été modifié.")
    vault = Vault.create(folder, passphrase(args, confirm=True), args.name, args.territory, args.office or "")
    vault.close()
    _out(f"Coffre créé dans {folder}.")
    return 0


def cmd_check(args) -> int:
    ctx = open_context(args)
    try:
        report = ctx.vault.check()
    finally:
        ctx.vault.close()
    if args.json:
        _json({"ok": report.ok, "problems": report.problems, "files": report.files, "audit_entries": report.audit_entries})
    elif report.ok:
        _out(f"Coffre intègre : {report.files} dossier(s), journal d'audit vérifié ({report.audit_entries} entrées).")
    else:
        for p in report.problems:
            print(f"Problème : {p}", file=sys.stderr)
    return 0 if report.ok else 5


def cmd_rekey(args) -> int:
    new = _read_secret_file(args.new_passphrase_file)
    ctx = open_context(args)
    try:
        ctx.vault.rekey(new)
    finally:
        ctx.vault.close()
    _out("Phrase de passe changée. Les sauvegardes antérieures gardent l'ancienne phrase de passe.")
    return 0


def cmd_backup(args) -> int:
    ctx = open_context(args)
    try:
        out = ctx.vault.backup(Path(args.out))
    finally:
        ctx.vault.close()
    _out(f"Sauvegarde chiffrée écrite : {out}")
    return 0


def cmd_restore(args) -> int:
    from conseiller_app.storage.vault import Vault

    kept = Vault.restore(data_dir(args), Path(getattr(args, "from")), passphrase(args))
    _out("Coffre restauré depuis la sauvegarde.")
    if kept:
        _out(f"L'ancien coffre est conservé dans {kept}.")
    return 0


def cmd_demo(args) -> int:
    from sqlalchemy import func, select

    from conseiller_app.storage import demo
    from conseiller_app.storage.models import Beneficiary
    from conseiller_app.storage.vault import Vault, vault_exists

    if args.beneficiaries < 1 or args.beneficiaries > 500_000:
        raise ValidationError("beneficiaries", "entre 1 et 500 000 dossiers.", "--beneficiaries")
    folder = data_dir(args)
    secret = passphrase(args, confirm=not vault_exists(folder))
    if vault_exists(folder):
        vault = Vault.open(folder, secret)
        with vault.session() as s:
            real = s.scalar(select(func.count()).select_from(Beneficiary)) and not demo.is_demo(s)
        if real:
            vault.close()
            raise UsageError("Ce coffre contient de vrais dossiers : les données de démonstration n'y sont pas ajoutées.")
    else:
        vault = Vault.create(folder, secret, "Conseillère Démo", "arrageois", "MDS de démonstration")
    try:
        counts = demo.generate(vault, args.beneficiaries, seed=args.seed)
    finally:
        vault.close()
    _out(f"Données de démonstration ajoutées : {counts['beneficiary']} dossiers, {counts['pathway_step']} étapes, "
         f"{counts['referral']} orientations, {counts['atelier_session']} sessions.")
    return 0


def cmd_beneficiary_add(args) -> int:
    from conseiller_app.storage.services import beneficiaries

    data = {k: v for k, v in {
        "last_name": args.last_name, "first_name": args.first_name, "birth_date": args.birth_date,
        "commune": args.commune, "public": args.public, "phone": args.phone, "email": args.email,
        "caf_number": args.caf_number, "france_travail_id": args.france_travail_id,
        "prescriber": args.prescriber,
    }.items() if v is not None}
    ctx = open_context(args)
    try:
        new_id = beneficiaries.create(ctx, data)
    finally:
        ctx.vault.close()
    if args.json:
        _json({"id": new_id})
    else:
        _out(new_id)
    return 0


def cmd_beneficiary_search(args) -> int:
    from conseiller_app.storage.services import search

    ctx = open_context(args)
    try:
        found = search.search(ctx, args.text, limit=args.limit)
    finally:
        ctx.vault.close()
    if args.json:
        _json(found)
        return 0
    if not found:
        _out("Aucun dossier ne correspond.")
    for r in found:
        _out(f"{r['id']}  {r['last_name'].upper()} {r['first_name']}, {r['age']} ans, {r['commune_name']} — {r['stage_label']}")
    return 0


def cmd_beneficiary_show(args) -> int:
    from conseiller_app.storage.services import beneficiaries

    ctx = open_context(args)
    try:
        f = beneficiaries.get(ctx, args.id)
    finally:
        ctx.vault.close()
    if args.json:
        _json(f)
        return 0
    _out(f"{f['last_name'].upper()} {f['first_name']} — {f['public_label']}")
    _out(f"Né(e) le {f['birth_date']:%d/%m/%Y} ({f['age']} ans) — {f['commune_name']}")
    if f["phone_display"]:
        _out(f"Téléphone : {f['phone_display']}")
    if f["email"]:
        _out(f"E-mail : {f['email']}")
    if f["caf_number"]:
        _out(f"N° CAF : {f['caf_number']}")
    _out(f"Prescripteur : {f['prescriber_label']}, repéré(e) le {f['spotting_date']:%d/%m/%Y}")
    _out(f"Référent : {f['referent_name']} — étape : {f['stage_label']}")
    if f["barriers"]:
        _out("Freins : " + ", ".join(f"{b['type_label']} ({b['status_label']})" for b in f["barriers"]))
    if f["consents"]:
        _out("Consentements : " + ", ".join(c["partner_name"] for c in f["consents"] if not c["withdrawn_on"]))
    return 0


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    cli_text.install()
    p = argparse.ArgumentParser(prog="conseiller", description=f"{APP_NAME} — coffre chiffré des dossiers bénéficiaires.")
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}", help="affiche la version")
    p.add_argument("--data-dir", help="dossier des données (par défaut, celui de l'utilisateur)")
    p.add_argument("--passphrase-file", help=f"fichier contenant la phrase de passe (sinon ${PASSPHRASE_ENV}, sinon saisie)")
    sub = p.add_subparsers(dest="command", metavar="COMMANDE")

    s = sub.add_parser("init", help="crée le coffre chiffré du conseiller")
    s.add_argument("--name", required=True, help="« Prénom Nom » du conseiller")
    s.add_argument("--territory", required=True, help="territoire (ex. Arrageois, lens_lievin)")
    s.add_argument("--office", help="lieu d'accueil (ex. MDS d'Arras)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("check", help="vérifie l'intégrité du coffre (chiffrement, structure, journal d'audit)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("rekey", help="change la phrase de passe")
    s.add_argument("--new-passphrase-file", required=True)
    s.set_defaults(func=cmd_rekey)

    s = sub.add_parser("backup", help="écrit une sauvegarde chiffrée")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="remplace le coffre par une sauvegarde (l'ancien est conservé)")
    s.add_argument("--from", required=True, metavar="FICHIER")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("demo", help="ajoute des données fictives de démonstration")
    s.add_argument("--beneficiaries", type=int, default=500)
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=cmd_demo)

    b = sub.add_parser("beneficiary", help="dossiers bénéficiaires").add_subparsers(dest="action", metavar="ACTION", required=True)
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
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_beneficiary_add)
    s = b.add_parser("search", help="recherche par nom, commune ou n° CAF (accents et casse ignorés)")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_beneficiary_search)
    s = b.add_parser("show", help="affiche un dossier (la consultation est journalisée)")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_beneficiary_show)
    importlib.import_module("conseiller_app.cli_documents").register(sub)  # conseiller referral|session ...
    importlib.import_module("conseiller_app.sync.cli").register(sub)  # conseiller sync enroll|export|import|status
    importlib.import_module("conseiller_app.cli_retention").register(sub)  # conseiller retention|settings ...
    return p


def _start_gui(args) -> int:
    # Imported by name: the command line never depends on Qt unless the GUI is asked for.
    app = importlib.import_module("conseiller_app.ui.app")
    return app.run_gui(Path(args.data_dir) if args.data_dir else None)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        folder = data_dir(args)
        try:
            configure_logs(folder)
        except OSError:
            pass  # a read-only or missing folder is reported by the command itself
        if args.command is None:
            return _start_gui(args)
        return args.func(args)
    except ValidationError as exc:
        print(f"Donnée invalide — {exc}", file=sys.stderr)
        return exc.exit_code
    except AppError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: generic message, details without personal data
        log_bug(log, f"Commande {args.command or 'gui'}", exc)
        print("Erreur inattendue. Les détails techniques (sans données personnelles) sont dans le journal "
              "« journaux/technique.log » du dossier des données.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
