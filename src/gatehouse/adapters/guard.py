"""The request check every adapter shares: bearer token → Claims, or a typed error.

Order matters: the signature and claims first (``Verifier``), then the deny list, then the
scopes, so a revoked token is always 401 invalid_token and never a 403 that would suggest
asking for more scope (RFC 6750 §3.1).

DPoP (RFC 9449 §7.1): give an adapter a ``gatehouse.dpop.DPoPVerifier`` where a
``Verifier`` goes and the guard also takes ``Authorization: DPoP <token>`` with its
``DPoP`` proof, checked against the request's method and URL (built only for a DPoP
request: a Bearer one never pays for it), and answers with the ``DPoP`` challenge
(``algs``, and ``DPoP-Nonce`` under a nonce policy, §7.1, §9). Whether a verifier is a
``DPoPVerifier`` is asked of ``sys.modules``: whoever built one has loaded its module,
and a Lambda function that did not never imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, cast

from gatehouse.adapters.bearer import extract_bearer, missing_credentials, read_credentials
from gatehouse.errors import GatehouseError, InsufficientScopeError, TokenRevokedError

if TYPE_CHECKING:
    from gatehouse import Claims, Verifier
    from gatehouse.adapters.deny_check import DenyCheck
    from gatehouse.adapters.rejection import Rejection
    from gatehouse.dpop import DPoPVerifier

__all__ = ["DEFAULT_REALM", "BearerGuard", "as_dpop", "require_scopes"]

DEFAULT_REALM = "gatehouse"
_SCHEMES = ("dpop", "bearer")


def as_dpop(verifier: object) -> DPoPVerifier | None:
    """``verifier`` when it is a ``DPoPVerifier``, else None (no import: see above)."""
    module = sys.modules.get("gatehouse.dpop.verifier")
    cls = getattr(module, "DPoPVerifier", None)
    return verifier if cls is not None and isinstance(verifier, cls) else None


def require_scopes(claims: Claims, required: Sequence[str]) -> Claims:
    """Return ``claims`` when every required scope was granted (RFC 6750 §3.1)."""
    if required and not claims.scopes.issuperset(required):
        raise InsufficientScopeError("a required scope is missing", required=tuple(required))
    return claims


class BearerGuard:
    """A verifier plus the adapter-level policy: required scopes, deny list, realm."""

    __slots__ = ("deny_list", "dpop", "realm", "scopes", "verifier")

    def __init__(
        self,
        verifier: Verifier | DPoPVerifier,
        *,
        scopes: Iterable[str] = (),
        deny_list: DenyCheck | None = None,
        realm: str = DEFAULT_REALM,
    ) -> None:
        dpop = as_dpop(verifier)
        self.dpop = dpop
        self.verifier = dpop.verifier if dpop is not None else cast("Verifier", verifier)
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

    def _dpop_target(
        self, authorization: Sequence[str], url: Callable[[], str]
    ) -> tuple[DPoPVerifier, str] | None:
        """The DPoP verifier and the request URL, or None for a plain Bearer check.

        The URL is built only for the DPoP scheme; a Bearer request under a DPoP guard
        still goes to the ``DPoPVerifier`` (a bound token sent as Bearer is refused, §7.2).
        """
        if self.dpop is None:
            return None
        found = read_credentials(authorization, schemes=_SCHEMES)
        if found is None:
            raise missing_credentials()
        return self.dpop, url() if found[0] == "dpop" else ""

    def verify_request(
        self,
        authorization: Sequence[str],
        *,
        dpop: Sequence[str] = (),
        method: str = "",
        url: Callable[[], str] = str,
    ) -> Claims:
        """Signature and claims of the request's token, and its DPoP proof when the guard
        has a ``DPoPVerifier``; before the deny list and scopes."""
        target = self._dpop_target(authorization, url)
        if target is None:
            return self.verify_bearer(authorization)
        checker, address = target
        return checker.verify_request(
            authorization=authorization, dpop=dpop, method=method, url=address
        )

    async def verify_request_async(
        self,
        authorization: Sequence[str],
        *,
        dpop: Sequence[str] = (),
        method: str = "",
        url: Callable[[], str] = str,
    ) -> Claims:
        """``verify_request`` without blocking the event loop (remote JWKS)."""
        target = self._dpop_target(authorization, url)
        if target is None:
            return await self.verifier.verify_async(extract_bearer(authorization))
        checker, address = target
        return await checker.verify_request_async(
            authorization=authorization, dpop=dpop, method=method, url=address
        )

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

    def success_headers(self, authorization: Sequence[str]) -> dict[str, str]:
        """``DPoP-Nonce`` for a served DPoP request under a nonce policy, so the client
        moves to the current nonce before its own lapses (RFC 9449 §8.2); else empty."""
        if self.dpop is None:
            return {}
        nonce = self.dpop.nonce_headers().get("DPoP-Nonce")
        if nonce is None:
            return {}
        found = read_credentials(authorization, schemes=_SCHEMES)
        return {"DPoP-Nonce": nonce} if found is not None and found[0] == "dpop" else {}

    def reject(
        self,
        error: GatehouseError,
        extra: Sequence[str] = (),
        authorization: Sequence[str] = (),
    ) -> Rejection:
        """The HTTP refusal for ``error`` under this guard's realm; with DPoP, the challenge
        of the scheme ``authorization`` tried (RFC 9449 §7.2)."""
        # Imported by the first refusal: a cold start that serves a valid token never loads it.
        from gatehouse.adapters.rejection import dpop_reject, reject

        scopes = self._required(extra)
        if self.dpop is None:
            return reject(error, realm=self.realm, scopes=scopes)
        return dpop_reject(error, self.dpop, realm=self.realm, scopes=scopes, tried=authorization)
