"""What the command lines (``conseiller``, ``conseiller-central``) share: French messages for
argparse's own texts, passphrase reading, opening the vault, text and JSON output, and the mapping
of errors to exit codes (0 success, 2 usage, 3 wrong passphrase, 4 invalid input, 5 integrity
problem or refused bundle, 1 anything unexpected).

The command modules import only this module from the ``cli`` package.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app.domain.errors import AppError, UsageError, ValidationError
from conseiller_app.logs import log_bug

if TYPE_CHECKING:
    from conseiller_app.storage.services import Context

PASSPHRASE_ENV = "CONSEILLER_PASSPHRASE"

_FR = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et quitte",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (possibles : %(choices)s)",
    "expected one argument": "une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s (%(matches)s)",
}


def install() -> None:
    argparse._ = lambda text: _FR.get(text, text)  # type: ignore[attr-defined]


def out(text: str = "") -> None:
    """One line for the user on standard output."""
    print(text)


def err(text: str) -> None:
    """One line for the user on standard error."""
    print(text, file=sys.stderr)


def print_json(data: Any) -> None:
    """JSON for scripts: dates in ISO form, accents kept."""

    def default(o):
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    print(json.dumps(data, default=default, ensure_ascii=False, indent=2))


# --- passphrases and the vault ----------------------------------------------------------------


def read_secret_file(path: str) -> str:
    """A passphrase kept in a file (its final line break dropped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"Impossible de lire le fichier de phrase de passe : {path}") from None
    return text.rstrip("\r\n")


def ask_secret(prompt: str, *, confirm: bool = False) -> str:
    """A masked prompt (twice when ``confirm``); refused when no terminal is there."""
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Confirmez la phrase de passe : ") != first:
        raise UsageError("Les deux saisies de la phrase de passe diffèrent.")
    return first


def passphrase(args: argparse.Namespace, *, confirm: bool = False,
               prompt: str = "Phrase de passe du coffre : ") -> str:
    """The vault's passphrase: --passphrase-file, else $CONSEILLER_PASSPHRASE, else a masked prompt."""
    if args.passphrase_file:
        return read_secret_file(args.passphrase_file)
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError(
            f"Phrase de passe manquante : utilisez --passphrase-file ou la variable {PASSPHRASE_ENV}."
        )
    return ask_secret(prompt, confirm=confirm)


def data_dir(args: argparse.Namespace) -> Path:
    from conseiller_app.storage.paths import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def open_context(args: argparse.Namespace) -> Context:
    """Open the vault named by the arguments; the caller closes ``ctx.vault``."""
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.vault import Vault

    vault = Vault.open(data_dir(args), passphrase(args))
    return Context(vault)


@contextmanager
def vault_context(args: argparse.Namespace) -> Iterator[Context]:
    """The opened vault's service context, closed whatever happens."""
    ctx = open_context(args)
    try:
        yield ctx
    finally:
        ctx.vault.close()


# --- errors and exit codes --------------------------------------------------------------------


def run(command: Callable[[], int], *, log: logging.Logger, context: str,
        unexpected: Callable[[Exception], str]) -> int:
    """Run one command and map its outcome to an exit code: the French message of an expected
    error on standard error; a bug logged without personal data and ``unexpected(exc)`` shown."""
    try:
        return command()
    except ValidationError as exc:
        err(f"Donnée invalide — {exc}")
        return exc.exit_code
    except AppError as exc:
        err(f"Erreur : {exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        err("Interrompu.")
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug: generic message, details without personal data
        log_bug(log, context, exc)
        err(unexpected(exc))
        return 1
