"""JWS compact serialization (RFC 7515 §7.1), sign and verify.

Only the compact form of a single signature over a base64url payload is accepted:
the JSON serializations (§7.2), unencoded payloads (RFC 7797 ``b64: false``),
encrypted tokens and nested tokens are all refused, because each adds a way for
two parties to disagree about what was signed. The header never supplies or
locates a key (``jwk``, ``jku``, ``x5u``, ``x5c`` are ignored, RFC 8725 §3.10): the
caller's key source decides, by ``kid`` and ``alg``. Every registered member still
has the JSON type RFC 7515 §4.1 gives it, or the token is malformed. A parsed header is
read-only all the way down: it is shared by every later token with the same header.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
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
    "CompactParts",
    "ParsedHeader",
    "parse_compact",
    "payload_bytes",
    "sign_compact",
    "split_compact",
    "verify_signature",
]

DEFAULT_MAX_TOKEN_SIZE = 8192
_HEADER_CACHE_LIMIT = 256
_PLUS, _SLASH, _EQUALS, _DOT = b"+/=."

ParsedHeader = tuple[Mapping[str, Any], str, str | None]
"""A header as the parser caches it: the read-only members, ``alg`` and ``kid``."""
CompactParts = tuple[Mapping[str, Any], str, str | None, bytes, bytes, bytes]
"""What ``split_compact`` finds: header, alg, kid, signing input, payload segment, signature."""


def _is_string(value: Any) -> bool:
    return value.__class__ is str


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(v.__class__ is str for v in value)


# RFC 7515 §4.1: each registered member's JSON type (null is none of them). ``alg`` and
# ``b64`` (RFC 7797 §3) are checked on their own below, with their own messages.
_MEMBER_TYPES: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("kid", _is_string, "a string"),  # §4.1.4
    ("typ", _is_string, "a string"),  # §4.1.9
    ("cty", _is_string, "a string"),  # §4.1.10
    ("jku", _is_string, "a string (a URI)"),  # §4.1.2
    ("x5u", _is_string, "a string (a URI)"),  # §4.1.5
    ("x5t", _is_string, "a base64url string"),  # §4.1.7
    ("x5t#S256", _is_string, "a base64url string"),  # §4.1.8
    ("jwk", _is_object, "a JSON object"),  # §4.1.3
    ("x5c", _is_strings, "a non-empty array of strings"),  # §4.1.6
    ("crit", _is_strings, "a non-empty array of strings naming critical extensions"),  # §4.1.11
)


class CompactJWS:
    """A structurally valid, not yet verified, compact JWS."""

    __slots__ = ("alg", "header", "kid", "payload_segment", "signature", "signing_input")

    def __init__(
        self,
        header: Mapping[str, Any],
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
        return payload_bytes(self.payload_segment)


def payload_bytes(segment: bytes) -> bytes:
    """The bytes of a payload segment (unverified until its signature is checked)."""
    try:
        return b64url_decode_segment(segment)
    except ValueError:
        raise MalformedTokenError("payload is not canonical base64url") from None


def _parse_header(segment: bytes) -> ParsedHeader:
    try:
        header = loads_object(b64url_decode_segment(segment), read_only=True)
    except ValueError:
        raise MalformedTokenError("header is not a base64url JSON object") from None
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedTokenError("header alg is missing or not a string")
    for name, has_type, what in _MEMBER_TYPES:
        if name in header and not has_type(header[name]):
            raise MalformedTokenError(f"header {name} must be {what}")
    if "crit" in header:
        # RFC 7515 §4.1.11: recipients MUST reject a crit naming an extension they do not
        # understand, and the empty list is not allowed; we understand no extensions.
        raise MalformedTokenError("critical header extensions are not supported")
    if "b64" in header and header["b64"] is not True:
        raise MalformedTokenError("unencoded payloads (RFC 7797) are not accepted")
    if "enc" in header or "zip" in header:
        raise MalformedTokenError("encrypted or compressed tokens are not accepted")
    cty = header.get("cty")
    if cty is not None and cty.upper() in ("JWT", "APPLICATION/JWT"):
        # RFC 7519 §5.2 nested JWTs: refused (RFC 8725 §2.8, one layer, one meaning).
        raise MalformedTokenError("nested tokens are not accepted")
    return header, alg, header.get("kid")


def parse_compact(
    token: str,
    *,
    max_size: int = DEFAULT_MAX_TOKEN_SIZE,
    header_cache: MutableMapping[bytes, ParsedHeader] | None = None,
) -> CompactJWS:
    """Split and check a compact JWS; raise a ``TokenError`` subclass for anything else.

    The size limit is checked before any decoding, so the cost of a rejection is bounded
    whatever the input. ``header_cache`` lets a long-lived verifier skip re-parsing the
    few distinct headers it sees (they repeat across every token of one issuer key); the
    header it shares between tokens is read-only, so no caller can change the next verdict.

    The payload segment is only split off here, not decoded: a token whose signature is
    good but whose payload is not canonical base64url of a JSON object (Wycheproof JWS
    cases 368, 369, 371, 375) passes this and ``verify_signature`` and is refused by
    ``jwt.decode_payload``. Use the ``Verifier``, or call both.
    """
    return CompactJWS(*split_compact(token, max_size=max_size, header_cache=header_cache))


def split_compact(
    token: str,
    *,
    max_size: int = DEFAULT_MAX_TOKEN_SIZE,
    header_cache: MutableMapping[bytes, ParsedHeader] | None = None,
) -> CompactParts:
    """``parse_compact``'s checks, the parts answered as a tuple: the Verifier's hot path
    keeps them in locals (a ``CompactJWS`` costs a type call and an ``__init__`` frame)."""
    if not isinstance(token, str):
        raise MalformedTokenError("a token must be a string")
    if len(token) > max_size:
        raise TokenTooLargeError(f"token is larger than {max_size} bytes")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedTokenError("a compact JWS is ASCII only") from None
    # The first dot by memchr, the last by memrchr (bytes.split walks every byte), and none
    # between them. Byte values, not b"+": ``bytes in bytes`` first tries the operand as an
    # integer and pays for a raised-and-cleared TypeError each time.
    h, _, rest = raw.partition(b".")
    p, last_dot, s = rest.rpartition(b".")
    if not last_dot or _DOT in p or _PLUS in raw or _SLASH in raw or _EQUALS in raw:
        # The three characters base64 has and base64url has not; every other stranger is
        # refused by the strict decoder of each segment.
        if raw[:1] == b"{":
            raise MalformedTokenError("the JWS JSON serialization is not accepted")
        if raw.count(b".") == 4:
            raise MalformedTokenError("encrypted tokens (JWE) are not accepted")
        raise MalformedTokenError("a compact JWS is three base64url segments joined by dots")
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
    return header, alg, kid, raw[: len(h) + 1 + len(p)], p, signature


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
