"""Worker-side document operations (no Qt): write a PDF under a neutral name (the reports'
``filename()``: the reference or the session's date and short id, never a person's name) into
the vault's data folder, copy it atomically elsewhere, and delete it afterwards.

Each preview gets its own sub-folder, so two previews of the same document never share a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
from pathlib import Path

from conseiller_app.storage.fsutil import write_atomic

log = logging.getLogger(__name__)

PRINT_FOLDER = "impressions"


def print_folder(data_dir: Path) -> Path:
    return Path(data_dir) / PRINT_FOLDER


def _new_target(ctx, name: str) -> Path:
    folder = print_folder(ctx.vault.data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    own = folder / secrets.token_hex(6)
    own.mkdir(mode=0o700)
    return own / name


def referral_form_pdf(ctx, reference: str) -> Path:
    """The referral form (fiche de liaison); raises ``ConsentRequired`` without a valid consent."""
    from conseiller_app.reports import referral_form
    from conseiller_app.storage.services import referrals

    data = referrals.form_data(ctx, reference)
    return referral_form.write(_new_target(ctx, referral_form.filename(data["reference"])), data)


def attendance_sheet_pdf(ctx, session_id: str, blank: bool = False) -> Path:
    """The attendance sheet (feuille d'émargement), filled with the registered names or blank."""
    from conseiller_app.reports import attendance_sheet
    from conseiller_app.storage.services import sessions

    # A blank sheet prints no participant (and its print is not an access to their names).
    data = sessions.get(ctx, session_id) if blank else sessions.sheet_data(ctx, session_id)
    return attendance_sheet.write(_new_target(ctx, attendance_sheet.filename(data, blank=blank)), data, blank=blank)


def access_report_pdf(ctx, beneficiary_id: str) -> Path:
    """The access statement (relevé droit d'accès, RGPD article 15) of one file; the read is audited."""
    from conseiller_app.reports import access_report
    from conseiller_app.storage.services import access

    data = access.gather(ctx, beneficiary_id)
    return access_report.write(_new_target(ctx, access_report.filename(data)), data)


def save_copy(source: Path, target: Path) -> Path:
    """Copy a written document to where the conseiller chose, atomically (no half-written file)."""
    target = Path(target)
    def copy(tmp: Path) -> None:
        shutil.copyfile(source, tmp)

    write_atomic(target, copy)
    return target


def discard(path: Path | None) -> bool:
    """Delete a previewed document and its private folder. False when the file is still held
    open (a PDF reader on Windows): the next start removes it."""
    if path is None:
        return True
    path = Path(path)
    try:
        path.unlink(missing_ok=True)
        folder = path.parent
        if folder.parent.name == PRINT_FOLDER:
            folder.rmdir()
    except OSError as exc:
        log.warning("Document temporaire non supprimé (%s) : il le sera au prochain démarrage.", type(exc).__name__)
        return False
    return True


def clean_leftovers(data_dir: Path) -> int:
    """Remove documents left by a crash or a reader that held them open; returns how many."""
    folder = print_folder(data_dir)
    if not folder.is_dir():
        return 0
    removed = 0
    for own in folder.iterdir():
        files = [own] if own.is_file() else list(own.iterdir())
        for f in files:
            try:
                f.unlink()
                removed += 1
            except OSError:
                pass
        if own.is_dir():
            with contextlib.suppress(OSError):
                own.rmdir()
    return removed


def prepare_printing(ctx) -> int:
    """After unlocking: clean leftovers and pay the font loading once (first print is fast)."""
    from conseiller_app.reports.common import warm_up

    removed = clean_leftovers(ctx.vault.data_dir)
    warm_up()
    return removed


def is_private(path: Path) -> bool:
    """True when only the owner can read the folder (POSIX); always True elsewhere."""
    if os.name != "posix":
        return True
    return (Path(path).parent.stat().st_mode & 0o077) == 0
