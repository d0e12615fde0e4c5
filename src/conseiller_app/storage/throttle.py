"""Slows down passphrase guessing: after a few wrong passphrases the next attempt waits, longer
each time, and the wait survives a restart of the application. The unlock screen and the command
line (``open_vault``) share the same count.

The state lives in a small JSON file beside the vault (never inside it: the vault cannot be read
before it is unlocked). It holds a count and a time, no personal data.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from conseiller_app.domain.errors import WrongPassphrase
from conseiller_app.storage.fsutil import write_bytes_atomic

if TYPE_CHECKING:
    from conseiller_app.storage.vault import Vault

log = logging.getLogger(__name__)

STATE_FILE = "deverrouillage.json"
FREE_ATTEMPTS = 2  # the third wrong passphrase in a row starts the delays
FIRST_DELAY = 5.0  # seconds
MAX_DELAY = 300.0  # five minutes: slows a guesser, never locks the conseiller out for good


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive wrong passphrases (3 → 5 s, then doubling)."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (failures - FREE_ATTEMPTS - 1))


class UnlockThrottle:
    """Counts consecutive wrong passphrases and says how long to wait before the next attempt.

    ``clock`` returns wall-clock seconds (``time.time``): a monotonic clock would not survive a
    restart. A clock set back cannot stretch the wait beyond ``MAX_DELAY``.
    """

    def __init__(self, data_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(data_dir) / STATE_FILE
        self._clock = clock
        self.failures = 0
        self.not_before = 0.0
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.failures = max(0, int(raw.get("echecs", 0)))
            self.not_before = float(raw.get("prochain_essai", 0.0))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError):
            # A damaged file must not open the door wider: assume the worst recorded state.
            log.warning("Fichier de délai de déverrouillage illisible : délai maximal appliqué.")
            self.failures = FREE_ATTEMPTS + 10
            self.not_before = self._clock() + MAX_DELAY

    def _save(self) -> None:
        data = {"echecs": self.failures, "prochain_essai": self.not_before}
        write_bytes_atomic(self.path, json.dumps(data).encode("utf-8"))

    def remaining(self) -> float:
        """Seconds before the next attempt is allowed (0 when allowed now)."""
        left = self.not_before - self._clock()
        return max(0.0, min(left, MAX_DELAY))

    def remaining_whole_seconds(self) -> int:
        return math.ceil(self.remaining())

    def record_failure(self) -> float:
        """Count a wrong passphrase; return the delay now imposed (seconds)."""
        self.failures += 1
        delay = delay_after(self.failures)
        self.not_before = self._clock() + delay
        self._save()
        return delay

    def record_success(self) -> None:
        if self.failures or self.not_before:
            self.failures = 0
            self.not_before = 0.0
            self._save()


class UnlockThrottled(WrongPassphrase):
    """An attempt refused before the passphrase is even tried (exit code 3, as a wrong one)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"Trop de phrases de passe erronées : nouvel essai possible dans {seconds} s. "
                         "Le coffre n'a pas été ouvert.")
        self.seconds = seconds


def open_vault(
    data_dir: Path, passphrase: str, clock: Callable[[], float] = time.time, *, wait: float = 0.0
) -> Vault:
    """``Vault.open`` behind the throttle: refused while a delay runs (``UnlockThrottled``); a wrong
    passphrase is counted (the message says the delay it starts), a right one clears the count."""
    # Imported here: the unlock screen imports this module and must show before SQLAlchemy loads.
    from conseiller_app.storage.vault import Vault

    throttle = UnlockThrottle(data_dir, clock)
    delayed = throttle.remaining_whole_seconds()
    if delayed:
        raise UnlockThrottled(delayed)
    try:
        vault = Vault.open(data_dir, passphrase, wait=wait)
    except WrongPassphrase as exc:
        delay = math.ceil(throttle.record_failure())
        if delay:
            raise WrongPassphrase(f"{exc.message} Prochain essai possible dans {delay} s.") from None
        raise
    throttle.record_success()
    return vault
