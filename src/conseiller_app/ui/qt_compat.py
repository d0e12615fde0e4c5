"""Guards against a reference-count bug of some PySide6 builds on CPython < 3.12.

PySide6 6.12.0 on Python 3.11 returns ``None`` from every wrapped ``void`` method without taking
a new reference (harmless from 3.12 on, where ``None`` is immortal). Each such call drops one
reference to ``None``; after a few thousand calls the interpreter aborts with "Fatal Python error:
none_dealloc". The real fix is a PySide6 release without the bug (6.11.x is fine); until then,
when the leak is detected, ``None`` receives a reserve of references so that it never reaches 0.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_RESERVE = 1 << 40
_applied = False


def none_leaks_per_call() -> int:
    """How many references to ``None`` one wrapped void call loses (0 on a sound build)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    calls = 64
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("sonde")
    lost = before - sys.getrefcount(None)
    return max(0, round(lost / calls))


def protect_none_refcount() -> bool:
    """Give ``None`` a reserve of references if this PySide6 build leaks them; True if applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12):
        return _applied
    if none_leaks_per_call() == 0:
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += _RESERVE
    _applied = True
    import PySide6

    log.warning("PySide6 %s perd des références à None sur Python %d.%d : réserve appliquée.",
                PySide6.__version__, *sys.version_info[:2])
    return True
