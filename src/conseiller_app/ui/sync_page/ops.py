"""The page's operations, run on the database worker: thin wrappers over ``sync.service`` that
add what the page needs (today's date, a real cancellation of the export). No Qt here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conseiller_app.domain.errors import AppError
from conseiller_app.sync import service
from conseiller_app.sync.errors import EnrollmentRefused
from conseiller_app.sync.export import ExportedBundle
from conseiller_app.sync.importer import ImportedBundle

if TYPE_CHECKING:
    from conseiller_app.sync.network import PreparedPush, Pulled, Pushed


class ExportCancelled(AppError):
    def __init__(self) -> None:
        super().__init__("Export annulé : aucun paquet n'a été écrit.")


def load_status(ctx) -> service.SyncStatus:
    """``service.status`` (with the services' 'today': the page counts days with it)."""
    return service.status(ctx)


def read_enrollment(path: Path) -> service.EnrollmentInfo:
    return service.read_enrollment(Path(path))


def enroll(ctx, path: Path, expected_fingerprint: str, replace: bool = False) -> service.Enrolled:
    """Pin the keys of the file, provided it still holds the fingerprint the conseiller compared."""
    if service.read_enrollment(Path(path)).fingerprint_full != expected_fingerprint:
        raise EnrollmentRefused("Le fichier d'inscription a changé depuis la comparaison de l'empreinte : rien "
                                "n'a été enregistré. Recommencez l'inscription.")
    return service.enroll(ctx, Path(path), replace=replace)


def export(ctx, out_dir: Path, outcome: dict[str, ExportedBundle],
           progress: Callable[[int, int], None] | None = None, token=None) -> ExportedBundle:
    """Export into ``out_dir``. A cancellation before the file is written rolls everything back
    (the service writes the file last); the result is also left in ``outcome`` so the page can
    tell, after a late cancel, whether a bundle was written after all."""

    def report(done: int, total: int) -> None:
        if token is not None and token.cancelled and done < total:
            raise ExportCancelled()
        if progress is not None:
            progress(done, total)

    result = service.export(ctx, Path(out_dir), progress=report)
    outcome["result"] = result
    return result


def import_bundle(ctx, path: Path) -> ImportedBundle:
    return service.import_bundle(ctx, Path(path))


# --- exchanges with the service (the network steps run away from the worker: see exchange.py) --


def endpoint(ctx):
    from conseiller_app.sync import network

    with ctx.vault.session() as s:
        return network.endpoint(s)


def prepare_push(ctx) -> PreparedPush:
    from conseiller_app.sync import network

    return network.prepare_push(ctx)


def finish_push(ctx, made: ExportedBundle, answer: dict[str, Any]) -> Pushed:
    from conseiller_app.sync import network

    return network.finish_push(ctx, made, answer)


def prepare_pull(ctx):
    from conseiller_app.sync import network

    return network.prepare_pull(ctx)


def finish_pull(ctx, data: bytes | None) -> Pulled:
    from conseiller_app.sync import network

    return network.finish_pull(ctx, data)


AUTO_SETTING = "sync_auto_minutes"  # 0: off (the default)


def auto_minutes(ctx) -> int:
    from conseiller_app.storage.profile import get_setting

    with ctx.vault.session() as s:
        value = get_setting(s, AUTO_SETTING) or "0"
    return int(value) if value.isdigit() else 0


def set_auto_minutes(ctx, minutes: int) -> int:
    from conseiller_app.storage.profile import set_setting

    minutes = max(0, min(int(minutes), 24 * 60))
    with ctx.vault.session() as s:
        set_setting(s, AUTO_SETTING, str(minutes))
    return minutes
