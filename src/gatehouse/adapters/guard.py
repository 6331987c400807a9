"""The request check every adapter shares: bearer token → Claims, or a typed error.

Order matters: the signature and claims first (``Verifier``), then the deny list, then the
scopes, so a revoked token is always 401 invalid_token and never a 403 that would suggest
asking for more scope (RFC 6750 §3.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from gatehouse.adapters.bearer import extract_bearer
from gatehouse.adapters.rejection import Rejection, reject
from gatehouse.errors import GatehouseError, InsufficientScopeError, TokenRevokedError

if TYPE_CHECKING:
    from gatehouse import Claims, Verifier
    from gatehouse.adapters.deny_check import DenyCheck

__all__ = ["DEFAULT_REALM", "BearerGuard", "require_scopes"]

DEFAULT_REALM = "gatehouse"


def require_scopes(claims: Claims, required: Sequence[str]) -> Claims:
    """Return ``claims`` when every required scope was granted (RFC 6750 §3.1)."""
    if required and not claims.scopes.issuperset(required):
        raise InsufficientScopeError("a required scope is missing", required=tuple(required))
    return claims


class BearerGuard:
    """A verifier plus the adapter-level policy: required scopes, deny list, realm."""

    __slots__ = ("deny_list", "realm", "scopes", "verifier")

    def __init__(
        self,
        verifier: Verifier,
        *,
        scopes: Iterable[str] = (),
        deny_list: DenyCheck | None = None,
        realm: str = DEFAULT_REALM,
    ) -> None:
        self.verifier = verifier
        self.scopes = tuple(scopes)
        self.deny_list = deny_list
        self.realm = realm

    def _required(self, extra: Sequence[str]) -> tuple[str, ...]:
        if not extra:
            return self.scopes
        return self.scopes + tuple(s for s in extra if s not in self.scopes)

    def verify_bearer(self, authorization: Sequence[str]) -> Claims:
        """Signature and claims of the request's bearer token, before deny list and scopes."""
        return self.verifier.verify(extract_bearer(authorization))

    def authenticate(self, authorization: Sequence[str], extra: Sequence[str] = ()) -> Claims:
        """Verify the request's bearer token; raise a ``GatehouseError`` on refusal."""
        return self.admit(self.verify_bearer(authorization), extra)

    def admit(self, claims: Claims, extra: Sequence[str] = ()) -> Claims:
        """Deny-list and scope checks for claims that are already verified."""
        if self.deny_list is not None and self.deny_list.is_denied(claims):
            raise TokenRevokedError("the token has been revoked")
        return require_scopes(claims, self._required(extra))

    async def authenticate_async(
        self, authorization: Sequence[str], extra: Sequence[str] = ()
    ) -> Claims:
        """``authenticate`` without blocking the event loop (remote JWKS, deny-list I/O)."""
        claims = await self.verifier.verify_async(extract_bearer(authorization))
        return await self.admit_async(claims, extra)

    async def admit_async(self, claims: Claims, extra: Sequence[str] = ()) -> Claims:
        """``admit`` for async callers: an async deny list is awaited, a sync one threaded."""
        deny_list = self.deny_list
        if deny_list is not None:
            is_denied_async = getattr(deny_list, "is_denied_async", None)
            if is_denied_async is not None:
                denied = bool(await is_denied_async(claims))
            else:
                import asyncio  # here, not at the top: a Lambda cold start never pays for it

                denied = await asyncio.to_thread(deny_list.is_denied, claims)
            if denied:
                raise TokenRevokedError("the token has been revoked")
        return require_scopes(claims, self._required(extra))

    def reject(self, error: GatehouseError, extra: Sequence[str] = ()) -> Rejection:
        """The HTTP refusal for ``error`` under this guard's realm."""
        return reject(error, realm=self.realm, scopes=self._required(extra))
