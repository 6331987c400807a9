"""A bounded pool for password hashing: so many at once, so many waiting, the rest refused.

argon2id at the OWASP profile takes 19 MiB and tens of milliseconds of a core per
hash. Unbounded, 60 concurrent unknown-user logins took a server from 63 MB to a
1 GB peak and pushed every other request (refresh, JWKS, ``/health``) behind them
(issue 16 §2). ``HashingPool`` lets ``workers`` hashes run at once and ``queue``
more wait; beyond that a login is refused at once with ``LoginBusyError`` (503
``temporarily_unavailable`` + ``Retry-After``), which costs the server nothing.

The knobs trade differently (measured on 2 cores, ``bench/login_flood.py``): a pool
as large as the core count leaves the event loop no core, so refreshes slow down
during a flood; a short queue refuses more logins, and refusing is itself work for the
loop. One worker and a queue of about 64 kept refresh p99 within ~2.5× of quiet.

Large buffers are also handed back to the system when freed (``release_large_frees``),
so memory returns to its baseline after a flood instead of staying in malloc's arenas.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from gatehouse.errors import ConfigurationError, LoginBusyError

if TYPE_CHECKING:
    import ctypes

__all__ = ["SPARE_LOGIN_THREADS", "HashingPool", "release_large_frees"]

SPARE_LOGIN_THREADS = 2
"""Login threads beyond the hashing workers: they reserve throttle attempts and answer
refusals while every worker hashes. Further logins wait as coroutines (cheap), not as
threads: 60 waiting threads kept their stacks, SQLite connections and malloc arenas
(40 MB) after a flood, since idle worker threads are only reaped by the next call."""

_M_MMAP_THRESHOLD = -3  # glibc malloc.h
_MMAP_THRESHOLD = 1024 * 1024
_released = False
_libc: ctypes.CDLL | None = None


def release_large_frees() -> bool:
    """Make glibc serve allocations of 1 MiB and more with their own ``mmap``, so freeing
    an argon2 buffer returns it to the system at once (glibc otherwise raises its mmap
    threshold to the size of the first such buffer freed, and later buffers stay in
    the heap: 909 MB held after a flood). Process-wide, once; False where not glibc."""
    global _released
    if _released:
        return True
    global _libc
    # Imported here, by the first pool: ctypes.util spawns ldconfig to find libc, work
    # a process without a pool (a Lambda container) should not pay for at start.
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return False
    _libc = libc
    _released = bool(mallopt(ctypes.c_int(_M_MMAP_THRESHOLD), ctypes.c_int(_MMAP_THRESHOLD)))
    return _released


def _trim() -> None:
    """Hand free heap pages back to the system once the pool goes idle (``malloc_trim``):
    the threads that waited for a hash leave their malloc arenas holding memory."""
    if _libc is not None:
        import ctypes

        _libc.malloc_trim(ctypes.c_size_t(0))


class HashingPool:
    """At most ``workers`` hashes at once and ``queue`` waiting; ``retry_after`` is what a
    refused login is told (seconds)."""

    def __init__(self, workers: int = 1, queue: int = 64, *, retry_after: int = 1) -> None:
        if workers < 1 or queue < 0 or retry_after < 1:
            raise ConfigurationError(
                "the hashing pool needs workers >= 1, queue >= 0 and retry_after >= 1"
            )
        self.workers = workers
        self.queue = queue
        self.retry_after = retry_after
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._queued = False
        release_large_frees()

    @property
    def capacity(self) -> int:
        """How many logins may be hashing or waiting at once."""
        return self.workers + self.queue

    def wait_queued(self, n: int, timeout: float) -> bool:
        """Block until ``n`` callers are waiting (for tests and benchmarks); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._waiting >= n, timeout)

    def busy_error(self) -> LoginBusyError:
        return LoginBusyError(
            "too many logins are being checked right now; retry shortly",
            retry_after=self.retry_after,
        )

    @contextmanager
    def slot(self, *, timeout: float = math.inf) -> Iterator[None]:
        """Hold one of the ``workers`` places for the ``with`` body, waiting in the
        queue if it has room; ``LoginBusyError`` if it has none (or after ``timeout``)."""
        with self._cond:
            if self._running >= self.workers:
                if self._waiting >= self.queue:
                    raise self.busy_error()
                self._waiting += 1
                self._queued = True
                self._cond.notify_all()  # for whoever watches the queue (wait_queued)
                try:
                    free = self._cond.wait_for(
                        lambda: self._running < self.workers,
                        None if math.isinf(timeout) else timeout,
                    )
                finally:
                    self._waiting -= 1
                if not free:
                    raise self.busy_error()
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                # Trim after a busy spell only (someone queued), not after every login.
                trim = self._queued and self._running == 0 and self._waiting == 0
                if trim:
                    self._queued = False
                self._cond.notify()
            if trim:
                _trim()
