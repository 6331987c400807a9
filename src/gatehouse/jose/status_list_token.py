"""The Status List Token in JWT form (draft-ietf-oauth-status-list-20 §5.1): sign and verify.

A status list token is a JWT with header ``typ: statuslist+jwt`` and the claims ``sub`` (the
URI the list is served at, equal to the ``uri`` a referenced token names), ``iat``, ``exp``
and ``ttl`` (both RECOMMENDED) and ``status_list`` (§4.2). §8.3 tells a relying party how to
validate one: the JWT rules of RFC 7519 §7.2 (here: the strict compact parser, an algorithm
allow-list and a key chosen by the caller, RFC 8725 §3.1), then ``sub`` equal to the
referenced ``uri``, ``iat``, ``exp`` if present, and a positive ``ttl`` if present.

Every failure here is ``InvalidStatusListError``: a list that does not verify is the
publisher's (or an attacker's) problem, never the presenting client's, so it must not read
as "your token is bad" (401) but as "we cannot tell right now" (503, fail closed).
Pure: the caller parses, picks the key and passes ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gatehouse.errors import GatehouseError, InvalidStatusListError
from gatehouse.jose.jwk import JWK
from gatehouse.jose.jws import CompactJWS, verify_signature
from gatehouse.jose.jwt import decode_payload, encode_jwt
from gatehouse.jose.status_list import (
    DEFAULT_MAX_LIST_BYTES,
    StatusList,
    decode_status_list,
    encode_status_list,
)

__all__ = [
    "MEDIA_TYPE",
    "STATUS_LIST_TYP",
    "StatusListToken",
    "encode_status_list_token",
    "verify_status_list_token",
]

STATUS_LIST_TYP = "statuslist+jwt"  # §5.1
MEDIA_TYPE = "application/statuslist+jwt"  # §8.1, §8.2


class StatusListToken:
    """A verified status list token: where it is served, its times, and the decoded list."""

    __slots__ = ("expires_at", "issued_at", "status_list", "ttl", "uri")

    def __init__(
        self,
        uri: str,
        issued_at: float,
        expires_at: float | None,
        ttl: float | None,
        status_list: StatusList,
    ) -> None:
        self.uri = uri
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.ttl = ttl
        self.status_list = status_list

    def __repr__(self) -> str:
        return f"StatusListToken(uri={self.uri!r}, iat={self.issued_at:g}, {self.status_list!r})"


def encode_status_list_token(
    status_list: StatusList,
    key: JWK,
    alg: str,
    *,
    uri: str,
    iat: int,
    exp: int | None = None,
    ttl: int | None = None,
    kid: str | None = None,
    level: int = 9,
) -> str:
    """Sign ``status_list`` as the token served at ``uri`` (§5.1)."""
    if not isinstance(uri, str) or not uri:
        raise InvalidStatusListError("a status list token needs its URI as sub")
    if ttl is not None and not ((positive := _number(ttl)) is not None and positive > 0):
        raise InvalidStatusListError("ttl must be a positive number of seconds")
    claims: dict[str, Any] = {"sub": uri, "iat": iat}
    if exp is not None:
        claims["exp"] = exp
    if ttl is not None:
        claims["ttl"] = ttl
    claims["status_list"] = encode_status_list(status_list, level=level)
    return encode_jwt(claims, key, alg, typ=STATUS_LIST_TYP, kid=kid)


def verify_status_list_token(
    jws: CompactJWS,
    key: JWK,
    *,
    algorithms: frozenset[str],
    uri: str | None,
    now: float,
    leeway: float = 30.0,
    max_list_bytes: int = DEFAULT_MAX_LIST_BYTES,
) -> StatusListToken:
    """Verify a parsed status list token (§8.3 steps 3-4); ``uri=None`` accepts any ``sub``
    (for a seed, which is then filed under its own ``sub``)."""
    typ = jws.header.get("typ")
    # RFC 7515 §4.1.9: compared case-insensitively, and "application/" may be omitted.
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != STATUS_LIST_TYP:
        # Explicit typing keeps an access token from passing as a list (RFC 8725 §3.11).
        raise InvalidStatusListError("a status list token must have typ statuslist+jwt")
    try:
        verify_signature(jws, key, algorithms)
    except GatehouseError as exc:
        raise InvalidStatusListError(f"status list token: {exc.code}") from None
    except (ValueError, TypeError, OverflowError):
        raise InvalidStatusListError("status list token signature could not be checked") from None
    try:
        payload = decode_payload(jws)
    except GatehouseError:
        raise InvalidStatusListError("status list token payload is not a JSON object") from None
    return _check_claims(payload, uri=uri, now=now, leeway=leeway, max_list_bytes=max_list_bytes)


def _check_claims(
    payload: Mapping[str, Any], *, uri: str | None, now: float, leeway: float, max_list_bytes: int
) -> StatusListToken:
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidStatusListError("status list token sub must be its URI")
    if uri is not None and sub != uri:
        # §8.3 step 4a: exact string equality with the referenced token's uri.
        raise InvalidStatusListError("status list token sub is not the URI it was fetched for")
    iat = _number(payload.get("iat"))
    if iat is None:
        raise InvalidStatusListError("status list token iat is missing or not a number")
    if iat > now + leeway:
        raise InvalidStatusListError("status list token iat is in the future")
    exp = _number(payload.get("exp"))
    if exp is None and "exp" in payload:
        raise InvalidStatusListError("status list token exp must be a number")
    if exp is not None and now - leeway >= exp:
        raise InvalidStatusListError("status list token has expired")  # §8.3 step 4c
    nbf = _number(payload.get("nbf"))
    if "nbf" in payload and (nbf is None or now + leeway < nbf):
        raise InvalidStatusListError("status list token is not valid yet")
    ttl = _number(payload.get("ttl"))
    if "ttl" in payload and (ttl is None or ttl <= 0):
        # §5.1: "MUST be a positive number".
        raise InvalidStatusListError("status list token ttl must be a positive number")
    status_list = decode_status_list(payload.get("status_list"), max_list_bytes=max_list_bytes)
    return StatusListToken(sub, iat, exp, ttl, status_list)


def _number(value: Any) -> float | None:
    """A JSON number as a float (not a bool, finite, within 2**53), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or abs(value) >= 2**53:
        return None
    return float(value)
