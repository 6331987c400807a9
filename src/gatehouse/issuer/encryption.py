"""Encrypted access tokens per audience: nested JWTs (RFC 7519 §5.2, §11.2).

JWS stays the default: every verifier (and the HTTP API JWT authorizer) can read it. An
audience whose claims are confidential publishes its encryption public key(s) as a JWKS
(``use: enc``); the token service is configured with that JWKS, from a file or a URL,
and the algorithms to use, and every access token for that audience is signed first,
then encrypted to it (sign-then-encrypt, RFC 7519 §11.2), with ``cty: JWT``. Audiences
without an entry get plain JWS.

A URL is re-read when its copy is older than ``max_age`` (monotonic clock); a failed
refresh keeps the last good keys, and with none at all minting for that audience fails
closed (``KeySourceError``: a confidential token is never sent in the clear). The key
used is the first one in the set that fits the algorithm: a resource server rotating
its key lists the new one first and keeps the old one's private half until old tokens
have expired.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from gatehouse._record import record
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import (
    ConfigurationError,
    InvalidJWKSError,
    InvalidKeyError,
    JWKSFetchError,
    KeySourceError,
)
from gatehouse.jose.jwe import encrypt_nested
from gatehouse.jose.jwe_algorithms import allow_lists
from gatehouse.jose.jwe_jwk import EncryptionKey
from gatehouse.jose.strict_json import loads_object
from gatehouse.keys.fetch import Fetcher

__all__ = ["AudienceEncryption", "RecipientKeys", "seal_for_audience"]

MAX_JWKS_BYTES = 64 * 1024
RETRY_COOLDOWN = 10.0  # seconds between fetches of a URL that never answered well


def _public_keys(document: Any) -> tuple[EncryptionKey, ...]:
    """The encryption keys of a public JWKS; signing keys in it are skipped (RFC 7517 §5)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise InvalidJWKSError('a JWKS must be an object with a "keys" array')
    keys = []
    for entry in document["keys"]:
        if not isinstance(entry, Mapping) or entry.get("use", "enc") != "enc":
            continue
        try:
            keys.append(EncryptionKey(entry))
        except InvalidKeyError as exc:
            raise InvalidJWKSError(f"invalid encryption key: {exc.message}") from exc
    if not keys:
        raise InvalidJWKSError("the JWKS holds no encryption key (use: enc)")
    return tuple(keys)


def _parse(body: bytes) -> tuple[EncryptionKey, ...]:
    if len(body) > MAX_JWKS_BYTES:
        raise InvalidJWKSError("the encryption JWKS is too large")
    try:
        return _public_keys(loads_object(body.strip()))
    except ValueError:
        raise InvalidJWKSError("the encryption JWKS is not a strict JSON object") from None


class RecipientKeys:
    """An audience's public encryption keys: fixed, or read from a URL and cached."""

    __slots__ = (
        "_clock",
        "_error",
        "_fetched_at",
        "_fetcher",
        "_keys",
        "_lock",
        "_max_age",
        "_retry_at",
        "url",
    )

    def __init__(
        self,
        keys: Sequence[EncryptionKey] = (),
        *,
        url: str | None = None,
        fetcher: Fetcher | None = None,
        max_age: float = 300.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not keys and url is None:
            raise ConfigurationError("recipient keys need a key set or a URL")
        self._keys = tuple(keys)
        self.url = url
        self._fetcher = fetcher
        self._max_age = max_age
        self._clock = clock
        self._fetched_at: float | None = None
        # With no good copy yet, a failure is remembered for a cooldown: every token
        # request must not become a fetch of a URL that is down.
        self._error: KeySourceError | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_dict(cls, document: Any) -> RecipientKeys:
        return cls(_public_keys(document))

    @classmethod
    def from_file(cls, path: str) -> RecipientKeys:
        try:
            with open(path, "rb") as fh:
                body = fh.read(MAX_JWKS_BYTES + 1)
        except OSError as exc:
            raise InvalidJWKSError(f"cannot read the encryption JWKS file {path!r}") from exc
        return cls(_parse(body))

    def current(self) -> tuple[EncryptionKey, ...]:
        """The current keys (a URL is refreshed once its copy is older than max_age)."""
        url = self.url
        if url is None:
            return self._keys
        now = self._clock.monotonic()
        if self._error is not None and now < self._retry_at:
            raise self._error
        if self._fetched_at is None or now - self._fetched_at >= self._max_age:
            with self._lock:
                if self._fetched_at is None or now - self._fetched_at >= self._max_age:
                    self._refresh(url, now)
        return self._keys

    def _refresh(self, url: str, now: float) -> None:
        if self._fetcher is None:
            from gatehouse.keys.fetch import UrllibFetcher

            self._fetcher = UrllibFetcher()
        try:
            result = self._fetcher.fetch(url, 5.0, MAX_JWKS_BYTES)
            if result.status != 200:
                raise JWKSFetchError(f"the encryption JWKS answered HTTP {result.status}")
            self._keys, self._error = _parse(result.body), None
        except KeySourceError as exc:
            if not self._keys:
                self._error, self._retry_at = exc, now + min(self._max_age, RETRY_COOLDOWN)
                raise
            # Keep the last good keys; try again after max_age, not on every token.
        self._fetched_at = now


@record
class AudienceEncryption:
    """How tokens for one audience are encrypted: its keys and the two algorithms."""

    recipients: RecipientKeys
    alg: str = "ECDH-ES+A256KW"
    enc: str = "A256GCM"

    def __post_init__(self) -> None:
        allow_lists([self.alg], [self.enc])  # RSA1_5, PBES2, none, unknown: refused here

    def recipient(self) -> EncryptionKey:
        """The key to encrypt to: the first that fits ``alg``."""
        for key in self.recipients.current():
            if key.fits(self.alg, "encrypt"):
                return key
        raise InvalidJWKSError(f"no key in the encryption JWKS fits {self.alg}")


def seal_for_audience(jws: str, encryption: AudienceEncryption | None) -> str:
    """The signed token as a nested JWT for this audience, or unchanged without one."""
    if encryption is None:
        return jws
    return encrypt_nested(jws, encryption.recipient(), alg=encryption.alg, enc=encryption.enc)
