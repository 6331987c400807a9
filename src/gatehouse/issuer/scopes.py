"""Scope strings (RFC 6749 §3.3) and the rule that a grant never exceeds what is allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gatehouse.errors import InvalidRequestError, InvalidScopeError

__all__ = ["format_scope", "grant_scope", "parse_scope"]

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
