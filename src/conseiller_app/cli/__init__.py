"""The command line: ``conseiller`` (also ``python -m conseiller_app``).

Without a sub-command it starts the desktop application. Exit codes: 0 success, 2 usage,
3 wrong passphrase, 4 invalid input, 5 integrity problem, 6 disk full, 7 vault in use by another
process (the application, another command), 8 read-only data folder, 1 anything unexpected.

One module per command group (``vault``, ``beneficiaries``, ``documents``, ``retention``,
``settings``, ``sync``, ``indicators``, ``facts``), each with a ``register(sub)`` adding its sub-commands; what they share is
in ``common``. The central office's ``conseiller-central`` is ``central``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path

from conseiller_app import APP_NAME, __version__
from conseiller_app.cli import beneficiaries, common, documents, facts, indicators, retention, settings, sync, vault
from conseiller_app.logs import configure as configure_logs

log = logging.getLogger("conseiller_app.cli")


def build_parser() -> argparse.ArgumentParser:
    common.install()
    p = argparse.ArgumentParser(prog="conseiller", description=f"{APP_NAME} — coffre chiffré des dossiers bénéficiaires.")
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}", help="affiche la version")
    p.add_argument("--data-dir", help="dossier des données (par défaut, celui de l'utilisateur)")
    p.add_argument("--passphrase-file",
                   help=f"fichier contenant la phrase de passe (sinon ${common.PASSPHRASE_ENV}, sinon saisie)")
    sub = p.add_subparsers(dest="command", metavar="COMMANDE")
    vault.register(sub)  # conseiller init|check|rekey|backup|restore|demo
    beneficiaries.register(sub)  # conseiller beneficiary add|search|show
    documents.register(sub)  # conseiller referral|session|access-report ...
    sync.register(sub)  # conseiller sync enroll|export|import|status
    retention.register(sub)  # conseiller retention list|purge
    settings.register(sub)  # conseiller settings show|set
    indicators.register(sub)  # conseiller indicators [--explain NAME]
    facts.register(sub)  # conseiller pci|funding|prevention|sas-interest|spott|positioning ...
    return p


def _start_gui(args: argparse.Namespace) -> int:
    # Imported here: the command line loads Qt only when the GUI is asked for (start-up speed).
    from conseiller_app.ui.app import run_gui

    return run_gui(Path(args.data_dir) if args.data_dir else None)


def _unexpected(exc: Exception) -> str:
    return ("Erreur inattendue. Les détails techniques (sans données personnelles) sont dans le journal "
            "« journaux/technique.log » du dossier des données.")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def command() -> int:
        with contextlib.suppress(OSError):  # a read-only or missing folder is reported by the command itself
            configure_logs(common.data_dir(args))
        if args.command is None:
            return _start_gui(args)
        common.name_process(" ".join(["conseiller", args.command] + ([args.action] if getattr(args, "action", None) else [])))
        result: int = args.func(args)
        return result

    return common.run(command, log=log, context=f"Commande {args.command or 'gui'}", unexpected=_unexpected)


if __name__ == "__main__":
    sys.exit(main())
