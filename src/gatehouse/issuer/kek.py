"""The key-encryption key (KEK): private signing keys are stored only sealed under it.

Where it comes from, in order (read once at start-up from an injected environ):

* ``GATEHOUSE_KEK``: 32 random bytes, base64url, e.g. the output of
  ``python -c "import secrets; print(secrets.token_urlsafe(32))"``;
* ``GATEHOUSE_KEK_FILE``: a path to a file holding that text (mode 0600 or stricter).

A short, low-entropy or group/world-readable KEK always stops the service from
starting (``ConfigurationError``); so does a missing one, unless development mode is
on, where a fixed, publicly known development KEK is used instead: it keeps keys
readable across restarts and is worthless as protection, which is why production
refuses it.

Sealing is AES-256-GCM with a random 96-bit nonce (NIST SP 800-38D §8.2.2) and the key
id as associated data, so a sealed key cannot be swapped onto another row.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gatehouse.errors import ConfigurationError, InvalidKeyError
from gatehouse.jose import b64url_decode

__all__ = ["KEK_ENV", "KEK_FILE_ENV", "KeyEncryptionKey"]

KEK_ENV = "GATEHOUSE_KEK"
KEK_FILE_ENV = "GATEHOUSE_KEK_FILE"
_VERSION = b"\x01"
_NONCE = 12
_DEV_KEK = hashlib.sha256(b"gatehouse development KEK - not a secret").digest()
MAX_KEK_FILE_BYTES = 4096


def _check_strength(key: bytes) -> None:
    if len(key) != 32:
        raise ConfigurationError("the KEK must be exactly 32 bytes (base64url encoded)")
    if len(set(key)) < 16 or key == _DEV_KEK:
        raise ConfigurationError("the KEK is not random enough; generate 32 random bytes")


class KeyEncryptionKey:
    """A 256-bit AES-GCM key that seals private key material at rest."""

    __slots__ = ("_aead", "_derive_from", "development")

    def __init__(self, key: bytes, *, development: bool = False) -> None:
        if not development:
            _check_strength(key)
        elif len(key) != 32:
            raise ConfigurationError("the KEK must be exactly 32 bytes")
        self._aead = AESGCM(key)
        self._derive_from = key
        self.development = development

    def derive(self, purpose: str) -> bytes:
        """32 bytes for one named purpose (HKDF-SHA256, RFC 5869 §2, ``info`` = purpose):
        a second secret (e.g. the DPoP nonce key) without a second setting, independent
        of the sealing key and of every other purpose."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._derive_from)

    def __repr__(self) -> str:
        return f"KeyEncryptionKey(development={self.development})"

    @classmethod
    def generate(cls, random: Callable[[int], bytes] = secrets.token_bytes) -> KeyEncryptionKey:
        return cls(random(32))

    @classmethod
    def from_text(cls, text: str) -> KeyEncryptionKey:
        try:
            key = b64url_decode(text.strip())
        except ValueError as exc:
            raise ConfigurationError("the KEK is not base64url text") from exc
        return cls(key)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, development: bool = False
    ) -> KeyEncryptionKey:
        """From ``GATEHOUSE_KEK`` or ``GATEHOUSE_KEK_FILE``; see the module docstring."""
        env = os.environ if environ is None else environ
        text = env.get(KEK_ENV)
        path = env.get(KEK_FILE_ENV)
        if text:
            return cls.from_text(text)
        if path:
            return cls.from_text(_read_kek_file(Path(path)))
        if not development:
            raise ConfigurationError(f"set {KEK_ENV} or {KEK_FILE_ENV}: no key-encryption key")
        return cls(_DEV_KEK, development=True)

    def seal(
        self, plaintext: bytes, *, aad: bytes, random: Callable[[int], bytes] = secrets.token_bytes
    ) -> bytes:
        nonce = random(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, *, aad: bytes) -> bytes:
        """Decrypt; ``InvalidKeyError`` if the KEK is wrong or the data was altered."""
        if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _VERSION:
            raise InvalidKeyError("sealed key material is malformed")
        try:
            return self._aead.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], aad)
        except InvalidTag:
            raise InvalidKeyError("sealed key material does not open with this KEK") from None


def _read_kek_file(path: Path) -> str:
    try:
        info = path.stat()
        if info.st_size > MAX_KEK_FILE_BYTES:
            raise ConfigurationError("the KEK file is too large")
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError("the KEK file must not be readable by group or others")
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError("the KEK file cannot be read") from exc
