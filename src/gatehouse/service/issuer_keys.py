"""Verify tokens in-process against the local token service's published keys.

The local gateway runs the token service and the protected functions in one process;
fetching our own JWKS over HTTP would be silly, and reading the store on every token
would be slow. ``IssuerKeySource`` keeps the current JWKS and re-reads it on an unknown
``kid`` at most once per second (the panva/jose cooldown idea), so a rotation is seen
at once while a flood of forged kids costs one store read per second.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import UnknownKeyError
from gatehouse.keys.jwks import JWKS

if TYPE_CHECKING:
    from gatehouse.issuer.service import TokenService
    from gatehouse.jose.jwk import JWK

__all__ = ["IssuerKeySource"]


class IssuerKeySource:
    """A ``KeySource`` backed by ``TokenService.jwks()``."""

    def __init__(
        self, service: TokenService, *, clock: Clock = SYSTEM_CLOCK, cooldown: float = 1.0
    ) -> None:
        self._service = service
        self._clock = clock
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._jwks: JWKS | None = None
        self._read_at = float("-inf")

    def _reload(self) -> JWKS:
        """Re-read the published keys (storage errors propagate: a 503, not a 401)."""
        jwks = JWKS.from_dict(self._service.jwks())
        with self._lock:
            self._jwks = jwks
            self._read_at = self._clock.monotonic()
        return jwks

    def _may_reload(self) -> bool:
        with self._lock:
            return self._clock.monotonic() - self._read_at >= self._cooldown

    def get_key(self, kid: str | None, alg: str) -> JWK:
        jwks = self._jwks
        if jwks is None:
            jwks = self._reload()
        key = jwks.find(kid, alg)
        if key is None and self._may_reload():
            key = self._reload().find(kid, alg)
        if key is None:
            raise UnknownKeyError("no published key matches the token's kid and alg")
        return key

    async def aget_key(self, kid: str | None, alg: str) -> JWK:
        """Cached keys answer at once; a store read runs in a worker thread."""
        jwks = self._jwks
        if jwks is not None:
            key = jwks.find(kid, alg)
            if key is not None:
                return key
        return await asyncio.to_thread(self.get_key, kid, alg)
