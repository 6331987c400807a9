"""Single use of a DPoP proof (RFC 9449 §11.1): the replay-cache port and its memory adapter.

§11.1: a server "can store, in the context of the target URI, the ``jti`` value of each
DPoP proof for the time window in which the respective DPoP proof JWT would be
accepted", and should store "only a hash thereof" against memory exhaustion. The key a
checker passes is ``DPoPProof.replay_key``: a SHA-256 over (jkt, htm, htu, jti), so the
same ``jti`` for another target or from another key is a different entry, and an entry
is 43 characters whatever the client sent.

Times are passed in (``now``, ``expires_at``), never read, so tests and several
instances agree. One instance can use ``MemoryReplayCache``; several behind a load
balancer need a shared one (``gatehouse.storage.redis_dpop.RedisReplayCache``).
"""

from __future__ import annotations

import heapq
import math
import threading
from typing import Protocol

from gatehouse.errors import ConfigurationError

__all__ = ["MemoryReplayCache", "NoReplayCheck", "ReplayCache"]


class ReplayCache(Protocol):
    """Remembers proof keys until they expire."""

    def first_use(self, key: str, *, expires_at: float, now: float) -> bool:
        """Record ``key`` until ``expires_at``; True if it was not already recorded (and
        unexpired at ``now``), False for a replay. Atomic: of two concurrent calls with
        one key, exactly one gets True."""
        ...


class MemoryReplayCache:
    """A bounded in-process ``ReplayCache``; thread-safe.

    Full at ``max_entries``: expired entries go first, then the one closest to expiry
    (the one a replay could least use). Size it for the peak rate of valid proofs times
    the proof window (``max_age + leeway``): only proofs that passed every other check
    are recorded, so filling it takes valid tokens and keys.
    """

    __slots__ = ("_expiry", "_heap", "_lock", "max_entries")

    def __init__(self, max_entries: int = 100_000) -> None:
        if not 1 <= max_entries <= 10_000_000:
            raise ConfigurationError("max_entries must be between 1 and 10 million")
        self.max_entries = max_entries
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def first_use(self, key: str, *, expires_at: float, now: float) -> bool:
        if not (math.isfinite(expires_at) and math.isfinite(now)):
            raise ValueError("expires_at and now must be finite")
        with self._lock:
            seen = self._expiry.get(key)
            if seen is not None and seen > now:
                return False
            self._evict(now)
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            if len(self._heap) > 2 * self.max_entries + 16:
                self._compact()
            return True

    def _evict(self, now: float) -> None:
        """Drop what expired; if still full, drop the soonest to expire."""
        heap, expiry = self._heap, self._expiry
        while heap and (heap[0][0] <= now or len(expiry) >= self.max_entries):
            when, key = heapq.heappop(heap)
            if expiry.get(key) == when:  # else a stale heap entry of a re-recorded key
                del expiry[key]

    def _compact(self) -> None:
        self._heap = [(when, key) for key, when in self._expiry.items()]
        heapq.heapify(self._heap)


class NoReplayCheck:
    """A ``ReplayCache`` that remembers nothing: every proof counts as first used.

    For deployments that rely on nonces and short windows alone (§11.1 allows it when
    "multiple servers behind a single endpoint have no shared state"); say so by name.
    """

    __slots__ = ()

    def first_use(self, key: str, *, expires_at: float, now: float) -> bool:
        return True
