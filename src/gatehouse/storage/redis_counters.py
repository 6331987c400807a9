"""The Redis deny-list and throttle counters (``DenyList``, ``ThrottleStore``).

Why Redis: when many issuer instances run behind a load balancer, the deny-list and
the failed-login counters must be shared, cheap and fast, while accounts and sessions
stay in SQLite or PostgreSQL (``Stores.single(main, deny_list=rc, throttle=rc)``).

How it keeps the port contract:

* Times are passed in, never read: deadlines are stored as values (the ``repr`` of a
  float, so they round-trip exactly) and compared with the caller's ``now``. Redis's
  own clock and TTLs only garbage-collect keys, with a generous margin
  (``redis_scripts.GC_MARGIN``), so an entry never disappears while still in force.
* Each read-modify-write is one Lua script (``redis_scripts``), atomic on the server:
  a deadline never shortens and concurrent failures each count exactly once. Reads are
  one round trip (``MGET``/``GET``); ``clear`` is one ``DEL`` of both keys.
* Redis exceptions are translated in one place (``_guard``): down, timed out or still
  loading → ``StorageUnavailableError``; anything else → ``StorageError``. Messages
  never carry keys (they can be a jti or sid). The client never retries on its own,
  so a failure is never counted twice.

Keys, under ``prefix``: ``deny:{kind}:{value}`` (a deadline), ``fail:{key}`` (a hash
with ``n`` and ``start``), ``lock:{key}`` (a deadline).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from gatehouse.storage.attempts import Reservation
from gatehouse.storage.records import DenyKind
from gatehouse.storage.redis_connection import RedisConnection
from gatehouse.storage.redis_scripts import (
    GC_MARGIN,
    MAX_TTL,
    REGISTER_FAILURE,
    RELEASE,
    RESERVE_ATTEMPT,
    SET_MAX,
)

__all__ = ["RedisCounters"]

_UNLINK_BATCH = 500


def _glob_escape(text: str) -> str:
    """Escape Redis glob metacharacters so a prefix matches only itself."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _time_arg(value: float, name: str) -> str:
    """A float as Lua's ``tonumber`` reads it back exactly (finite values only)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number")
    return repr(number)


class RedisCounters:
    """``DenyList``, ``ThrottleStore`` and ``StoreLifecycle`` over one Redis database."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gatehouse:",
        socket_timeout: float = 2.0,
        client: Any | None = None,
    ) -> None:
        connection = RedisConnection(
            url,
            purpose="the Redis store",
            prefix=prefix,
            socket_timeout=socket_timeout,
            client=client,
        )
        client = connection.client
        self._guard = connection.guard
        self._client: Any = client
        self.prefix = prefix
        self._set_max: Any = client.register_script(SET_MAX)
        self._register_failure: Any = client.register_script(REGISTER_FAILURE)
        self._reserve_attempt: Any = client.register_script(RESERVE_ATTEMPT)
        self._release: Any = client.register_script(RELEASE)

    # --- the error boundary -----------------------------------------------------------

    # --- keys ---------------------------------------------------------------------------

    def _deny_key(self, kind: DenyKind, value: str) -> str:
        return f"{self.prefix}deny:{kind.value}:{value}"

    def _fail_key(self, key: str) -> str:
        return f"{self.prefix}fail:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self.prefix}lock:{key}"

    @staticmethod
    def _deadline(raw: bytes | str | None, now: float) -> float | None:
        if raw is None:
            return None
        value = float(raw)
        return value if value > now else None

    # --- lifecycle --------------------------------------------------------------------

    def ping(self) -> None:
        with self._guard("ping"):
            self._client.ping()

    def close(self) -> None:
        with self._guard("close"):
            self._client.close()

    def drop_all(self) -> int:
        """Delete every key under this prefix (SCAN + UNLINK in batches); return how many."""
        dropped = 0
        with self._guard("drop_all"):
            batch: list[Any] = []
            for key in self._client.scan_iter(
                match=_glob_escape(self.prefix) + "*", count=_UNLINK_BATCH
            ):
                batch.append(key)
                if len(batch) >= _UNLINK_BATCH:
                    dropped += int(self._client.unlink(*batch))
                    batch.clear()
            if batch:
                dropped += int(self._client.unlink(*batch))
        return dropped

    # --- deny-list --------------------------------------------------------------------

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        deadline = _time_arg(expires_at, "expires_at")
        with self._guard("deny"):
            self._set_max(keys=[self._deny_key(kind, value)], args=[deadline, GC_MARGIN, MAX_TTL])

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        keys = []
        if jti is not None:
            keys.append(self._deny_key(DenyKind.JTI, jti))
        if sid is not None:
            keys.append(self._deny_key(DenyKind.SID, sid))
        if not keys:
            return False
        with self._guard("is_denied"):
            values = self._client.mget(keys)
        return any(self._deadline(raw, now) is not None for raw in values)

    def purge_denied(self, *, now: float) -> int:
        """Nothing to do: lapsed entries already read as not denied, and Redis expires
        the keys itself (after ``GC_MARGIN``). Always 0."""
        return 0

    # --- throttle ---------------------------------------------------------------------

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        if not (math.isfinite(window) and window > 0):
            raise ValueError("window must be a positive finite number")
        # Relative TTL: the counter matters for at most `window` after this write.
        ttl = min(math.ceil(window), MAX_TTL) + GC_MARGIN
        args = [_time_arg(now, "now"), repr(float(window)), ttl]
        with self._guard("register_failure"):
            count = self._register_failure(keys=[self._fail_key(key)], args=args)
        return int(count)

    def lock(self, key: str, *, until: float) -> None:
        deadline = _time_arg(until, "until")
        with self._guard("lock"):
            self._set_max(keys=[self._lock_key(key)], args=[deadline, GC_MARGIN, MAX_TTL])

    def locked_until(self, key: str, *, now: float) -> float | None:
        with self._guard("locked_until"):
            raw = self._client.get(self._lock_key(key))
        return self._deadline(raw, now)

    def clear(self, key: str) -> None:
        with self._guard("clear"):
            self._client.delete(self._fail_key(key), self._lock_key(key))

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        if not (math.isfinite(window) and window > 0):
            raise ValueError("window must be a positive finite number")
        ttl = min(math.ceil(window), MAX_TTL) + GC_MARGIN
        args: list[object] = [_time_arg(now, "now"), repr(float(window)), ttl, GC_MARGIN]
        args += [MAX_TTL, *(_time_arg(step, "locks") for step in locks)]
        with self._guard("reserve_attempt"):
            admitted, count, held = self._reserve_attempt(
                keys=[self._fail_key(key), self._lock_key(key)], args=args
            )
        deadline = float(held) if held not in (b"", "", None) else None
        return Reservation(bool(admitted), int(count), deadline)

    def release(self, key: str, *, now: float, window: float) -> None:
        args = [_time_arg(now, "now"), repr(float(window))]
        with self._guard("release"):
            self._release(keys=[self._fail_key(key)], args=args)
