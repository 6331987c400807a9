"""JWT claim validation (RFC 7519 §4.1, §7.2; RFC 8725 §3.8-3.11; RFC 9068 §4).

A ``ClaimsPolicy`` is built once and applied to every token with an explicit ``now``:
the function reads no clock. Configured means required: naming an issuer or an
audience makes that claim mandatory (there is no "checked only if present").

This module decides whether a claim set is acceptable; what a caller gets back once it
is, the read-only verified claim set, is ``gatehouse.claims.Claims``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from gatehouse.errors import (
    ClaimError,
    ConfigurationError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidTypeError,
    MissingClaimError,
    NotYetValidError,
)

__all__ = ["ClaimsPolicy", "normalize_typ", "validate_claims"]


def normalize_typ(typ: str) -> str:
    """RFC 7515 §4.1.9: media types compare case-insensitively; "application/" may be omitted."""
    lowered = typ.lower()
    return lowered[12:] if lowered.startswith("application/") else lowered


def _names(value: str | Iterable[str] | None, what: str) -> frozenset[str] | None:
    if value is None:
        return None
    names = frozenset((value,)) if isinstance(value, str) else frozenset(value)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ConfigurationError(f"{what} must be a non-empty string or list of strings")
    return names


class ClaimsPolicy:
    """What a token's claims must satisfy; immutable once built."""

    __slots__ = ("audiences", "issuers", "leeway", "max_age", "required", "required_set", "typ")

    def __init__(
        self,
        *,
        issuer: str | Iterable[str] | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0,
        typ: str | None = None,
        required_claims: Iterable[str] = (),
        max_age: float | None = None,
    ) -> None:
        if not (isinstance(leeway, int | float) and 0 <= leeway <= 600 and math.isfinite(leeway)):
            raise ConfigurationError("leeway must be between 0 and 600 seconds")
        if max_age is not None and not (isinstance(max_age, int | float) and max_age > 0):
            raise ConfigurationError("max_age must be a positive number of seconds")
        self.issuers = _names(issuer, "issuer")
        self.audiences = _names(audience, "audience")
        self.leeway = float(leeway)
        self.typ = normalize_typ(typ) if typ is not None else None
        required = {"exp", *required_claims}
        if self.issuers is not None:
            required.add("iss")
        if self.audiences is not None:
            required.add("aud")
        if max_age is not None:
            required.add("iat")
        self.required = tuple(sorted(required))
        self.required_set = frozenset(required)
        self.max_age = max_age


_STRING_CLAIMS = ("sub", "jti", "scope", "client_id", "sid")
_MAX_SAFE_INT = 2**53
_MIN_SAFE_INT = -_MAX_SAFE_INT


def _numeric_date(value: Any, name: str) -> float:
    # RFC 7519 §2: a JSON number; bool is an int in Python but not a number in JSON.
    # Integers beyond ±2**53 (RFC 7493 §2.2) are no dates and would overflow float().
    if (type(value) is int and _MIN_SAFE_INT <= value <= _MAX_SAFE_INT) or (
        type(value) is float and math.isfinite(value)
    ):
        return value
    raise ClaimError(f"claim {name!r} must be a finite number", claim=name)


def validate_claims(
    header: Mapping[str, Any], claims: Mapping[str, Any], policy: ClaimsPolicy, now: float
) -> None:
    """Raise the specific ``ClaimError`` for the first rule ``claims`` break at ``now``.

    Written for the hot path: a handful of dictionary reads and comparisons per token, the
    usual NumericDate (an integer in range) tested inline, ``_numeric_date`` for the rest.
    """
    if not claims.keys() >= policy.required_set:
        for name in policy.required:
            if name not in claims:
                raise MissingClaimError(f"claim {name!r} is required", claim=name)

    if policy.typ is not None:
        # RFC 8725 §3.11 explicit typing; RFC 9068 §4 requires at+jwt for access tokens.
        typ = header.get("typ")
        if typ != policy.typ and (not isinstance(typ, str) or normalize_typ(typ) != policy.typ):
            raise InvalidTypeError("token type is not the expected one", claim="typ")

    leeway = policy.leeway
    exp = claims["exp"]
    if exp.__class__ is not int or not _MIN_SAFE_INT <= exp <= _MAX_SAFE_INT:
        exp = _numeric_date(exp, "exp")
    # RFC 7519 §4.1.4: the current time MUST be before exp.
    if now - leeway >= exp:
        raise ExpiredTokenError("token has expired", claim="exp")
    nbf = claims.get("nbf")
    if nbf is not None and now + leeway < _numeric_date(nbf, "nbf"):
        raise NotYetValidError("token is not valid yet", claim="nbf")
    iat = claims.get("iat")
    if iat is not None:
        if iat.__class__ is not int or not _MIN_SAFE_INT <= iat <= _MAX_SAFE_INT:
            iat = _numeric_date(iat, "iat")
        if now + leeway < iat:
            raise NotYetValidError("token was issued in the future", claim="iat")
        if policy.max_age is not None and now - leeway > iat + policy.max_age:
            raise ExpiredTokenError("token is older than the maximum age", claim="iat")

    if policy.issuers is not None:
        iss = claims["iss"]
        # RFC 7519 §4.1.1 / RFC 8725 §3.8: exact, case-sensitive string comparison.
        if iss.__class__ is not str or iss not in policy.issuers:
            raise InvalidIssuerError("token issuer is not accepted", claim="iss")

    if policy.audiences is not None:
        aud = claims["aud"]
        # RFC 7519 §4.1.3: a string or an array of strings; one must be ours (RFC 8725 §3.9).
        if aud.__class__ is str:
            ok = aud in policy.audiences
        elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
            ok = not policy.audiences.isdisjoint(aud)
        else:
            raise InvalidAudienceError("claim 'aud' must be a string or strings", claim="aud")
        if not ok:
            raise InvalidAudienceError("token audience is not accepted", claim="aud")

    for name in _STRING_CLAIMS:
        value = claims.get(name)
        if value is not None and value.__class__ is not str:
            raise ClaimError(f"claim {name!r} must be a string", claim=name)
