"""Opening a Redis client and translating its errors: one door for every Redis adapter.

The deny-list/throttle counters and the DPoP replay cache both talk to Redis; both want
the same things from the connection: the driver imported lazily (a missing extra is a
``ConfigurationError`` naming it), no client-side retries (a command that failed must
never count twice), bounded socket timeouts, and exceptions mapped at one boundary:
an unreachable or loading server is ``StorageUnavailableError`` (503 + Retry-After), any
other Redis failure ``StorageError``. Messages name the action, never a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gatehouse._distribution import install_hint
from gatehouse.errors import ConfigurationError, StorageError, StorageUnavailableError

__all__ = ["RedisConnection"]


class RedisConnection:
    """A Redis client (given, or opened from ``url``) with its error boundary."""

    def __init__(
        self,
        url: str,
        *,
        purpose: str,
        prefix: str,
        socket_timeout: float = 2.0,
        client: Any | None = None,
    ) -> None:
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:
            raise ConfigurationError(
                f"{purpose} needs the redis package: {install_hint('redis')}"
            ) from exc
        if not prefix:
            raise ConfigurationError("the Redis key prefix must not be empty")
        self._unavailable: tuple[type[BaseException], ...] = (
            redis.ConnectionError,
            redis.TimeoutError,
            redis.BusyLoadingError,
        )
        self._redis_error: type[BaseException] = redis.RedisError
        if client is None:
            try:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=socket_timeout,
                    retry=Retry(NoBackoff(), 0),
                )
            except ValueError as exc:
                raise ConfigurationError(f"not a usable Redis URL: {exc}") from exc
        self.client: Any = client

    @contextmanager
    def guard(self, action: str) -> Iterator[None]:
        """Translate every Redis exception raised inside; never mention keys."""
        try:
            yield
        except self._unavailable as exc:
            raise StorageUnavailableError(
                f"Redis is unavailable ({action}: {type(exc).__name__})"
            ) from exc
        except self._redis_error as exc:
            raise StorageError(f"Redis failed ({action}: {type(exc).__name__})") from exc
