"""The login throttle's counters in Redis, falling back to the main store's while Redis is down.

With ``redis_url`` set, the failed-login counters live in Redis so every instance shares
them. When Redis cannot be reached, failing closed turned every login into a 503 (issue
16 §4); failing open would stop throttling. The main store implements the same port
(``ThrottleStore``), so the counters move there for the outage: logins keep working and
stay throttled (per store: attempts counted in Redis before the outage are not seen by
the fallback). Redis is tried again ``retry_after`` seconds after it failed, so a Redis
that times out costs one request per interval its timeout, not every login.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import StorageUnavailableError
from gatehouse.storage.attempts import Reservation
from gatehouse.storage.ports import ThrottleStore

__all__ = ["FallbackThrottle"]

T = TypeVar("T")
logger = logging.getLogger("gatehouse.storage")


class FallbackThrottle:
    """``ThrottleStore`` over ``primary`` (Redis), using ``fallback`` (the main store)
    whenever the primary is unavailable."""

    def __init__(
        self,
        primary: ThrottleStore,
        fallback: ThrottleStore,
        *,
        clock: Clock = SYSTEM_CLOCK,
        retry_after: float = 5.0,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._clock = clock
        self._retry_after = retry_after
        self._down_until = float("-inf")

    @property
    def degraded(self) -> bool:
        """True while the counters are in the fallback store."""
        return self._clock.monotonic() < self._down_until

    def _use(self, call: Callable[[ThrottleStore], T]) -> T:
        if not self.degraded:
            try:
                return call(self._primary)
            except StorageUnavailableError as exc:
                logger.warning("throttle counters fall back to the main store: %s", exc.message)
                self._down_until = self._clock.monotonic() + self._retry_after
        return call(self._fallback)

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        return self._use(lambda s: s.register_failure(key, now=now, window=window))

    def lock(self, key: str, *, until: float) -> None:
        self._use(lambda s: s.lock(key, until=until))

    def locked_until(self, key: str, *, now: float) -> float | None:
        return self._use(lambda s: s.locked_until(key, now=now))

    def clear(self, key: str) -> None:
        self._use(lambda s: s.clear(key))

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        return self._use(lambda s: s.reserve_attempt(key, now=now, window=window, locks=locks))

    def release(self, key: str, *, now: float, window: float) -> None:
        self._use(lambda s: s.release(key, now=now, window=window))
