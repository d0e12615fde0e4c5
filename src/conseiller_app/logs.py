"""Technical logs in the data folder (``journaux/technique.log``), never holding personal data:
exception messages can quote values, so bugs are logged by type and stack frames only."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import traceback
from pathlib import Path

LOG_FILE = "technique.log"
_configured: Path | None = None


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A technical log that never speaks on stderr: when it cannot be written (full disk,
    read-only folder) the record is dropped. The default prints a « --- Logging error --- »
    traceback per record, hundreds of lines on a full disk, over the message the user needs."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def configure(data_dir: Path, level: int = logging.INFO) -> Path:
    """Log to a rotating file in ``data_dir/journaux``; nothing goes to stderr."""
    global _configured
    folder = Path(data_dir) / "journaux"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    if _configured == path:
        return path
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_conseiller", False):
            root.removeHandler(h)
    handler = _QuietFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8", delay=True)
    handler._conseiller = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # SQLAlchemy must never echo statements or parameters.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    _configured = path
    return path


def describe_bug(exc: BaseException) -> str:
    """Exception type and frames (file, line, function) — no message, no local values."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(frames[-8:]))
    chain: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 3:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    suffix = f" (causes : {', '.join(chain)})" if chain else ""
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where}{suffix}"


_LOGGED = "_conseiller_bug_logged"


def log_bug(logger: logging.Logger, context: str, exc: BaseException) -> None:
    """Log a bug once: the worker logs it where it happened (with its frames); the screen that
    then shows the generic message does not log it a second time."""
    if getattr(exc, _LOGGED, False):
        return
    logger.error("%s : %s", context, describe_bug(exc))
    with contextlib.suppress(AttributeError):  # an exception type with __slots__
        setattr(exc, _LOGGED, True)
