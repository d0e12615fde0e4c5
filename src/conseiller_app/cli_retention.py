"""Command line of the retention purge and of the vault's settings:
``conseiller retention list|purge`` and ``conseiller settings show|set``."""

from __future__ import annotations

import sys

from conseiller_app import cli_text
from conseiller_app.domain import retention as rules
from conseiller_app.domain.errors import UsageError


def _ctx(args):
    from conseiller_app.cli import open_context

    return open_context(args)


def _line(f: dict) -> str:
    return f"{f['id']}  {f['name']} — dernier contact le {f['last_contact']:%d/%m/%Y} — {f['stage_label']} — " \
           f"{f['reason']}"


def cmd_list(args) -> int:
    from conseiller_app.storage.services import retention

    ctx = _ctx(args)
    try:
        found = retention.candidates(ctx)
    finally:
        ctx.vault.close()
    if args.json:
        cli_text.print_json(found)
        return 0
    print(f"Durée de conservation : {found['months']} mois (dernier contact avant le {found['cutoff']:%d/%m/%Y}). "
          "Liste seule : rien n'a été modifié.")
    purge = [f for f in found["files"] if f["kind"] == rules.TO_PURGE]
    check = [f for f in found["files"] if f["kind"] == rules.TO_CHECK]
    if not found["files"]:
        print("Aucun dossier à purger.")
        return 0
    print(f"\nÀ purger ({len(purge)}) :")
    for f in purge:
        print("  " + _line(f))
    if check:
        print(f"\nÀ vérifier ({len(check)}) — quelque chose est encore en cours ; purgés seulement si vous les "
              "désignez avec --id :")
        for f in check:
            print("  " + _line(f))
    print("\nPour purger : conseiller retention purge --yes (ou --id ID … pour choisir).")
    return 0


def cmd_purge(args) -> int:
    from conseiller_app.storage.services import retention

    if not args.yes:
        print("Purge refusée : elle est définitive (les données personnelles sont effacées du coffre et la "
              "suppression est transmise au siège à la prochaine synchronisation). Vérifiez d'abord la liste avec "
              "« conseiller retention list », puis relancez avec --yes.", file=sys.stderr)
        return 2
    ctx = _ctx(args)
    try:
        found = retention.candidates(ctx)
        if args.id:
            ids = list(dict.fromkeys(args.id))
        else:
            ids = [f["id"] for f in found["files"] if f["kind"] == rules.TO_PURGE]
        result = retention.purge(ctx, ids, today=found["today"])
    finally:
        ctx.vault.close()
    if args.json:
        cli_text.print_json(result)
    elif result["purged"]:
        print(f"{result['purged']} dossier(s) purgé(s). La suppression sera transmise au siège à la prochaine "
              "synchronisation.")
    else:
        print("Aucun dossier à purger.")
    return 0


_SETTINGS = {rules.SETTING: "durée de conservation des dossiers, en mois (1 à 36)"}


def cmd_settings_show(args) -> int:
    from conseiller_app.storage.services import retention

    ctx = _ctx(args)
    try:
        values = {rules.SETTING: retention.months(ctx)}
    finally:
        ctx.vault.close()
    if args.json:
        cli_text.print_json(values)
    else:
        for k, v in values.items():
            print(f"{k} = {v}  ({_SETTINGS[k]})")
    return 0


def cmd_settings_set(args) -> int:
    from conseiller_app.storage.services import retention

    if args.key not in _SETTINGS:
        raise UsageError(f"Paramètre inconnu : {args.key}. Paramètres modifiables : {', '.join(_SETTINGS)}.")
    value = rules.check_months(args.value)  # refused before the vault is even opened
    ctx = _ctx(args)
    try:
        saved = retention.set_months(ctx, value)
    finally:
        ctx.vault.close()
    print(f"Enregistré : {args.key} = {saved}.")
    return 0


def register(sub) -> None:
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

    st = sub.add_parser("settings", help="paramètres du coffre").add_subparsers(dest="action", metavar="ACTION",
                                                                              required=True)
    s = st.add_parser("show", help="affiche les paramètres")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_settings_show)
    s = st.add_parser("set", help="modifie un paramètre (ex. retention_months 24)")
    s.add_argument("key", metavar="PARAMÈTRE")
    s.add_argument("value", metavar="VALEUR")
    s.set_defaults(func=cmd_settings_set)


__all__ = ["register"]
