"""The device API's work, without HTTP: an uploaded bundle ingested exactly as a file would be,
signed requests checked (signature, clock, nonce), the return bundle and a device's status.

Each function returns what the web layer answers, or raises :class:`ApiRefused` with the HTTP
status, a stable reason code and a French message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conseiller_app.central import publish
from conseiller_app.central.ingest import APPROVED, PENDING, QUARANTINED, REVOKED, ingest_bytes
from conseiller_app.central.models import Device, Refusal, RequestNonce, ReturnBundle
from conseiller_app.sync import crypto, signed_request
from conseiller_app.sync.errors import BundleRejected
from conseiller_app.sync.importer import Ack

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

NONCE_RE = re.compile(r"^[0-9a-f]{32,64}$")
DEVICE_RE = re.compile(r"^[0-9a-f-]{36}$")
UPLOAD_NAME = "envoi-reseau.age"


# The API's JSON answers (TypedDicts: the wire document itself, read by the devices' client).


class UploadAnswer(TypedDict):
    """``POST /api/v1/bundles``: the acknowledgment of an uploaded bundle (``ack`` for an approved device)."""

    status: str
    bundle_id: str
    sequence: int
    message: str
    ack: NotRequired[Ack]


class DeviceStatusAnswer(TypedDict):
    """``GET /api/v1/status``: what the central office knows of the signing device."""

    device_id: str
    status: str
    status_label: str | None
    central: str
    return_bundle_sequence: int
    ack: Ack | None


class ApiRefused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message}


def note_refusal(central: Central, source: str, size: int, reason: str, message: str, device_id: str | None = None) -> None:
    with central.db.write() as conn:
        conn.execute(Refusal.__table__.insert().values(at=central.now(), source=source, device_id=device_id, size=size,
                                                       reason=reason[:30], message=message))


def upload(central: Central, data: bytes, *, source: str = "reseau",
           file_name: str = UPLOAD_NAME) -> tuple[int, UploadAnswer]:
    """Ingest an uploaded bundle: (HTTP status, acknowledgment). The same upload twice answers the
    same acknowledgment and changes nothing."""
    try:
        result = ingest_bytes(central, data, file_name)
    except BundleRejected as exc:
        note_refusal(central, source, len(data), exc.reason, exc.message)
        status = 403 if exc.reason == "revoked" else 413 if exc.reason == "limits" else 422
        raise ApiRefused(status, exc.reason, exc.message) from None
    body: UploadAnswer = {"status": result.status, "bundle_id": result.bundle_id, "sequence": result.sequence,
            "message": result.message}
    with central.db.read() as conn:
        dev = conn.execute(select(Device.__table__).where(Device.__table__.c.id == result.device_id)).mappings().first()
        if dev is not None and dev["status"] == APPROVED:
            body["ack"] = publish.acknowledgment(conn, dict(dev))
    return (202 if result.status == QUARANTINED else 200), body


def verify(central: Central, method: str, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """The device making a signed request, after checking it; the nonce is then spent."""
    h = {k: headers.get(k) or "" for k in (signed_request.DEVICE, signed_request.TIMESTAMP, signed_request.NONCE,
                                           signed_request.SIGNATURE)}
    did, ts, nonce, sig = (h[signed_request.DEVICE], h[signed_request.TIMESTAMP], h[signed_request.NONCE],
                           h[signed_request.SIGNATURE])
    if not (DEVICE_RE.match(did) and ts.isdigit() and NONCE_RE.match(nonce) and sig):
        raise ApiRefused(401, "unsigned", "Requête refusée : elle n'est pas signée par un appareil.")
    now = central.now()
    moment = now.replace(tzinfo=UTC).timestamp()  # central.now() is naive UTC
    if abs(moment - int(ts)) > signed_request.MAX_SKEW_SECONDS:
        raise ApiRefused(401, "clock", "Requête refusée : son horodatage est trop ancien (ou l'horloge de l'appareil "
                                       "est fausse).")
    dt = Device.__table__
    with central.db.read() as conn:
        dev = conn.execute(select(dt).where(dt.c.id == did)).mappings().first()
    if dev is None:
        raise ApiRefused(401, "unknown_device",
                         "Requête refusée : appareil inconnu du siège (envoyez d'abord un paquet).")
    try:
        signature = crypto.unb64(sig, 64)
    except ValueError:
        signature = b""
    if not signature or not crypto.verify(dev["signing_key"], signature,
                                          signed_request.message(method, path, ts, nonce, did)):
        raise ApiRefused(401, "signature", "Requête refusée : signature invalide.")
    if dev["status"] == REVOKED:
        raise ApiRefused(403, "revoked", "Requête refusée : cet appareil a été révoqué par le siège.")
    nt = RequestNonce.__table__
    window = timedelta(seconds=2 * signed_request.MAX_SKEW_SECONDS)
    try:
        with central.db.engine.begin() as conn:  # not the writer lock: nonces never wait for an ingest
            conn.execute(nt.delete().where(nt.c.at < now - window))
            conn.execute(nt.insert().values(device_id=did, nonce=nonce, at=now))
            conn.execute(dt.update().where(dt.c.id == did).values(last_seen_at=now))  # « dernier contact »
    except IntegrityError:
        raise ApiRefused(401, "replay", "Requête refusée : elle a déjà été reçue (rejeu).") from None
    return dict(dev)


def return_bundle(central: Central, device: Mapping[str, Any], after: int = 0) -> bytes | None:
    """The latest return bundle made for this device, when newer than ``after``."""
    rb = ReturnBundle.__table__
    with central.db.read() as conn:
        row = conn.execute(select(rb.c.sequence, rb.c.content).where(rb.c.device_id == device["id"])).first()
    if row is None or row.sequence <= after:
        return None
    return bytes(row.content)


def device_status(central: Central, device: Mapping[str, Any]) -> DeviceStatusAnswer:
    rb = ReturnBundle.__table__
    with central.db.read() as conn:
        latest = conn.execute(select(rb.c.sequence).where(rb.c.device_id == device["id"])).scalar()
        ack = publish.acknowledgment(conn, device) if device["status"] == APPROVED else None
    labels = {PENDING: "en attente d'approbation", APPROVED: "approuvé", REVOKED: "révoqué"}
    return {"device_id": device["id"], "status": device["status"], "status_label": labels.get(device["status"]),
            "central": central.name, "return_bundle_sequence": latest or 0, "ack": ack}
