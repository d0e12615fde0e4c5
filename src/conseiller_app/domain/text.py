"""Text normalisation for accent- and case-insensitive search (``lefevre`` finds ``Lefèvre``,
``ndiaye`` finds ``N'Diaye``, ``lukasz`` finds ``Łukasz``)."""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_SEPARATORS = re.compile(r"[\s\-'’‘`´.,;:/()]+")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case ASCII transliteration; keeps separators. Cached: the same names and communes
    come back all the time (and the demo generator folds 60,000 of them twice).

    ``anyascii`` (a maintained transliteration table covering all of Unicode) rather than
    stripping combining marks: letters that are not a base letter plus an accent (Polish ``Ł``,
    South-Slavic ``Đ``, Danish ``ø``, ligatures ``Æ``, ``Œ``, ``ß``, other scripts) then fold too
    — ``Łukasz`` → ``lukasz``, ``Đorđević`` → ``dordevic``, ``Ærø`` → ``aero``."""
    # upper() then casefold() first so that case pairs that differ in length or that casefold()
    # keeps apart meet before transliteration (ᾀ/ἈΙ, ı/I/i, ſ/s, ß/SS).
    return anyascii(text.upper().casefold()).lower()


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


# Short prefixes are indexed as tokens of their own ("^ma": a word starting with "ma"), stored with
# the file's sort key: what a conseiller types first (1 to 3 letters, thousands of matches among
# 60,000 files) is then read in list order straight from the index, without sorting or merging
# the many words that share the prefix. Longer prefixes match few words: a range scan is enough.
PREFIX_MARK = "^"
PREFIX_LENGTHS = (1, 2, 3)


def has_prefix_keys(token: str) -> bool:
    """Words starting with a digit (CAF number, INSEE and postal codes) get no prefix keys:
    typing 1 to 3 digits is not a way to look for someone."""
    return bool(token) and token[0] not in "0123456789"


def prefix_keys(tokens: list[str]) -> list[str]:
    """The prefix keys (``^m``, ``^ma``, ``^mar``) of a file's search tokens."""
    keys: dict[str, None] = {}
    for token in tokens:
        if has_prefix_keys(token):
            for n in PREFIX_LENGTHS:
                keys[PREFIX_MARK + token[:n]] = None
    return list(keys)


def prefix_key(typed: str) -> str | None:
    """The key to look up for a typed query token, when it is short enough to have one."""
    if len(typed) <= PREFIX_LENGTHS[-1] and has_prefix_keys(typed):
        return PREFIX_MARK + typed
    return None
