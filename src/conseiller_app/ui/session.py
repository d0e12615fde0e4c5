"""The vault's life cycle seen from the GUI: no vault yet → create; locked → unlock (with the
throttle on wrong passphrases); open → lock. Screens call these methods and listen to the signals;
every database step runs on the worker.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from conseiller_app.domain.errors import WrongPassphrase
from conseiller_app.storage.paths import vault_exists
from conseiller_app.storage.throttle import UnlockThrottle
from conseiller_app.ui.progress import run_with_progress
from conseiller_app.ui.worker import DbWorker

# The vault operations, imported on the worker thread when they run: ``vault_ops`` brings the
# whole storage layer (SQLAlchemy, the models), which the unlock screen does not need to appear.

def _create_vault(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from conseiller_app.ui import vault_ops

    return vault_ops.create_vault(*args, **kwargs)


def _open_vault(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from conseiller_app.ui import vault_ops

    return vault_ops.open_vault(*args, **kwargs)


def _close_vault(worker: DbWorker) -> None:
    from conseiller_app.ui import vault_ops

    vault_ops.close_vault(worker)


class State(enum.Enum):
    NO_VAULT = "no_vault"
    LOCKED = "locked"
    BUSY = "busy"  # opening, creating or closing
    OPEN = "open"


class VaultSession(QObject):
    """Owns the lock state. ``about_to_lock`` is emitted synchronously before the close is queued,
    so that pages can queue their draft saves ahead of it."""

    opened = Signal(dict, bool)  # vault info, True the first time in this run
    about_to_lock = Signal()
    locked = Signal()
    unlock_failed = Signal(str, float)  # French message, seconds to wait before the next try
    create_failed = Signal(object)  # the exception
    state_changed = Signal(object)

    def __init__(self, worker: DbWorker, data_dir: Path, *, wall_clock: Callable[[], float] = time.time,
                 today: Callable[[], date] = date.today, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.data_dir = Path(data_dir)
        self.today = today
        self.throttle = UnlockThrottle(self.data_dir, clock=wall_clock)
        self.info: dict[str, Any] = {}
        self._opened_once = False
        self._state = State.LOCKED if vault_exists(self.data_dir) else State.NO_VAULT

    # --- state -------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    def _set_state(self, state: State) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state)

    @property
    def is_open(self) -> bool:
        return self._state is State.OPEN

    # --- create ------------------------------------------------------------------------------

    def create(self, passphrase: str, name: str, territory: str, office: str, demo_files: int = 0,
               parent: QWidget | None = None) -> None:
        if self._state is not State.NO_VAULT:
            return
        self._set_state(State.BUSY)
        label = (self.tr("Création du coffre et des {n} dossiers de démonstration…").format(n=demo_files)
                 if demo_files else self.tr("Création du coffre chiffré…"))
        run_with_progress(
            self.worker, parent, label, _create_vault, self.worker, self.data_dir, passphrase, name,
            territory, office, demo_files, self.today, needs_vault=False, cancellable=False,
            with_progress=bool(demo_files), on_done=self._opened, on_error=self._create_error,
        )

    def _create_error(self, exc: BaseException) -> None:
        self._set_state(State.LOCKED if vault_exists(self.data_dir) else State.NO_VAULT)
        self.create_failed.emit(exc)

    # --- unlock ------------------------------------------------------------------------------

    def unlock(self, passphrase: str, parent: QWidget | None = None) -> bool:
        """Try ``passphrase``; False when refused right away (throttled or busy)."""
        if self._state is not State.LOCKED:
            return False
        wait = self.throttle.remaining()
        if wait > 0:
            self.unlock_failed.emit(self._wait_message(wait), wait)
            return False
        self._set_state(State.BUSY)
        run_with_progress(
            self.worker, parent, self.tr("Ouverture du coffre…"), _open_vault, self.worker, self.data_dir,
            passphrase, self.today, needs_vault=False, cancellable=False,
            on_done=self._unlocked, on_error=self._unlock_error,
        )
        return True

    def _unlocked(self, info: dict) -> None:
        self.throttle.record_success()
        self._opened(info)

    def _unlock_error(self, exc: BaseException) -> None:
        self._set_state(State.LOCKED)
        if isinstance(exc, WrongPassphrase):
            wait = self.throttle.record_failure()
            message = self.tr("Phrase de passe incorrecte.")
            if wait > 0:
                message += " " + self._wait_message(wait)
            self.unlock_failed.emit(message, wait)
        else:
            from conseiller_app.ui.errors import user_message

            self.unlock_failed.emit(user_message(exc), 0.0)

    def _wait_message(self, seconds: float) -> str:
        return self.tr("Trop d'essais : attendez {s} avant de réessayer.").format(s=format_wait(seconds))

    # --- open --------------------------------------------------------------------------------

    def _opened(self, info: dict) -> None:
        self.info = dict(info)
        first = not self._opened_once
        self._opened_once = True
        self._set_state(State.OPEN)
        self.opened.emit(self.info, first)

    def update_info(self, **changes: Any) -> None:
        self.info.update(changes)

    # --- lock --------------------------------------------------------------------------------

    def lock(self) -> None:
        if self._state is not State.OPEN:
            return
        self.about_to_lock.emit()
        self._set_state(State.BUSY)
        # Even if closing failed, the worker forgot the context first: the vault is unreachable.
        self.worker.submit(_close_vault, self.worker, needs_vault=False, barrier=True,
                           on_done=self._closed, on_error=self._closed)

    def _closed(self, _result: object = None) -> None:
        self._set_state(State.LOCKED)
        self.locked.emit()


def format_wait(seconds: float) -> str:
    """'5 s', '2 min 30 s' (French)."""
    total = max(1, math.ceil(seconds))
    minutes, secs = divmod(total, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
