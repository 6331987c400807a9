"""A recipient's private JWE keys (RFC 7517 §5), from a dict, JSON text, a file or the environment.

The mirror image of ``JWKS``: a verification key set holds public keys only, a
decryption key set holds exactly the private (or symmetric) keys that open tokens
encrypted to this service. Every entry must be an encryption key (``use: enc`` or
encryption ``key_ops``); a signing key in it rejects the whole set, since a key that both
signs and decrypts is the cross-use RFC 7517 §4.2 warns against. Several keys rotate by
``kid``: publish the new public key, add its private half here, retire the old one later.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from gatehouse.errors import InvalidJWKSError, InvalidKeyError
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.strict_json import loads_object

__all__ = ["DecryptionKeys"]

MAX_KEYS_BYTES = 256 * 1024
MAX_KEYS = 20


class DecryptionKeys:
    """An immutable set of private JWE keys, looked up by ``kid``."""

    __slots__ = ("_by_kid", "_keys")

    def __init__(self, keys: list[EncryptionKey]) -> None:
        if not keys:
            raise InvalidJWKSError("a decryption key set needs at least one key")
        by_kid: dict[str, EncryptionKey] = {}
        for key in keys:
            if key.kty != "oct" and not key.is_private:
                raise InvalidJWKSError("a decryption key set holds private keys")
            if key.kid is not None:
                if key.kid in by_kid:
                    raise InvalidJWKSError("the key set has two keys with the same kid")
                by_kid[key.kid] = key
        self._keys = tuple(keys)
        self._by_kid = by_kid

    @classmethod
    def from_dict(cls, document: Any) -> DecryptionKeys:
        """Validate a private JWKS document (``{"keys": [...]}``)."""
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise InvalidJWKSError('a JWKS must be an object with a "keys" array')
        entries = document["keys"]
        if len(entries) > MAX_KEYS:
            raise InvalidJWKSError(f"a decryption key set may hold at most {MAX_KEYS} keys")
        try:
            return cls([EncryptionKey(entry, private_allowed=True) for entry in entries])
        except InvalidKeyError as exc:
            raise InvalidJWKSError(f"invalid key in decryption key set: {exc.message}") from exc

    @classmethod
    def from_json(cls, text: str | bytes) -> DecryptionKeys:
        if len(text) > MAX_KEYS_BYTES:
            raise InvalidJWKSError("the key set document is too large")
        raw = text.encode("utf-8") if isinstance(text, str) else text
        try:
            document = loads_object(raw.strip())
        except ValueError:
            raise InvalidJWKSError("the key set document is not a strict JSON object") from None
        return cls.from_dict(document)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DecryptionKeys:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_KEYS_BYTES + 1)
        except OSError as exc:
            raise InvalidJWKSError(f"cannot read the key file {os.fspath(path)!r}") from exc
        return cls.from_json(data)

    @classmethod
    def from_env(cls, name: str, environ: Mapping[str, str] | None = None) -> DecryptionKeys:
        """From an environment variable holding the private JWKS JSON (a secret: keep it one)."""
        env = os.environ if environ is None else environ
        text = env.get(name)
        if not text:
            raise InvalidJWKSError(f"environment variable {name} is not set")
        return cls.from_json(text)

    def candidates(self, kid: str | None) -> tuple[EncryptionKey, ...]:
        """The keys that may open a token naming ``kid`` (without one: every key)."""
        if kid is None:
            return self._keys
        key = self._by_kid.get(kid)
        return (key,) if key is not None else ()

    def public_jwks(self) -> dict[str, Any]:
        """The public JWKS to publish for token services (``use: enc``; oct keys stay out)."""
        return {"keys": [k.public().to_dict() for k in self._keys if k.kty != "oct"]}

    def __iter__(self) -> Iterator[EncryptionKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<DecryptionKeys {len(self._keys)} keys>"
