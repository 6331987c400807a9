"""Time as a parameter.

Claims are checked against wall-clock seconds (NumericDate, RFC 7519 §2); caches and
cooldowns use a monotonic clock so a stepped system clock cannot extend or shorten
them. Everything that needs time takes a ``Clock``; tests pass a ``ManualClock``
instead of sleeping or patching ``time``.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch (wall clock)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...


class SystemClock:
    """The real clocks of this process."""

    __slots__ = ()

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()


class ManualClock:
    """A clock that moves only when told to: for tests and simulations."""

    __slots__ = ("_mono", "_wall")

    def __init__(self, wall: float = 1_700_000_000.0, monotonic: float = 1_000.0) -> None:
        self._wall = wall
        self._mono = monotonic

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._wall += seconds
        self._mono += seconds

    def set_wall(self, wall: float) -> None:
        """Step the wall clock only (as NTP might); the monotonic clock is untouched."""
        self._wall = wall
