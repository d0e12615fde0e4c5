"""What the command lines (``conseiller``, ``conseiller-central``) share: French messages for
argparse's own texts, and JSON output for scripts."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from typing import Any

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


def print_json(data: Any) -> None:
    """JSON for scripts: dates in ISO form, accents kept."""

    def default(o):
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    print(json.dumps(data, default=default, ensure_ascii=False, indent=2))
