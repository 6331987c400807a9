"""One token fetch at a time per flow, across threads *and* asyncio tasks.

Threads take a ``threading.Lock``; tasks first take an ``asyncio.Lock`` of their own
event loop (so waiting tasks queue without blocking the loop), then the same thread
lock, acquired without blocking the loop (a worker thread waits for it when a sync
caller holds it). Whoever gets the lock re-checks the cache first, so N concurrent
callers with a stale token cause one request to the token endpoint, not N: the refresh
race that logs users out when two tabs or workers rotate one refresh token at once.

Waits are bounded: a caller that cannot get the lock within ``wait`` seconds gets
``TokenEndpointError`` rather than hanging (a sync call made on the event loop's own
thread while a task of that loop fetches would otherwise never return).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from gatehouse.errors import TokenEndpointError

if TYPE_CHECKING:
    import asyncio

__all__ = ["SingleFlight"]


class SingleFlight:
    """The lock a flow holds while it fetches a token."""

    def __init__(self, *, wait: float) -> None:
        self._wait = wait
        self._thread_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
        self._loop_locks = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()

    @contextmanager
    def sync(self) -> Iterator[None]:
        """Held by one thread at a time (and never while a task holds it)."""
        if not self._thread_lock.acquire(timeout=self._wait):
            raise TokenEndpointError("another token request of this flow did not finish in time")
        try:
            yield
        finally:
            self._thread_lock.release()

    def _loop_lock(self) -> asyncio.Lock:
        import asyncio  # only async callers pay for it (a sync-only service never does)

        loop = asyncio.get_running_loop()
        with self._guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

    async def _take_thread_lock(self) -> None:
        if self._thread_lock.acquire(blocking=False):
            return
        import asyncio

        loop = asyncio.get_running_loop()
        waiting = loop.run_in_executor(None, self._thread_lock.acquire, True, self._wait)
        try:
            got = await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The worker may still get the lock after we stop waiting: give it back then.
            waiting.add_done_callback(self._release_if_taken)
            raise
        if not got:
            raise TokenEndpointError("another token request of this flow did not finish in time")

    def _release_if_taken(self, waiting: asyncio.Future[bool]) -> None:
        if not waiting.cancelled() and waiting.exception() is None and waiting.result():
            self._thread_lock.release()

    @asynccontextmanager
    async def task(self) -> AsyncIterator[None]:
        """Held by one task of one loop at a time, and never while a thread holds it."""
        async with self._loop_lock():
            await self._take_thread_lock()
            try:
                yield
            finally:
                self._thread_lock.release()
