"""Refresh-token text, its stored digest, and the sealed successor of a rotation.

A refresh token is 256 random bits in base64url (43 characters). The store keeps only
its SHA-256: a fast hash is right for a 256-bit random secret (no dictionary to
guess from), and it lets a lookup be one indexed read.

When P is rotated to C the store keeps C sealed with AES-256-GCM under a key derived
from P with HKDF-SHA256 (RFC 5869). Only a holder of P can open it, so the grace
window can hand the *current* token back to a client that lost the rotation response
without the database ever holding a usable token.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gatehouse.errors import InvalidGrantError
from gatehouse.jose import b64url_encode

__all__ = [
    "REFRESH_TOKEN_BYTES",
    "hash_refresh_token",
    "new_refresh_token",
    "open_successor",
    "seal_successor",
]

REFRESH_TOKEN_BYTES = 32
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
_INFO = b"gatehouse refresh-token successor v1"
_NONCE = 12


def new_refresh_token(random: Callable[[int], bytes]) -> str:
    return b64url_encode(random(REFRESH_TOKEN_BYTES))


def hash_refresh_token(token: str) -> bytes:
    """The stored digest; a string that cannot be one of our tokens is refused."""
    if not isinstance(token, str) or not _SHAPE.fullmatch(token):
        raise InvalidGrantError("the refresh token is malformed")
    return hashlib.sha256(token.encode("ascii")).digest()


def _key(predecessor: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return AESGCM(hkdf.derive(predecessor.encode("ascii")))


def seal_successor(predecessor: str, successor: str, random: Callable[[int], bytes]) -> bytes:
    nonce = random(_NONCE)
    return nonce + _key(predecessor).encrypt(nonce, successor.encode("ascii"), None)


def open_successor(predecessor: str, sealed: bytes) -> str | None:
    """The successor's text, or None if ``sealed`` was not made from ``predecessor``."""
    try:
        text = _key(predecessor).decrypt(sealed[:_NONCE], sealed[_NONCE:], None)
    except (InvalidTag, ValueError):
        return None
    return text.decode("ascii")
