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


_PACKAGE_DIR = Path(__file__).resolve().parent


def _own_frame(filename: str) -> str | None:
    """The path of a frame's file inside our package (``central/web/console.py``), else None."""
    try:
        return Path(filename).resolve().relative_to(_PACKAGE_DIR).as_posix()
    except ValueError:
        return None


def describe_bug(exc: BaseException, *, own_code_only: bool = False) -> str:
    """Exception type and frames (file, line, function) — no message, no local values.

    ``own_code_only``: only the frames of our package, named by their path inside it (innermost
    kept); the frames of libraries (the web framework, the database driver) are left out."""
    frames = traceback.extract_tb(exc.__traceback__)
    if own_code_only:
        # A wrapper (« raise LitestarException(…) from exc ») holds our frames in its explicit
        # causes: theirs are deeper in the stack than its own. (Not an implicit context, an
        # exception being handled when this one was raised: its frames are elsewhere.)
        cause = exc.__cause__
        for _ in range(3):
            if cause is None:
                break
            frames += traceback.extract_tb(cause.__traceback__)
            cause = cause.__cause__
        own = [(name, f) for f in frames if (name := _own_frame(f.filename)) is not None]
        where = " <- ".join(f"{name}:{f.lineno}:{f.name}" for name, f in reversed(own[-8:])) or "(hors de notre code)"
    else:
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(frames[-8:]))
    chain: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 3:
        chain.append(_type_name(cause) if own_code_only else type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    suffix = f" (causes : {', '.join(chain)})" if chain else ""
    return f"{_type_name(exc)} at {where}{suffix}"


def _type_name(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


class ScrubbedFormatter(logging.Formatter):
    """A formatter for logs that may receive records from libraries (the web service's stderr):
    a traceback becomes :func:`describe_bug` (type and frames, never the message or values); an
    exception passed as a message argument becomes its type name; and the message of a library's
    record that carries an exception is masked (asyncio and the like quote the exception's repr)."""

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s", **kwargs) -> None:
        super().__init__(fmt, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers keep the original
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(record.args, tuple):
            record.args = tuple(_type_name(a) if isinstance(a, BaseException) else a for a in record.args)
        elif isinstance(record.msg, BaseException):
            record.msg = _type_name(record.msg)
        if exc is not None and not record.name.startswith("conseiller_app"):
            record.msg, record.args = "erreur signalée par une bibliothèque (message masqué)", ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        text = super().format(record)
        if exc is not None:
            text += f" — {describe_bug(exc)}"
        return text


_LOGGED = "_conseiller_bug_logged"


def log_bug(logger: logging.Logger, context: str, exc: BaseException) -> None:
    """Log a bug once: the worker logs it where it happened (with its frames); the screen that
    then shows the generic message does not log it a second time."""
    if getattr(exc, _LOGGED, False):
        return
    logger.error("%s : %s", context, describe_bug(exc))
    with contextlib.suppress(AttributeError):  # an exception type with __slots__
        setattr(exc, _LOGGED, True)
