"""Exchanges with the central office's service over HTTPS: push a bundle, pull the return bundle.

The transport adds no trust: what travels is the same signed, encrypted bundle as on a USB key.
Each exchange is split into vault steps (``prepare_*``/``finish_*``, one transaction each) and a
network step that touches no vault (``send``/``fetch``), so the GUI runs the network step away
from the thread that owns the vault. :func:`push` and :func:`pull` chain them for the CLI.

TLS is verified normally: the system's certificate store, plus the CA certificate carried by the
enrollment file when there is one.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from conseiller_app.domain.errors import UsageError
from conseiller_app.storage.journal import audit
from conseiller_app.storage.models import utcnow
from conseiller_app.storage.profile import get_setting, set_setting
from conseiller_app.storage.services.context import Context
from conseiller_app.sync import device, importer, signed_request
from conseiller_app.sync import export as exporter
from conseiller_app.sync.errors import BundleRejected, CentralRefused, NetworkUnreachable
from conseiller_app.sync.format import DEFAULT_LIMITS, Limits

URL_SETTING, CA_SETTING = "sync_url", "sync_ca_certificate"
LAST_PUSH_SETTING, LAST_PULL_SETTING = "sync_last_push_at", "sync_last_pull_at"
TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=120.0, pool=10.0)
UPLOAD_PATH, RETURN_PATH, HEALTH_PATH = "/api/v1/bundles", "/api/v1/return-bundle", "/api/v1/health"


@dataclass(frozen=True)
class Endpoint:
    url: str
    ca_certificate: str | None

    def client(self) -> httpx.Client:
        context = ssl.create_default_context()  # the system's store
        if self.ca_certificate:
            context.load_verify_locations(cadata=self.ca_certificate)
        return httpx.Client(base_url=self.url, verify=context, timeout=TIMEOUT, follow_redirects=False,
                            headers={"User-Agent": "conseiller-app"})


def endpoint(session: Session) -> Endpoint:
    url = get_setting(session, URL_SETTING)
    if not url:
        raise UsageError("Aucune adresse du siège dans ce coffre : importez un fichier d'inscription qui en porte "
                         "une (« conseiller sync enroll FICHIER »), ou échangez par fichiers.")
    return Endpoint(url, get_setting(session, CA_SETTING) or None)


def remember_endpoint(session: Session, url: str | None, ca_certificate: str | None) -> None:
    """Called at enrollment: the address of the service (or none) and its CA certificate."""
    set_setting(session, URL_SETTING, url or "")
    set_setting(session, CA_SETTING, ca_certificate or "")


def configured(ctx: Context) -> bool:
    with ctx.vault.session() as s:
        return bool(get_setting(s, URL_SETTING))


def _refusal(response: httpx.Response) -> CentralRefused:
    try:
        doc = response.json()
        reason, message = str(doc.get("reason", "http")), str(doc.get("message", ""))
    except ValueError:
        reason, message = "http", ""
    if not message:
        message = f"Le siège a refusé l'échange (erreur {response.status_code})."
    return CentralRefused(reason, message[:500], response.status_code)


def _unreachable(exc: Exception) -> NetworkUnreachable:
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return NetworkUnreachable("Le certificat du service du siège n'a pas pu être vérifié : échange annulé. "
                                  "Prévenez le siège.")
    return NetworkUnreachable("Siège injoignable (hors ligne ?) : rien n'est perdu, l'échange sera refait plus tard.")


def probe(ep: Endpoint) -> None:
    """Raise :class:`NetworkUnreachable` unless the service answers its health check."""
    try:
        with ep.client() as client:
            response = client.get(HEALTH_PATH)
    except httpx.HTTPError as exc:
        raise _unreachable(exc) from None
    if response.status_code != 200:
        raise NetworkUnreachable(f"Le service du siège ne répond pas normalement (erreur {response.status_code}).")


# --- push --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedPush:
    """A bundle made for an upload: where to send it, what it holds, its sealed bytes."""

    endpoint: Endpoint
    bundle: exporter.ExportedBundle
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Pushed:
    """An upload done (``conseiller sync push``): the bundle sent and the central office's answer."""

    status: str  # the central office's: ingere | deja_recu | quarantaine
    sequence: int
    changes: int
    audit: int
    message: str  # the central office's French message
    at: datetime
    quarantine: bool  # received, waiting for the device's approval


@dataclass(frozen=True)
class Pulled:
    """A pull done (``conseiller sync pull``): ``rien`` (nothing new), else the import's status."""

    status: str  # rien | importe | deja_importe
    message: str
    at: datetime
    imported: importer.ImportedBundle | None = None


