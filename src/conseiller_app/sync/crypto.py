"""Keys of the synchronisation: Ed25519 signing keys (``cryptography``) and age X25519
identities (``pyrage``), their text forms and fingerprints.

Every party (the central office, each device) has two key pairs with one job each: an Ed25519
key signs what it sends, an age identity opens what it receives. A fingerprint is the SHA-256 of
both public halves; people compare its first 128 bits, in groups of four, over the phone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TypeGuard

import pyrage
import pyrage.passphrase
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

_FINGERPRINT_CONTEXT = b"conseiller-empreinte-v1\x00"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, length: int | None = None) -> bytes:
    """Strict base64 decoding; ``ValueError`` on anything else (or a wrong length)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError):
        raise ValueError("invalid base64") from None
    if length is not None and len(raw) != length:
        raise ValueError("invalid key length")
    return raw


# --- Ed25519 ----------------------------------------------------------------------------------


def new_signing_key() -> str:
    """A new Ed25519 private key, as base64 of its 32 raw bytes."""
    key = Ed25519PrivateKey.generate()
    return b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def load_signing_key(private_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(unb64(private_b64, 32))


def public_signing_key(private_b64: str) -> str:
    return b64(load_signing_key(private_b64).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign(private_b64: str, message: bytes) -> bytes:
    return load_signing_key(private_b64).sign(message)


def verify(public_b64: str, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_b64, 32)).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def valid_public_signing_key(text: object) -> TypeGuard[str]:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(text, 32))  # type: ignore[arg-type]
        return True
    except (ValueError, TypeError):
        return False


# --- age X25519 -------------------------------------------------------------------------------


def new_age_identity() -> str:
    return str(pyrage.x25519.Identity.generate())


def age_recipient(identity: str) -> str:
    return str(pyrage.x25519.Identity.from_str(identity).to_public())


def valid_age_recipient(text: object) -> TypeGuard[str]:
    if not isinstance(text, str) or not text.startswith("age1") or len(text) > 100:
        return False
    try:
        pyrage.x25519.Recipient.from_str(text)
        return True
    except Exception:  # noqa: BLE001 - pyrage raises its own error types for bad keys
        return False


def encrypt(plaintext: bytes, recipient: str) -> bytes:
    out: bytes = pyrage.encrypt(plaintext, [pyrage.x25519.Recipient.from_str(recipient)])
    return out


AGE_MAGIC = b"age-encryption.org/v1"


def passphrase_encrypt(plaintext: bytes, passphrase: str) -> bytes:
    """age with a scrypt passphrase (what ``age -p`` writes; ``age -d`` asks for the passphrase)."""
    out: bytes = pyrage.passphrase.encrypt(plaintext, passphrase)
    return out


def passphrase_decrypt(ciphertext: bytes, passphrase: str) -> bytes | None:
    """The plaintext, or None when the passphrase does not open it."""
    try:
        out: bytes = pyrage.passphrase.decrypt(ciphertext, passphrase)
        return out
    except Exception:  # noqa: BLE001 - pyrage.DecryptError and friends
        return None


def decrypt(ciphertext: bytes, identity: str) -> bytes:
    """Decrypt; raises ``pyrage.DecryptError`` for another recipient, a damaged or truncated file."""
    out: bytes = pyrage.decrypt(ciphertext, [pyrage.x25519.Identity.from_str(identity)])
    return out


DecryptError = pyrage.DecryptError


# --- fingerprints -----------------------------------------------------------------------------


def fingerprint(recipient: str, signing_public_b64: str) -> str:
    """SHA-256 (hex) of a party's two public keys."""
    h = hashlib.sha256(_FINGERPRINT_CONTEXT)
    h.update(recipient.encode("ascii"))
    h.update(b"\x00")
    h.update(unb64(signing_public_b64, 32))
    return h.hexdigest()


def display_fingerprint(hex_fingerprint: str) -> str:
    """The part people compare: 128 bits as eight groups of four characters."""
    head = hex_fingerprint[:32].upper()
    return " ".join(head[i:i + 4] for i in range(0, 32, 4))
