"""Text normalisation for accent- and case-insensitive search (``lefevre`` finds ``Lefèvre``,
``ndiaye`` finds ``N'Diaye``, ``lukasz`` finds ``Łukasz``)."""

from __future__ import annotations

import re
import unicodedata
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
    return list(dict.fromkeys(tokens))  # first occurrences, in order


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


# Characters that act on a terminal or reorder what it shows: C0/C1 controls (ESC sequences,
# carriage return over a line already printed), bidirectional overrides and isolates (U+202E),
# zero-width and other invisible format characters, line and paragraph separators.
def _unsafe(c: str, keep_newlines: bool) -> bool:
    if c == "\n":
        return not keep_newlines
    if c in "\u200c\u200d":  # joiners: part of how some scripts are written, inert on a terminal
        return False
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") and c != " "


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every control, bidirectional-override and invisible format character
    removed (tabs become spaces): what can be printed on a terminal without the text acting on
    it. Everything printed by the command lines goes through it; data that comes from another
    machine (a device's name in a bundle) is cleaned with ``keep_newlines=False`` on arrival."""
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\t", " ")
    return "".join(c for c in text if not _unsafe(c, keep_newlines))


def json_terminal_safe(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with the same characters escaped as ``\\uXXXX``: still
    the same JSON value, inert on a terminal (``json`` escapes C0 controls but not C1 ones, U+202E
    or U+2028)."""
    if text.isascii():
        return text
    return "".join(f"\\u{ord(c):04x}" if c != "\n" and _unsafe(c, False) and ord(c) <= 0xFFFF else c
                   for c in text)
