"""JWTs as signed compact JWS (RFC 7519 §7): encode, and decode the payload.

Verification lives in ``gatehouse.verify`` (keys + clock + policy); this module stays
pure. ``decode_unverified`` says in its name that nothing has been checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.errors import MalformedTokenError
from gatehouse.jose.jwk import JWK
from gatehouse.jose.jws import (
    DEFAULT_MAX_TOKEN_SIZE,
    CompactJWS,
    parse_compact,
    payload_bytes,
    sign_compact,
)
from gatehouse.jose.read_only import thaw
from gatehouse.jose.strict_json import dumps_compact, loads_object

__all__ = ["decode_payload", "decode_payload_segment", "decode_unverified", "encode_jwt"]


def encode_jwt(
    claims: Mapping[str, Any],
    key: JWK,
    alg: str,
    *,
    typ: str | None = "at+jwt",
    kid: str | None = None,
    header: Mapping[str, Any] | None = None,
) -> str:
    """Sign a claim set. ``typ`` defaults to ``at+jwt`` (RFC 9068 §2.1)."""
    protected: dict[str, Any] = dict(header or {})
    if typ is not None:
        protected["typ"] = typ
    if kid is not None:
        protected["kid"] = kid
    try:
        payload = dumps_compact(dict(claims))
    except (TypeError, ValueError) as exc:
        raise MalformedTokenError("claims must be JSON-serialisable and finite") from exc
    return sign_compact(payload, key, alg, header=protected)


def decode_payload(jws: CompactJWS) -> dict[str, Any]:
    """The claim set of a parsed JWS: one strict JSON object (RFC 7519 §7.2 step 10)."""
    return decode_payload_segment(jws.payload_segment)


def decode_payload_segment(segment: bytes) -> dict[str, Any]:
    """``decode_payload`` from the payload segment alone (``jws.split_compact``'s part)."""
    try:
        return loads_object(payload_bytes(segment))
    except ValueError:
        raise MalformedTokenError("payload is not a JSON object") from None


def decode_unverified(
    token: str, *, max_size: int = DEFAULT_MAX_TOKEN_SIZE
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims WITHOUT checking the signature: for display and debugging only.

    Both are plain, editable copies.
    """
    jws = parse_compact(token, max_size=max_size)
    return thaw(jws.header), decode_payload(jws)
