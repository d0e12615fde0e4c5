"""Text normalisation for accent- and case-insensitive search (``lefevre`` finds ``Lefèvre``,
``ndiaye`` finds ``N'Diaye``)."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’‘`´.,;:/()]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower-case, strip accents and ligatures; keeps separators."""
    # upper() first so that case pairs that casefold() keeps apart meet (ı/I/i, ſ/s).
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES).upper().casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", text)


def search_tokens(*parts: str | None) -> list[str]:
    """Tokens under which a name is findable: each word, and each compound joined.

    ``N'Diaye`` gives ``n``, ``diaye`` and ``ndiaye``; ``Saint-Omer`` gives ``saint``, ``omer``
    and ``saintomer``.
    """
    tokens: list[str] = []
    for part in parts:
        if not part:
            continue
        for word in fold(part).split():
            pieces = [p for p in _SEPARATORS.split(word) if p]
            tokens.extend(pieces)
            if len(pieces) > 1:
                tokens.append("".join(pieces))
    seen: set[str] = set()
    return [t for t in tokens if not (t in seen or seen.add(t))]


def query_tokens(query: str) -> list[str]:
    """Tokens of what the user typed; apostrophes and hyphens join (``n'dia`` → ``ndia``)."""
    out = []
    for word in fold(query).split():
        joined = "".join(p for p in _SEPARATORS.split(word) if p)
        if joined:
            out.append(joined)
    return out
