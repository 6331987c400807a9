"""``RedisReplayCache``: DPoP proofs single-use across every instance (RFC 9449 §11.1).

Why Redis: behind a load balancer a replayed proof can land on another instance than
the original, so the set of used proofs must be shared; one ``SET NX`` is one atomic
round trip, and of two instances racing with one proof exactly one wins.

How it keeps the ``ReplayCache`` port (``gatehouse.dpop.replay``):

* Times come from the caller. The entry's TTL is ``expires_at - now`` by the caller's
  clock, rounded up, plus ``margin`` seconds; Redis's clock only counts that down, so
  the Redis server's own clock never matters. Set ``margin`` at least to the clock skew
  between instances (an instance whose clock lags still accepts the proof). A proof
  presented after its ``expires_at`` is refused as stale before it reaches the cache,
  so an entry outliving it by the margin refuses nothing that would have passed.
* The key is ``{prefix}dpop:{replay_key}``: a fixed-size hash, never the raw ``jti``.
* Redis exceptions are translated at one boundary: down, timed out or loading →
  ``StorageUnavailableError``; anything else → ``StorageError`` (503 either way: fail
  closed, a proof is never accepted unchecked). Messages never carry keys.

The SQL adapters (phase 2) need one table: ``dpop_replay(key TEXT PRIMARY KEY,
expires_at DOUBLE PRECISION NOT NULL)`` with an index on ``expires_at``; ``first_use``
is ``INSERT … ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE
dpop_replay.expires_at <= :now`` and reports whether a row was written.
"""

from __future__ import annotations

import math
from typing import Any

from gatehouse.errors import ConfigurationError
from gatehouse.storage.redis_connection import RedisConnection

__all__ = ["RedisReplayCache"]

_MAX_TTL = 86_400


class RedisReplayCache:
    """A ``ReplayCache`` over one Redis database, shared by every instance using it."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gatehouse:",
        margin: int = 30,
        socket_timeout: float = 2.0,
        client: Any | None = None,
    ) -> None:
        connection = RedisConnection(
            url,
            purpose="the Redis replay cache",
            prefix=prefix,
            socket_timeout=socket_timeout,
            client=client,
        )
        if not 0 <= margin <= 3600:
            raise ConfigurationError("margin must be between 0 and 3600 seconds")
        self._client: Any = connection.client
        self._guard = connection.guard
        self.prefix = prefix
        self.margin = margin

    def first_use(self, key: str, *, expires_at: float, now: float) -> bool:
        if not (math.isfinite(expires_at) and math.isfinite(now)):
            raise ValueError("expires_at and now must be finite")
        ttl = min(max(math.ceil(expires_at - now), 1) + self.margin, _MAX_TTL)
        with self._guard("first_use"):
            written = self._client.set(f"{self.prefix}dpop:{key}", b"1", nx=True, ex=ttl)
        return bool(written)

    def ping(self) -> None:
        with self._guard("ping"):
            self._client.ping()

    def close(self) -> None:
        with self._guard("close"):
            self._client.close()
