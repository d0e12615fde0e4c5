"""``conseiller settings show|set``: the vault's settings (retention, idle-lock delay, territory)."""

from __future__ import annotations

import argparse

from conseiller_app.cli.common import out, print_json, settings_json, vault_context
from conseiller_app.domain import settings as rules


def cmd_show(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import settings

    with vault_context(args) as ctx:
        current = settings.read(ctx)
    if args.json:
        print_json(settings_json(current))
    else:
        for key in rules.KEYS:
            shown = f"{current.territory} ({current.territory_name})" if key == rules.TERRITORY else current.value(key)
            out(f"{key} = {shown}  ({rules.DESCRIPTIONS[key]})")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import settings

    settings.check_key(args.key)  # an unknown name or a value out of range is refused before the vault opens
    if args.key in rules.INT_SETTINGS:
        rules.INT_SETTINGS[args.key].check(args.value)
    with vault_context(args) as ctx:
        saved = settings.set_value(ctx, args.key, args.value)
    out(f"Enregistré : {args.key} = {saved}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``settings`` and its actions to the main parser's sub-commands."""
    st = sub.add_parser("settings", help="paramètres du coffre").add_subparsers(dest="action", metavar="ACTION",
                                                                              required=True)
    s = st.add_parser("show", help="affiche les paramètres")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)
    s = st.add_parser("set", help="modifie un paramètre (retention_months 24, idle_lock_minutes 10, "
                                  "territory lens_lievin)")
    s.add_argument("key", metavar="PARAMÈTRE", help=", ".join(rules.KEYS))
    s.add_argument("value", metavar="VALEUR")
    s.set_defaults(func=cmd_set)