def prepare_push(ctx: Context, limits: Limits = DEFAULT_LIMITS) -> PreparedPush:
    """Make the bundle (recorded as exported, as on a USB key): nothing is written to disk."""
    with ctx.vault.session() as s:
        ep = endpoint(s)
        made, data = exporter.export_bundle(s, None, actor_id=ctx.actor_id, now=utcnow(), limits=limits)
    return PreparedPush(ep, made, data)


def send(ep: Endpoint, data: bytes) -> dict[str, Any]:
    """Upload a sealed bundle; the central office's acknowledgment: its JSON answer as received
    (another machine's document: read with ``get`` and checked where used, not typed as trusted)."""
    try:
        with ep.client() as client:
            response = client.post(UPLOAD_PATH, content=data, headers={"Content-Type": "application/octet-stream"})
    except httpx.HTTPError as exc:
        raise _unreachable(exc) from None
    if response.status_code in (200, 202):
        ack: dict[str, Any] = response.json()  # a JSON object
        return ack
    raise _refusal(response)


def finish_push(ctx: Context, made: exporter.ExportedBundle, answer: Mapping[str, Any]) -> Pushed:
    now = utcnow()
    status = str(answer.get("status", ""))[:20]
    with ctx.vault.session() as s:
        set_setting(s, LAST_PUSH_SETTING, now.isoformat(timespec="seconds"))
        audit(s, ctx.actor_id, "sync_push", "sync_bundle", made.bundle_id, None,
              {"sequence": made.sequence, "status": status})
    return Pushed(status=status, sequence=made.sequence, changes=made.changes, audit=made.audit,
                  message=str(answer.get("message", ""))[:500], at=now, quarantine=status == "quarantaine")


def push(ctx: Context, limits: Limits = DEFAULT_LIMITS) -> Pushed:
    with ctx.vault.session() as s:
        ep = endpoint(s)
    probe(ep)  # offline: no bundle made for nothing
    prepared = prepare_push(ctx, limits)
    return finish_push(ctx, prepared.bundle, send(prepared.endpoint, prepared.data))


# --- pull --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullRequest:
    endpoint: Endpoint
    device_id: str
    signing_key: str
    after: int


def prepare_pull(ctx: Context) -> PullRequest:
    with ctx.vault.session() as s:
        st = device.ensure_state(s)
        device.pinned_central(st)
        return PullRequest(endpoint(s), device.device_id(s), st.signing_key, st.central_sequence)


def fetch(req: PullRequest) -> bytes | None:
    """The return bundle published for this device since the last one imported, or None."""
    path = f"{RETURN_PATH}?after={req.after}"
    headers = signed_request.sign_headers(req.signing_key, req.device_id, "GET", path)
    try:
        with req.endpoint.client() as client:
            response = client.get(path, headers=headers)
    except httpx.HTTPError as exc:
        raise _unreachable(exc) from None
    if response.status_code == 204:
        return None
    if response.status_code == 200:
        return response.content
    raise _refusal(response)


def finish_pull(ctx: Context, data: bytes | None, limits: Limits = DEFAULT_LIMITS) -> Pulled:
    """Import what was fetched (all or nothing, exactly as from a file)."""
    from sqlalchemy.exc import IntegrityError

    now = utcnow()
    result: importer.ImportedBundle | None = None
    if data is not None:
        try:
            with ctx.vault.session() as s:
                result = importer.import_bundle(s, data, "retour-siege.age", actor_id=ctx.actor_id, now=now,
                                                limits=limits)
        except IntegrityError:
            raise BundleRejected("reference", "Paquet refusé : ses données de référence ne sont pas compatibles "
                                              "avec les dossiers de ce coffre. Rien n'a été modifié ; prévenez le "
                                              "siège.") from None
    with ctx.vault.session() as s:
        set_setting(s, LAST_PULL_SETTING, now.isoformat(timespec="seconds"))
    if result is None:
        return Pulled(status="rien", message="Rien de nouveau au siège.", at=now)
    return Pulled(status=result.status, message=result.message, at=now, imported=result)


def pull(ctx: Context, limits: Limits = DEFAULT_LIMITS) -> Pulled:
    return finish_pull(ctx, fetch(prepare_pull(ctx)), limits)


@dataclass(frozen=True)
class LastExchanges:
    push: datetime | None
    pull: datetime | None


def last_exchanges(ctx: Context) -> LastExchanges:
    """When this device last pushed to and pulled from the service (None: never)."""
    with ctx.vault.session() as s:
        push, pull = (get_setting(s, k) for k in (LAST_PUSH_SETTING, LAST_PULL_SETTING))
    return LastExchanges(push=datetime.fromisoformat(push) if push else None,
                         pull=datetime.fromisoformat(pull) if pull else None)
