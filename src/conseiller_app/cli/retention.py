"""Command line of the retention purge: ``conseiller retention list|purge``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from conseiller_app.cli.common import err, out, print_json, purge_json, retention_json, vault_context
from conseiller_app.domain import retention as rules

if TYPE_CHECKING:
    from conseiller_app.storage.services.retention import RetentionFile


def _line(f: RetentionFile) -> str:
    return f"{f.id}  {f.name} — dernier contact le {f.last_contact:%d/%m/%Y} — {f.stage_label} — {f.reason}"


def cmd_list(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import retention

    with vault_context(args) as ctx:
        found = retention.candidates(ctx)
    if args.json:
        print_json(retention_json(found))
        return 0
    out(f"Durée de conservation : {found.months} mois (dernier contact avant le {found.cutoff:%d/%m/%Y}). "
        "Liste seule : rien n'a été modifié.")
    purge = [f for f in found.files if f.kind == rules.TO_PURGE]
    check = [f for f in found.files if f.kind == rules.TO_CHECK]
    if not found.files:
        out("Aucun dossier à purger.")
        return 0
    out(f"\nÀ purger ({len(purge)}) :")
    for f in purge:
        out("  " + _line(f))
    if check:
        out(f"\nÀ vérifier ({len(check)}) — quelque chose est encore en cours ; purgés seulement si vous les "
            "désignez avec --id :")
        for f in check:
            out("  " + _line(f))
    out("\nPour purger : conseiller retention purge --yes (ou --id ID … pour choisir).")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import retention

    if not args.yes:
        err("Purge refusée : elle est définitive (les données personnelles sont effacées du coffre et la "
            "suppression est transmise au siège à la prochaine synchronisation). Vérifiez d'abord la liste avec "
            "« conseiller retention list », puis relancez avec --yes.")
        return 2
    with vault_context(args) as ctx:
        found = retention.candidates(ctx)
        ids = list(dict.fromkeys(args.id)) if args.id else [f.id for f in found.files if f.kind == rules.TO_PURGE]
        result = retention.purge(ctx, ids, today=found.today)
    if args.json:
        print_json(purge_json(result))
    elif result.purged:
        out(f"{result.purged} dossier(s) purgé(s). La suppression sera transmise au siège à la prochaine "
            "synchronisation.")
    else:
        out("Aucun dossier à purger.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser("retention", help="dossiers à purger (durée de conservation)").add_subparsers(
        dest="action", metavar="ACTION", required=True)
    s = r.add_parser("list", help="liste les dossiers dont le dernier contact dépasse la durée de conservation "
                                  "(rien n'est modifié)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)
    s = r.add_parser("purge", help="purge les dossiers listés (définitif ; transmis au siège)")
    s.add_argument("--yes", action="store_true", help="confirme la purge (obligatoire)")
    s.add_argument("--id", action="append", metavar="ID",
                   help="purge seulement ce dossier (répétable ; permet un dossier « à vérifier »)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_purge)
