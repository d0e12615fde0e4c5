"""Atomic file writes: temp file in the same folder, fsync, ``os.replace``, fsync the folder."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from conseiller_app.domain.errors import AppError, ReadOnlyStorage, StorageFull


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_beside(target: Path, suffix: str = ".tmp") -> Path:
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def commit_file(tmp: Path, target: Path) -> None:
    """fsync ``tmp`` and move it over ``target`` atomically."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)


def write_atomic(target: Path, producer: Callable[[Path], object]) -> None:
    """Let ``producer`` write a temp file beside ``target`` (what it returns is ignored), then commit it;
    clean up on failure."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_beside(target)
    try:
        producer(tmp)
        commit_file(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    def write(p: Path) -> None:
        p.write_bytes(data)

    write_atomic(Path(target), write)


def os_error(exc: OSError) -> AppError | OSError:
    """The user's words for an OS error on the data folder, or the error itself (a bug)."""
    if exc.errno == errno.ENOSPC:
        return StorageFull()
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyStorage()
    return exc
