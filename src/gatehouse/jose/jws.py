"""JWS compact serialization (RFC 7515 §7.1), sign and verify.

Only the compact form of a single signature over a base64url payload is accepted:
the JSON serializations (§7.2), unencoded payloads (RFC 7797 ``b64: false``),
encrypted tokens and nested tokens are all refused, because each adds a way for
two parties to disagree about what was signed. The header never supplies or
locates a key (``jwk``, ``jku``, ``x5u``, ``x5c`` are ignored, RFC 8725 §3.10): the
caller's key source decides, by ``kid`` and ``alg``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from gatehouse.errors import (
    AlgorithmNotAllowedError,
    InvalidSignatureError,
    MalformedTokenError,
    TokenTooLargeError,
)
from gatehouse.jose.b64 import b64url_decode_segment, b64url_encode
from gatehouse.jose.jwk import JWK
from gatehouse.jose.strict_json import dumps_compact, loads_object

__all__ = [
    "DEFAULT_MAX_TOKEN_SIZE",
    "CompactJWS",
    "parse_compact",
    "sign_compact",
    "verify_signature",
]

DEFAULT_MAX_TOKEN_SIZE = 8192
_HEADER_CACHE_LIMIT = 256
_PLUS, _SLASH, _EQUALS = b"+/="


class CompactJWS:
    """A structurally valid, not yet verified, compact JWS."""

    __slots__ = ("alg", "header", "kid", "payload_segment", "signature", "signing_input")

    def __init__(
        self,
        header: dict[str, Any],
        alg: str,
        kid: str | None,
        signing_input: bytes,
        payload_segment: bytes,
        signature: bytes,
    ) -> None:
        self.header = header
        self.alg = alg
        self.kid = kid
        self.signing_input = signing_input
        self.payload_segment = payload_segment
        self.signature = signature

    def payload(self) -> bytes:
        """The decoded payload bytes (unverified until ``verify_signature`` passed)."""
        try:
            return b64url_decode_segment(self.payload_segment)
        except ValueError:
            raise MalformedTokenError("payload is not canonical base64url") from None


def _parse_header(segment: bytes) -> tuple[dict[str, Any], str, str | None]:
    try:
        header = loads_object(b64url_decode_segment(segment))
    except ValueError:
        raise MalformedTokenError("header is not a base64url JSON object") from None
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedTokenError("header alg is missing or not a string")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise MalformedTokenError("header kid must be a string")
    if "crit" in header:
        # RFC 7515 §4.1.11: recipients MUST reject a crit naming an extension they do not
        # understand, and the empty list is not allowed; we understand no extensions.
        raise MalformedTokenError("critical header extensions are not supported")
    if "b64" in header and header["b64"] is not True:
        raise MalformedTokenError("unencoded payloads (RFC 7797) are not accepted")
    if "enc" in header or "zip" in header:
        raise MalformedTokenError("encrypted or compressed tokens are not accepted")
    cty = header.get("cty")
    if cty is not None:
        if not isinstance(cty, str):
            raise MalformedTokenError("header cty must be a string")
        if cty.upper() in ("JWT", "APPLICATION/JWT"):
            # RFC 7519 §5.2 nested JWTs: refused (RFC 8725 §2.8, one layer, one meaning).
            raise MalformedTokenError("nested tokens are not accepted")
    typ = header.get("typ")
    if typ is not None and not isinstance(typ, str):
        raise MalformedTokenError("header typ must be a string")
    return header, alg, kid


def parse_compact(
    token: str,
    *,
    max_size: int = DEFAULT_MAX_TOKEN_SIZE,
    header_cache: MutableMapping[bytes, tuple[dict[str, Any], str, str | None]] | None = None,
) -> CompactJWS:
    """Split and check a compact JWS; raise a ``TokenError`` subclass for anything else.

    The size limit is checked before any decoding, so the cost of a rejection is bounded
    whatever the input. ``header_cache`` lets a long-lived verifier skip re-parsing the
    few distinct headers it sees (they repeat across every token of one issuer key).

    The payload segment is only split off here, not decoded: a token whose signature is
    good but whose payload is not canonical base64url of a JSON object (Wycheproof JWS
    cases 368, 369, 371, 375) passes this and ``verify_signature`` and is refused by
    ``jwt.decode_payload``. Use the ``Verifier``, or call both.
    """
    if not isinstance(token, str):
        raise MalformedTokenError("a token must be a string")
    if len(token) > max_size:
        raise TokenTooLargeError(f"token is larger than {max_size} bytes")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedTokenError("a compact JWS is ASCII only") from None
    parts = raw.split(b".")
    # Byte values, not b"+": ``bytes in bytes`` first tries the operand as an integer and
    # pays for a raised-and-cleared TypeError each time.
    if len(parts) != 3 or _PLUS in raw or _SLASH in raw or _EQUALS in raw:
        # The three characters base64 has and base64url has not; every other stranger is
        # refused by the strict decoder of each segment.
        if raw[:1] == b"{":
            raise MalformedTokenError("the JWS JSON serialization is not accepted")
        if len(parts) == 5:
            raise MalformedTokenError("encrypted tokens (JWE) are not accepted")
        raise MalformedTokenError("a compact JWS is three base64url segments joined by dots")
    h, p, s = parts
    if not h:
        raise MalformedTokenError("the header segment is empty")
    cached = header_cache.get(h) if header_cache is not None else None
    if cached is None:
        cached = _parse_header(h)
        if header_cache is not None:
            if len(header_cache) >= _HEADER_CACHE_LIMIT:
                header_cache.clear()
            header_cache[h] = cached
    header, alg, kid = cached
    try:
        signature = b64url_decode_segment(s)
    except ValueError:
        raise MalformedTokenError("signature is not canonical base64url") from None
    return CompactJWS(header, alg, kid, raw[: len(h) + 1 + len(p)], p, signature)


def verify_signature(jws: CompactJWS, key: JWK, algorithms: frozenset[str]) -> None:
    """Check the signature with ``key``; the algorithm must be on the caller's allow-list."""
    # RFC 8725 §3.1: the allow-list is the caller's, never the token's.
    if jws.alg not in algorithms:
        raise AlgorithmNotAllowedError(f"algorithm {jws.alg!r} is not allowed")
    if not key.verifier(jws.alg)(jws.signature, jws.signing_input):
        raise InvalidSignatureError("signature verification failed")


def sign_compact(
    payload: bytes, key: JWK, alg: str, *, header: Mapping[str, Any] | None = None
) -> str:
    """Sign ``payload`` into a compact JWS; ``kid`` comes from the key unless given."""
    protected: dict[str, Any] = {"alg": alg}
    if header:
        protected.update(header)
        protected["alg"] = alg
    if "kid" not in protected and key.kid is not None:
        protected["kid"] = key.kid
    signing_input = (b64url_encode(dumps_compact(protected)) + "." + b64url_encode(payload)).encode(
        "ascii"
    )
    signature = key.signer(alg)(signing_input)
    return signing_input.decode("ascii") + "." + b64url_encode(signature)
