"""The issuer's deny-list, as the check a resource server's adapter asks.

The token service writes the deny-list (``storage.ports.DenyList``: by ``jti`` or by
session ``sid``, with the deadline passed in); the adapters in ``gatehouse.adapters``
ask ``is_denied(claims)`` after verifying a token. ``DenyListCheck`` joins the two, so a
microservice pointing at the same Redis (or database) as the issuer honours a logout at
once::

    from gatehouse.storage.deny_check import DenyListCheck
    from gatehouse.storage.redis_counters import RedisCounters

    deny_list = DenyListCheck(RedisCounters("redis://cache:6379/0", prefix="gatehouse:"))
    handler = require_token(verifier, deny_list=deny_list)(handler)

A store that cannot answer raises ``StorageUnavailableError``, and the adapters then fail
closed (503) rather than let a possibly revoked token through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    from gatehouse.claims import Claims
    from gatehouse.storage.ports import DenyList

__all__ = ["DenyListCheck"]


class DenyListCheck:
    """``is_denied(claims)`` over a storage ``DenyList``; the clock reads ``now``."""

    __slots__ = ("_clock", "_store")

    def __init__(self, store: DenyList, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._store = store
        self._clock = clock

    def is_denied(self, claims: Claims) -> bool:
        """True when the token's ``jti`` or its session's ``sid`` is on the list."""
        if claims.token_id is None and claims.session_id is None:
            return False
        return self._store.is_denied(
            jti=claims.token_id, sid=claims.session_id, now=self._clock.time()
        )
