"""Single flight for the remote caches (``RemoteJWKS``, ``RemoteStatusLists``): one fetch of
a source at a time; callers that arrive while it runs wait for it instead of starting their
own, so an expiry under load costs one request to the publisher, not one per thread.

``threading`` itself is imported on the first fetch (the condition is made then): a cold
start served from a seed never pays for it; the mutex is a bare ``_thread`` lock.
"""

from __future__ import annotations

import _thread
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading

__all__ = ["Flight", "FlightLock"]


class Flight:
    """A fetch in progress; ``done`` once its result (or failure) is installed."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


class FlightLock:
    """The cache's mutex, and the condition over it that waiters on a flight sleep on."""

    __slots__ = ("_cond", "mutex")

    def __init__(self) -> None:
        self.mutex = _thread.allocate_lock()
        self._cond: threading.Condition | None = None

    def condition(self) -> threading.Condition:
        """The condition over ``mutex``, made (and ``threading`` imported) on first use."""
        cond = self._cond
        if cond is None:
            import threading

            with self.mutex:
                cond = self._cond
                if cond is None:
                    cond = self._cond = threading.Condition(self.mutex)
        return cond
