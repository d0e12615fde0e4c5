"""``conseiller init|check|rekey|backup|restore|demo``: the vault itself."""

from __future__ import annotations

import argparse
from pathlib import Path

from conseiller_app.cli.common import (
    data_dir,
    err,
    open_vault,
    out,
    passphrase,
    print_json,
    read_secret_file,
    vault_context,
)
from conseiller_app.domain.errors import UsageError, ValidationError


def cmd_init(args: argparse.Namespace) -> int:
    from conseiller_app.storage.paths import vault_exists
    from conseiller_app.storage.vault import Vault

    folder = data_dir(args)
    if vault_exists(folder):
        raise UsageError(f"Un coffre existe déjà dans {folder} : il n'a pas été modifié.")
    vault = Vault.create(folder, passphrase(args, confirm=True), args.name, args.territory, args.office or "")
    vault.close()
    out(f"Coffre créé dans {folder}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    with vault_context(args) as ctx:
        report = ctx.vault.check()
    if args.json:
        print_json({"ok": report.ok, "problems": report.problems, "files": report.files,
                    "audit_entries": report.audit_entries})
    elif report.ok:
        out(f"Coffre intègre : {report.files} dossier(s), journal d'audit vérifié ({report.audit_entries} entrées).")
    else:
        for p in report.problems:
            err(f"Problème : {p}")
    return 0 if report.ok else 5


def cmd_rekey(args: argparse.Namespace) -> int:
    new = read_secret_file(args.new_passphrase_file)
    with vault_context(args) as ctx:
        ctx.vault.rekey(new)
    out("Phrase de passe changée. Les sauvegardes antérieures gardent l'ancienne phrase de passe.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    with vault_context(args) as ctx:
        written = ctx.vault.backup(Path(args.out))
    out(f"Sauvegarde chiffrée écrite : {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from conseiller_app.storage.vault import Vault

    kept = Vault.restore(data_dir(args), Path(getattr(args, "from")), passphrase(args))
    out("Coffre restauré depuis la sauvegarde.")
    if kept:
        out(f"L'ancien coffre est conservé dans {kept}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from conseiller_app.storage import demo
    from conseiller_app.storage.models import Beneficiary
    from conseiller_app.storage.paths import vault_exists
    from conseiller_app.storage.profile import is_demo
    from conseiller_app.storage.vault import Vault

    if args.beneficiaries < 1 or args.beneficiaries > 500_000:
        raise ValidationError("beneficiaries", "entre 1 et 500 000 dossiers.", "--beneficiaries")
    folder = data_dir(args)
    secret = passphrase(args, confirm=not vault_exists(folder))
    if vault_exists(folder):
        vault = open_vault(args, secret)
        with vault.session() as s:
            real = s.scalar(select(func.count()).select_from(Beneficiary)) and not is_demo(s)
        if real:
            vault.close()
            raise UsageError("Ce coffre contient de vrais dossiers : les données de démonstration n'y sont pas ajoutées.")
    else:
        vault = Vault.create(folder, secret, "Conseillère Démo", "arrageois", "MDS de démonstration")
    try:
        counts = demo.generate(vault, args.beneficiaries, seed=args.seed)
    finally:
        vault.close()
    out(f"Données de démonstration ajoutées : {counts['beneficiary']} dossiers, {counts['pathway_step']} étapes, "
        f"{counts['referral']} orientations, {counts['atelier_session']} sessions.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the vault's commands to the main parser's sub-commands."""
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
