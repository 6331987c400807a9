"""What a grant may carry: its scopes (RFC 6749 §3.3) and its audience (RFC 8707).

The one rule here, for both: a grant never exceeds what is allowed. Scopes are limited
by every party's allowed set; the audience by the client's allowed audiences, or else
the issuer's. With none requested, the server picks (RFC 6749 §3.3; the default audience).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gatehouse.errors import InvalidRequestError, InvalidScopeError, InvalidTargetError
from gatehouse.issuer.config import IssuerConfig
from gatehouse.storage.records import ClientRecord

__all__ = ["choose_audience", "format_scope", "grant_scope", "parse_scope", "requested_target"]

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
MAX_SCOPE_CHARS = 4096


def parse_scope(scope: str | Iterable[str] | None) -> frozenset[str] | None:
    """A requested scope (space-delimited string or iterable) as a set; None if absent."""
    if scope is None:
        return None
    tokens = scope.split(" ") if isinstance(scope, str) else list(scope)
    if sum(len(t) + 1 for t in tokens) > MAX_SCOPE_CHARS:
        raise InvalidRequestError("scope is too long")
    result = frozenset(t for t in tokens if t != "")
    for token in result:
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise InvalidScopeError("scope contains a character RFC 6749 §3.3 does not allow")
    return result


def grant_scope(
    requested: frozenset[str] | None, *allowed: frozenset[str] | None
) -> frozenset[str]:
    """The requested scopes if every one is allowed by every ``allowed`` set (None = no
    limit from that party); when nothing is requested, everything allowed (RFC 6749
    §3.3 lets the server pick a default)."""
    limits = [a for a in allowed if a is not None]
    permitted: frozenset[str] | None = None
    for limit in limits:
        permitted = limit if permitted is None else permitted & limit
    if requested is None:
        return permitted if permitted is not None else frozenset()
    if permitted is not None and not requested <= permitted:
        raise InvalidScopeError("the requested scope exceeds what is allowed")
    return requested


def format_scope(scope: Iterable[str]) -> str:
    """The space-delimited form tokens and responses carry, sorted for stable output."""
    return " ".join(sorted(scope))


def requested_target(audience: str | None, resource: str | None) -> str | None:
    """The one target a request names through ``audience`` and/or ``resource``.

    gatehouse issues one audience per token, so both parameters name the same thing;
    two different targets in one request are ``invalid_target`` (RFC 8707 §2: the
    server refuses a combination of resources it cannot honour, not picks one).
    """
    if audience is not None and resource is not None and audience != resource:
        raise InvalidTargetError("audience and resource name different targets")
    return audience if audience is not None else resource


def choose_audience(
    config: IssuerConfig, requested: str | None, client: ClientRecord | None
) -> str:
    """The audience of the token: ``requested`` if permitted, else the default one."""
    permitted = (
        client.allowed_audiences
        if client is not None and client.allowed_audiences
        else config.allowed_audiences
    )
    if requested is None:
        if config.default_audience in permitted:
            return config.default_audience
        if len(permitted) == 1:
            return next(iter(permitted))
        raise InvalidTargetError("an audience is required")
    if requested not in permitted:
        # RFC 8707 §2: invalid_target.
        raise InvalidTargetError("the audience is not allowed")
    return requested
