"""The synchronisation as units of work on an open vault, for the CLI and the Synchronisation page.

Each function is one transaction and returns frozen dataclasses (no ORM object leaves). Long work
(:func:`export`) reports progress through a ``progress(done, total)`` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conseiller_app.domain.errors import UsageError
from conseiller_app.storage.journal import audit
from conseiller_app.storage.models import AuditEntry, ChangeEntry, utcnow
from conseiller_app.storage.profile import get_setting, is_demo
from conseiller_app.storage.reference import reference_version
from conseiller_app.storage.services.context import Context
from conseiller_app.storage.sync_models import SyncBundle
from conseiller_app.sync import crypto, device, importer
from conseiller_app.sync import export as exporter
from conseiller_app.sync.enrollment import read_enrollment as _read_enrollment
from conseiller_app.sync.errors import (
    DEMO_VAULT_REAL_ENROLLMENT,
    REAL_VAULT_DEMO_ENROLLMENT,
    BundleRejected,
    EnrollmentRefused,
)
from conseiller_app.sync.format import CENTRAL_OWNED, DEFAULT_LIMITS, Limits

ACK_WARNING_SETTING = "sync_ack_warning_days"
ACK_WARNING_DEFAULT = 14
STATUS_LABELS = {"exporte": "exporté, en attente d'accusé de réception", "accuse": "reçu par le siège",
                 "importe": "importé"}


@dataclass(frozen=True)
class EnrollmentInfo:
    """What to show before enrolling: the central office's name and fingerprint."""

    name: str
    fingerprint: str  # grouped for reading aloud
    fingerprint_full: str
    url: str | None = None  # the central office's service, when the enrollment file names it
    demo: bool = False  # a training central office (fictitious data only)


@dataclass(frozen=True)
class Enrolled:
    name: str
    fingerprint: str
    changed: bool  # False when these keys were already pinned
    device_fingerprint: str
    url: str | None = None


@dataclass(frozen=True)
class BundleRow:
    """One bundle of the history (sent or received)."""

    id: str
    direction: str  # "out" or "in"
    sequence: int
    created_at: datetime
    file_name: str
    changes: int
    audit: int
    status: str
    status_label: str
    acknowledged_at: datetime | None
    reference_version: int | None


@dataclass(frozen=True)
class SyncStatus:
    """Everything the Synchronisation page and ``conseiller sync status`` show."""

    enrolled: bool
    central_name: str | None
    central_fingerprint: str | None
    device_id: str
    device_fingerprint: str
    demo: bool
    changes_waiting: int
    audit_waiting: int
    last_export_at: datetime | None
    last_ack_at: datetime | None
    last_import_at: datetime | None
    acknowledged_changes: int
    next_sequence: int
    reference_version: int
    ack_warning_days: int
    days_without_ack: int | None
    ack_overdue: bool
    history: tuple[BundleRow, ...]
    today: date  # the services' day the figures were computed for (not part of the JSON)
    central_url: str | None = None  # the service's URL named by the enrollment file
    reference_label: str | None = None  # the installed reference data's label (« 2026.1-livree »)


def read_enrollment(path: Path) -> EnrollmentInfo:
    """What to show before enrolling: the central office's name and fingerprint."""
    c = _read_enrollment(Path(path))
    return EnrollmentInfo(name=c.name, fingerprint=c.display_fingerprint, fingerprint_full=c.fingerprint, url=c.url,
                          demo=c.demo)


def enroll(ctx: Context, path: Path, *, replace: bool = False) -> Enrolled:
    """Pin the central office's keys found in an enrollment file."""
    from conseiller_app.sync import network

    c = _read_enrollment(Path(path))
    with ctx.vault.session() as s:
        if c.demo != is_demo(s):
            raise EnrollmentRefused(REAL_VAULT_DEMO_ENROLLMENT if c.demo else DEMO_VAULT_REAL_ENROLLMENT)
        changed = device.pin_central(s, c, replace=replace)
        network.remember_endpoint(s, c.url, c.ca_certificate)
        if changed:
            audit(s, ctx.actor_id, "sync_enroll", "sync_state", None, None, {"fingerprint": c.fingerprint[:32]})
        _, _, fp = device.public_keys(device.ensure_state(s))
    return Enrolled(name=c.name, fingerprint=c.display_fingerprint, changed=changed,
                    device_fingerprint=crypto.display_fingerprint(fp), url=c.url)


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: str
    fingerprint: str  # grouped for reading aloud


