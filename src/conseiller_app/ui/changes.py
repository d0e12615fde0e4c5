"""What an operation changed, and who hears about it (Anki's ``OpChanges``): an operation's
result says which kinds of data it changed (files, sessions, referrals, settings); the page that
ran it publishes a :class:`Changes` through its ``changes_made`` signal; every page that declares
the kinds it shows (``shows``) gets ``changes_happened(changes)`` and refreshes what is stale.

The main window connects each page to the bus when the page is built, by these two names only:
a new page needs no wiring of its own (see ``docs/architecture.md``, « Adding a page »)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import shiboken6
from PySide6.QtCore import QObject, Signal


class Kind(StrEnum):
    FILES = "files"  # beneficiary files: identity, barriers, consents, pathway
    SESSIONS = "sessions"  # ateliers, sessions, registrations, attendance
    REFERRALS = "referrals"  # orientations vers une agence
    SETTINGS = "settings"  # the conseiller's settings (idle lock, retention…)


@dataclass(frozen=True)
class Changes:
    """The kinds of data one operation changed, and the files it touched when known (empty: any)."""

    kinds: frozenset[Kind]
    files: frozenset[str] = field(default_factory=frozenset)
    # The page that made the change has refreshed itself already: it is not told again.
    origin: object | None = field(default=None, compare=False)

    @classmethod
    def of(cls, *kinds: Kind, files: Iterable[str | None] = (), origin: object | None = None) -> Changes:
        return cls(frozenset(kinds), frozenset(f for f in files if f), origin)

    def touches(self, kinds: Iterable[Kind]) -> bool:
        return bool(self.kinds & frozenset(kinds))

    def touches_file(self, beneficiary_id: str | None) -> bool:
        return Kind.FILES in self.kinds and (not self.files or beneficiary_id in self.files)


class ChangeBus(QObject):
    """Delivers each published change to the subscribed pages that show one of its kinds,
    synchronously, in subscription order; pages deleted since are forgotten."""

    published = Signal(object)  # Changes, after delivery (status bar, tests)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._subscribers: list[tuple[QObject, frozenset[Kind]]] = []

    def subscribe(self, page: QObject, kinds: Iterable[Kind]) -> None:
        self._subscribers.append((page, frozenset(kinds)))

    def attach(self, page: QObject) -> None:
        """Connect a page by convention: ``changes_made`` (a signal of Changes) is published,
        ``shows`` (kinds) with ``changes_happened(changes)`` subscribes."""
        made = getattr(page, "changes_made", None)
        if made is not None:
            made.connect(self.publish)
        shows = getattr(page, "shows", None)
        if shows and callable(getattr(page, "changes_happened", None)):
            self.subscribe(page, shows)

    def publish(self, changes: Changes) -> None:
        self._subscribers = [(p, k) for p, k in self._subscribers if shiboken6.isValid(p)]
        for page, kinds in list(self._subscribers):
            if page is not changes.origin and changes.touches(kinds):
                page.changes_happened(changes)  # type: ignore[attr-defined]  # checked by attach()
        self.published.emit(changes)
