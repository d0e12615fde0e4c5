"""Signed device requests of the central office's API: devices have no password, they sign
method, path, timestamp, nonce and device id with the Ed25519 key that signs their bundles.

Shared by the device (:func:`sign_headers`) and the central office (:func:`message`), so both
build exactly the same bytes.
"""

from __future__ import annotations

import secrets
import time

from conseiller_app.sync import crypto

CONTEXT = b"conseiller-requete-v1\x00"
DEVICE, TIMESTAMP, NONCE, SIGNATURE = ("X-Conseiller-Appareil", "X-Conseiller-Horodatage", "X-Conseiller-Nonce",
                                       "X-Conseiller-Signature")
MAX_SKEW_SECONDS = 300  # a request older (or further in the future) than this is refused


def message(method: str, path: str, timestamp: str, nonce: str, device_id: str) -> bytes:
    """What is signed: ``path`` includes the query string (``/api/v1/return-bundle?after=3``)."""
    return CONTEXT + "\n".join((method.upper(), path, timestamp, nonce, device_id)).encode("utf-8")


def sign_headers(signing_key: str, device_id: str, method: str, path: str, *, now: float | None = None,
                 nonce: str | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    signature = crypto.sign(signing_key, message(method, path, timestamp, nonce, device_id))
    return {DEVICE: device_id, TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: crypto.b64(signature)}
