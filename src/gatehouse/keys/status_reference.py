"""Reading a token's ``status`` claim, and deciding whether its ``uri`` may be fetched.

draft-ietf-oauth-status-list-20 §6.2: ``"status": {"status_list": {"idx": n, "uri": "…"}}``
with ``idx`` a non-negative integer and ``uri`` a URI. The verifier only ever fetches a
``uri`` under an allow-listed prefix (by default: under the Verifier's configured issuer),
so no token can point the verifier's HTTP client somewhere else (RFC 8725 §3.10, SSRF).
The check runs after the token's signature and claims verified (§8.3: status processing
follows token validation), so only the issuer's keys can mint a reference at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gatehouse.errors import ConfigurationError, InvalidStatusError, MissingClaimError
from gatehouse.keys.endpoint import check_jwks_url

__all__ = ["StatusURIAllowList", "status_reference"]

_DOT_SEGMENTS = ("/./", "/../", "%2e", "%2E")


def status_reference(claims: Mapping[str, Any], *, require: bool) -> tuple[str, int] | None:
    """``(uri, idx)`` of the token's status list entry; ``None`` if it has none and
    ``require`` is off. A present but malformed reference is always refused."""
    status = claims.get("status")
    if status is None:
        if require:
            raise MissingClaimError("the token has no status claim", claim="status")
        return None
    if not isinstance(status, dict):
        raise InvalidStatusError("the status claim must be a JSON object", claim="status")
    reference = status.get("status_list")
    if reference is None:
        # Another status mechanism (§6.1 allows others); we only understand this one.
        if require:
            raise MissingClaimError("the status claim has no status_list", claim="status")
        return None
    if not isinstance(reference, dict):
        raise InvalidStatusError("status.status_list must be a JSON object", claim="status")
    idx = reference.get("idx")
    uri = reference.get("uri")
    if type(idx) is not int or idx < 0:
        raise InvalidStatusError("status_list.idx must be a non-negative integer", claim="status")
    if not isinstance(uri, str) or not uri:
        raise InvalidStatusError("status_list.uri must be a non-empty string", claim="status")
    return uri, idx


class StatusURIAllowList:
    """The URL prefixes status lists may be fetched from.

    A prefix is an https URL (http on loopback only, as for JWKS) ending at a path boundary:
    ``https://auth.example.com`` becomes ``https://auth.example.com/``, so it cannot admit
    ``https://auth.example.com.evil.test/``.
    """

    __slots__ = ("prefixes",)

    def __init__(self, prefixes: Iterable[str]) -> None:
        if isinstance(prefixes, str):
            prefixes = (prefixes,)
        checked: list[str] = []
        for prefix in prefixes:
            try:
                check_jwks_url(prefix)
            except ConfigurationError as exc:
                raise ConfigurationError(
                    f"status list URI prefix is not acceptable: {exc.message}"
                ) from None
            if "?" in prefix:
                raise ConfigurationError("a status list URI prefix must not contain a query")
            checked.append(prefix if prefix.endswith("/") else prefix + "/")
        if not checked:
            raise ConfigurationError("status lists need at least one allowed URI prefix")
        self.prefixes = tuple(checked)

    def check(self, uri: str) -> str:
        """``uri`` if it may be fetched, else ``InvalidStatusError`` (the token's fault)."""
        if not uri.startswith(self.prefixes) or any(s in uri for s in _DOT_SEGMENTS):
            raise InvalidStatusError(
                "status_list.uri is not under an allowed status list location", claim="status"
            )
        try:
            return check_jwks_url(uri)
        except ConfigurationError:
            raise InvalidStatusError(
                "status_list.uri is not a usable URL", claim="status"
            ) from None

    def __repr__(self) -> str:
        return f"StatusURIAllowList({list(self.prefixes)!r})"
