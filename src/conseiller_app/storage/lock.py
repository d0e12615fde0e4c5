"""The vault lock: one process at a time opens a vault (the application or one command).

SQLite's own locks last one transaction; they do not stop a second process from opening the
vault, and a ``rekey`` or ``restore`` run while the application kept writing replaced the file
under it: an acknowledged write was lost. The lock is an OS lock (``flock`` on POSIX,
``msvcrt.locking`` on Windows) on ``coffre.verrou`` in the data folder, taken before the vault
file is touched and held for the vault's whole life. The kernel releases it when the process ends,
crash and ``kill -9`` included, so a stale lock file never blocks anyone: only a live process does.

The standard library rather than ``filelock``: that package truncates the lock file when it opens
it, before knowing whether it gets the lock, which would erase what the second process needs to
read — the holder's description (« l'application », « la commande conseiller rekey ») that the
refusal message names.

Read-only commands do not share the lock: none of them is read-only at the database level
(``beneficiary show`` writes the audit journal, ``check`` checkpoints the WAL), and a command that
finds the vault held by another command waits a little for it instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from pathlib import Path

from conseiller_app.domain.errors import VaultBusy
from conseiller_app.storage.fsutil import os_error

LOCK_FILE = "coffre.verrou"
APPLICATION = "l'application"
_holder = "un autre programme"
# msvcrt locks a byte range; one byte far past what the file holds, so that the holder's
# description at the start stays readable by the process that is refused.
_WINDOWS_OFFSET = 1 << 20


def set_process_holder(description: str) -> None:
    """How this process is named to another one refused the vault (« l'application »…)."""
    global _holder
    _holder = description


def lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOCK_FILE


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        import msvcrt

        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def holder_of(data_dir: Path) -> str:
    """The description the holding process wrote (best effort: the file may be mid-write)."""
    try:
        text = lock_path(data_dir).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return text.splitlines()[0] if text else ""


def busy_error(data_dir: Path) -> VaultBusy:
    holder = holder_of(data_dir)
    who = holder.rsplit(" (processus", 1)[0] if holder else ""
    if who == APPLICATION:
        return VaultBusy(f"Le coffre est ouvert dans l'application ({holder.split('(', 1)[1].rstrip(')')}) : "
                         "fermez-la puis réessayez. Rien n'a été modifié.")
    if holder:
        return VaultBusy(f"Le coffre est déjà ouvert par {holder} : attendez la fin de cette opération "
                         "puis réessayez. Rien n'a été modifié.")
    return VaultBusy("Le coffre est déjà ouvert par un autre programme : fermez-le puis réessayez. "
                     "Rien n'a été modifié.")


class VaultLock:
    """The held lock of one data folder. :meth:`acquire` then :meth:`release` (idempotent)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> VaultLock:
        """Take the lock, waiting up to ``wait`` seconds while another *command* holds it (never
        for the application, which holds it for hours). Raises :class:`VaultBusy`."""
        path = lock_path(self.data_dir)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise os_error(exc) from None
        deadline = time.monotonic() + wait
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline or holder_of(self.data_dir).startswith(APPLICATION):
                    raise busy_error(self.data_dir)
                time.sleep(0.05)
            _describe(fd)
        except OSError as exc:
            os.close(fd)
            raise os_error(exc) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no stale description left behind
        os.close(fd)  # releases the OS lock


def _describe(fd: int) -> None:
    """Write who holds the lock; best effort (a full disk must not keep the vault from opening)."""
    data = f"{_holder} (processus {os.getpid()})\n".encode()
    try:
        os.ftruncate(fd, 0)
        if hasattr(os, "pwrite"):
            os.pwrite(fd, data, 0)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
