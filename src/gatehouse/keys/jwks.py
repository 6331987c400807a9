"""A static JSON Web Key Set (RFC 7517 §5), from a dict, JSON text, a file or the environment.

A verification key set holds public keys only: a set that carries private members is
refused, because a leaked signing key in a verifier's config is an incident, not a
convenience. Symmetric (HMAC) sets are possible, but only when asked for, and never
mixed with asymmetric keys (one set, one trust model). Keys this library cannot use
for signatures (unknown ``kty``, ``use: enc``, encryption algorithms) are skipped, as
RFC 7517 §5 advises; a usable-looking key with broken material rejects the whole set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from gatehouse.errors import InvalidJWKSError, InvalidKeyError, UnknownKeyError
from gatehouse.jose.algorithms import ALGORITHMS
from gatehouse.jose.jwk import JWK
from gatehouse.jose.strict_json import loads_object

__all__ = ["JWKS"]

MAX_JWKS_BYTES = 256 * 1024
MAX_KEYS = 100
_SIGNING_KTYS = frozenset({"EC", "OKP", "RSA", "oct"})


def _usable(entry: Mapping[str, Any]) -> bool:
    """Could this entry be a signature key at all? (RFC 7517 §5: ignore what we cannot use.)"""
    kty = entry.get("kty")
    if not isinstance(kty, str) or kty not in _SIGNING_KTYS:
        return False
    if entry.get("use", "sig") != "sig":
        return False
    if entry.get("kty") == "OKP" and entry.get("crv") != "Ed25519":
        return False  # X25519/X448 are for key agreement, Ed448 is unsupported
    alg = entry.get("alg")
    # A non-string alg is kept so that JWK.from_dict refuses it and the set is rejected.
    return alg is None or not isinstance(alg, str) or alg in ALGORITHMS


class JWKS:
    """An immutable set of verification keys, itself a ``KeySource``."""

    __slots__ = ("_by_kid", "_keys", "_lookup")

    def __init__(self, keys: list[JWK]) -> None:
        self._keys = tuple(keys)
        by_kid: dict[str, JWK] = {}
        for key in self._keys:
            if key.kid is not None:
                if key.kid in by_kid:
                    raise InvalidJWKSError("the key set has two keys with the same kid")
                by_kid[key.kid] = key
        self._by_kid = by_kid
        self._lookup: dict[tuple[str | None, str], JWK | None] = {}

    # --- construction -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any, *, symmetric: bool = False) -> JWKS:
        """Validate a JWKS document (``{"keys": [...]}``)."""
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise InvalidJWKSError('a JWKS must be an object with a "keys" array')
        entries = document["keys"]
        if len(entries) > MAX_KEYS:
            raise InvalidJWKSError(f"a JWKS may hold at most {MAX_KEYS} keys")
        keys: list[JWK] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise InvalidJWKSError("every JWKS entry must be an object")
            if not _usable(entry):
                continue
            is_oct = entry.get("kty") == "oct"
            if is_oct and not symmetric:
                raise InvalidJWKSError(
                    "symmetric keys in a verification key set need symmetric=True"
                )
            if symmetric and not is_oct:
                raise InvalidJWKSError("a symmetric key set must not mix in asymmetric keys")
            try:
                keys.append(JWK.from_dict(entry, private_allowed=is_oct))
            except InvalidKeyError as exc:
                raise InvalidJWKSError(f"invalid key in JWKS: {exc.message}") from exc
        return cls(keys)

    @classmethod
    def from_json(cls, text: str | bytes, *, symmetric: bool = False) -> JWKS:
        if len(text) > MAX_JWKS_BYTES:
            raise InvalidJWKSError("the JWKS document is too large")
        try:
            # Strict: duplicate members or NaN in a key set are as suspicious as in a token.
            raw = text.encode("utf-8") if isinstance(text, str) else text
            # A file usually ends in a newline; only the surrounding whitespace is forgiven.
            document = loads_object(raw.strip())
        except ValueError:
            raise InvalidJWKSError("the JWKS document is not a strict JSON object") from None
        return cls.from_dict(document, symmetric=symmetric)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, symmetric: bool = False) -> JWKS:
        try:
            with open(path, "rb") as fh:  # not pathlib: it costs a cold start ~5 ms
                data = fh.read(MAX_JWKS_BYTES + 1)
        except OSError as exc:
            raise InvalidJWKSError(f"cannot read the JWKS file {os.fspath(path)!r}") from exc
        return cls.from_json(data, symmetric=symmetric)

    @classmethod
    def from_env(
        cls, name: str, environ: Mapping[str, str] | None = None, *, symmetric: bool = False
    ) -> JWKS:
        """From an environment variable holding the JWKS JSON (a cold Lambda needs no fetch)."""
        env = os.environ if environ is None else environ
        text = env.get(name)
        if not text:
            raise InvalidJWKSError(f"environment variable {name} is not set")
        return cls.from_json(text, symmetric=symmetric)

    # --- lookup -------------------------------------------------------------------------

    def find(self, kid: str | None, alg: str) -> JWK | None:
        """The key for ``kid`` that may verify ``alg``; without a kid, the only such key."""
        cache_key = (kid, alg)
        try:
            return self._lookup[cache_key]
        except KeyError:
            pass
        found: JWK | None
        if kid is not None:
            key = self._by_kid.get(kid)
            # RFC 8725 §3.1: the key found by kid must be one allowed for this algorithm.
            found = key if key is not None and key.fits(alg) else None
        else:
            fitting = [k for k in self._keys if k.fits(alg)]
            found = fitting[0] if len(fitting) == 1 else None
        if len(self._lookup) < 1024:
            self._lookup[cache_key] = found
        return found

    def get_key(self, kid: str | None, alg: str) -> JWK:
        key = self.find(kid, alg)
        if key is None:
            raise UnknownKeyError("no key in the key set matches the token's kid and alg")
        return key

    async def aget_key(self, kid: str | None, alg: str) -> JWK:
        return self.get_key(kid, alg)

    # --- introspection ----------------------------------------------------------------

    @property
    def keys(self) -> tuple[JWK, ...]:
        return self._keys

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._by_kid)

    def to_dict(self) -> dict[str, Any]:
        """The public JWKS document."""
        return {"keys": [k.to_dict() for k in self._keys if k.kty != "oct"]}

    def __iter__(self) -> Iterator[JWK]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<JWKS {len(self._keys)} keys>"