def identity(ctx: Context) -> DeviceIdentity:
    """This device's id and key fingerprint (the central office checks it before approving)."""
    with ctx.vault.session() as s:
        st = device.ensure_state(s)
        _, _, fp = device.public_keys(st)
        return DeviceIdentity(device_id=device.device_id(s), fingerprint=crypto.display_fingerprint(fp))


def export(ctx: Context, out_dir: Path, *, progress: Callable[[int, int], None] | None = None,
           limits: Limits = DEFAULT_LIMITS) -> exporter.ExportedBundle:
    """Write one bundle into ``out_dir`` (a folder or a USB key)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise UsageError(f"Dossier de destination introuvable : {out_dir}")
    with ctx.vault.session() as s:
        made, _ = exporter.export_bundle(s, out_dir, actor_id=ctx.actor_id, now=utcnow(), limits=limits,
                                         progress=progress)
    return made


def read_bundle_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    path = Path(path)
    try:
        if path.stat().st_size > limits.max_file_bytes:
            raise BundleRejected("limits", "Paquet refusé : le fichier dépasse la taille autorisée.")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"Fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise UsageError(f"Ce chemin est un dossier, pas un paquet : {path}") from None


def import_bundle(ctx: Context, path: Path, *, limits: Limits = DEFAULT_LIMITS) -> importer.ImportedBundle:
    """Import a bundle of the central office, all or nothing."""
    data = read_bundle_file(path, limits)
    try:
        with ctx.vault.session() as s:
            return importer.import_bundle(s, data, Path(path).name, actor_id=ctx.actor_id, now=utcnow(),
                                          limits=limits)
    except IntegrityError:
        raise BundleRejected("reference", "Paquet refusé : ses données de référence ne sont pas compatibles avec "
                                          "les dossiers de ce coffre. Rien n'a été modifié ; prévenez le siège.") from None


def status(ctx: Context, history_limit: int = 50) -> SyncStatus:
    """Everything the Synchronisation page shows."""
    with ctx.vault.session() as s:
        st = device.ensure_state(s)
        _, _, fp = device.public_keys(st)
        waiting_q = select(func.count(), func.min(ChangeEntry.at)).where(
            ChangeEntry.seq > st.acked_change_seq, ChangeEntry.entity.not_in(sorted(CENTRAL_OWNED)))
        waiting, oldest = s.execute(waiting_q).one()
        audit_waiting = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq > st.acked_audit_seq)) or 0
        try:
            warn_days = max(1, int(get_setting(s, ACK_WARNING_SETTING) or ACK_WARNING_DEFAULT))
        except ValueError:
            warn_days = ACK_WARNING_DEFAULT
        since = st.last_ack_at or oldest
        today = ctx.today()
        days = (today - since.date()).days if since else None
        history = tuple(bundle_row(b) for b in s.scalars(
            select(SyncBundle).order_by(SyncBundle.created_at.desc(), SyncBundle.sequence.desc()).limit(history_limit)))
        return SyncStatus(
            enrolled=bool(st.central_fingerprint),
            central_name=st.central_name,
            central_fingerprint=crypto.display_fingerprint(st.central_fingerprint) if st.central_fingerprint else None,
            device_id=device.device_id(s),
            device_fingerprint=crypto.display_fingerprint(fp),
            demo=is_demo(s),
            changes_waiting=waiting,
            audit_waiting=audit_waiting,
            last_export_at=st.last_export_at,
            last_ack_at=st.last_ack_at,
            last_import_at=st.last_import_at,
            acknowledged_changes=st.acked_change_seq,
            next_sequence=st.next_sequence,
            reference_version=st.reference_version,
            reference_label=reference_version(s),
            ack_warning_days=warn_days,
            days_without_ack=days if waiting else 0,
            ack_overdue=bool(waiting and days is not None and days > warn_days),
            history=history,
            central_url=get_setting(s, "sync_url") or None,
            today=today,
        )


def bundle_row(b: SyncBundle) -> BundleRow:
    return BundleRow(id=b.id, direction=b.direction, sequence=b.sequence, created_at=b.created_at,
                     file_name=b.file_name, changes=b.changes, audit=b.audit, status=b.status,
                     status_label=STATUS_LABELS.get(b.status, b.status), acknowledged_at=b.acknowledged_at,
                     reference_version=b.reference_version)
