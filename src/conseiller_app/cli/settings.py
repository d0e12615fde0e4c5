"""``conseiller settings show|set``: the vault's settings."""

from __future__ import annotations

import argparse

from conseiller_app.cli.common import out, print_json, vault_context
from conseiller_app.domain import retention as rules
from conseiller_app.domain.errors import UsageError

_SETTINGS = {rules.SETTING: "durée de conservation des dossiers, en mois (1 à 36)"}


def cmd_show(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import retention

    with vault_context(args) as ctx:
        values = {rules.SETTING: retention.months(ctx)}
    if args.json:
        print_json(values)
    else:
        for k, v in values.items():
            out(f"{k} = {v}  ({_SETTINGS[k]})")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from conseiller_app.storage.services import retention

    if args.key not in _SETTINGS:
        raise UsageError(f"Paramètre inconnu : {args.key}. Paramètres modifiables : {', '.join(_SETTINGS)}.")
    value = rules.check_months(args.value)  # refused before the vault is even opened
    with vault_context(args) as ctx:
        saved = retention.set_months(ctx, value)
    out(f"Enregistré : {args.key} = {saved}.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``settings`` and its actions to the main parser's sub-commands."""
    st = sub.add_parser("settings", help="paramètres du coffre").add_subparsers(dest="action", metavar="ACTION",
                                                                              required=True)
    s = st.add_parser("show", help="affiche les paramètres")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)
    s = st.add_parser("set", help="modifie un paramètre (ex. retention_months 24)")
    s.add_argument("key", metavar="PARAMÈTRE")
    s.add_argument("value", metavar="VALEUR")
    s.set_defaults(func=cmd_set)
