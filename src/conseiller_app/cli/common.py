"""What the command lines (``conseiller``, ``conseiller-central``) share: French messages for
argparse's own texts, passphrase reading, opening the vault, text and JSON output, and the mapping
of errors to exit codes (0 success, 2 usage, 3 wrong passphrase, 4 invalid input, 5 integrity
problem or refused bundle, 6 disk full, 7 vault in use by another process, 8 read-only data
folder, 1 anything unexpected).

The command modules import only this module from the ``cli`` package.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app.domain.errors import AppError, UsageError, ValidationError
from conseiller_app.domain.text import json_terminal_safe, terminal_safe
from conseiller_app.logs import log_bug

if TYPE_CHECKING:
    from conseiller_app.storage.services import Context
    from conseiller_app.storage.services.retention import PurgeResult, RetentionReview
    from conseiller_app.storage.services.settings import Settings
    from conseiller_app.storage.vault import Vault
    from conseiller_app.sync.service import Enrolled, SyncStatus

PASSPHRASE_ENV = "CONSEILLER_PASSPHRASE"
# How long a command waits for the vault while another command holds it (never for the
# application: see storage.lock). Commands run one after another in a script then succeed.
LOCK_WAIT_SECONDS = 30.0

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
    """One line for the user on standard output (without control or bidi characters: names and
    labels may come from another machine)."""
    print(terminal_safe(text))


def err(text: str) -> None:
    """One line for the user on standard error (same cleaning as :func:`out`)."""
    print(terminal_safe(text), file=sys.stderr)


def print_json(data: Any) -> None:
    """JSON for scripts: dates in ISO form, enumerations by value, a service's frozen dataclass
    result by its fields (``dataclasses.asdict``), accents kept."""

    def default(o: object) -> Any:
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        if isinstance(o, enum.Enum):
            return o.value
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        if isinstance(o, (frozenset, set, tuple)):
            return list(o)
        raise TypeError(type(o).__name__)

    print(json_terminal_safe(json.dumps(data, default=default, ensure_ascii=False, indent=2)))


# --- JSON built from the services' typed results ----------------------------------------------


def settings_json(current: Settings) -> dict[str, Any]:
    """``conseiller settings show --json``: every setting by its key."""
    return {"retention_months": current.retention_months, "idle_lock_minutes": current.idle_lock_minutes,
            "territory": current.territory}


def retention_json(found: RetentionReview) -> dict[str, Any]:
    """``conseiller retention list --json``."""
    return {
        "months": found.months, "today": found.today, "cutoff": found.cutoff,
        "files": [{"id": f.id, "last_name": f.last_name, "first_name": f.first_name, "name": f.name,
                   "last_contact": f.last_contact, "stage": f.stage, "stage_label": f.stage_label,
                   "status": f.status, "kind": f.kind, "kind_label": f.kind_label, "reasons": list(f.reasons),
                   "reason": f.reason} for f in found.files],
        "to_purge": found.to_purge, "to_check": found.to_check,
    }


def purge_json(result: PurgeResult) -> dict[str, Any]:
    """``conseiller retention purge --json``."""
    return {"purged": result.purged, "records": dict(result.records), "ids": list(result.ids)}


def enrolled_json(result: Enrolled) -> dict[str, Any]:
    """``conseiller sync enroll --json``."""
    return {"name": result.name, "fingerprint": result.fingerprint, "changed": result.changed,
            "device_fingerprint": result.device_fingerprint}


def sync_status_json(st: SyncStatus) -> dict[str, Any]:
    """``conseiller sync status --json``: every figure but the day they were computed for."""
    data = {f.name: getattr(st, f.name) for f in fields(st) if f.name not in ("history", "today")}
    data["history"] = [{f.name: getattr(b, f.name) for f in fields(b)} for b in st.history]
    return data


# --- passphrases and the vault ----------------------------------------------------------------


def read_secret_file(path: str) -> str:
    """A passphrase kept in a file (its final line break dropped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"Impossible de lire le fichier de phrase de passe : {path}") from None
    except UnicodeDecodeError:
        raise ValidationError("passphrase_file", "ce fichier n'est pas du texte UTF-8 (enregistrez-le en UTF-8).",
                              "Fichier de phrase de passe") from None
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


def name_process(command: str) -> None:
    """How this process is named to another one that finds the vault held (storage.lock)."""
    from conseiller_app.storage.lock import set_process_holder

    set_process_holder(f"la commande « {command} »")


def data_dir(args: argparse.Namespace) -> Path:
    from conseiller_app.storage.paths import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def open_vault(args: argparse.Namespace, secret: str | None = None) -> Vault:
    """Open the vault named by the arguments behind the unlock throttle shared with the
    application (a wait after repeated wrong passphrases, refused with exit code 3)."""
    from conseiller_app.storage import throttle

    return throttle.open_vault(
        data_dir(args), passphrase(args) if secret is None else secret, wait=LOCK_WAIT_SECONDS
    )


def open_context(args: argparse.Namespace) -> Context:
    """Open the vault named by the arguments; the caller closes ``ctx.vault``."""
    from conseiller_app.storage.services import Context

    vault = open_vault(args)
    try:
        return Context(vault)
    except BaseException:
        vault.close()
        raise


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
