"""What the remote caches' policies (``RemoteJWKSPolicy``, ``StatusListPolicy``) share: an
immutable slotted value whose durations are checked once, at start-up.

A plain slotted class rather than a frozen dataclass, because importing ``dataclasses``
would add milliseconds to every cold start that uses a remote cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from gatehouse.errors import ConfigurationError

__all__ = ["FrozenPolicy"]


class FrozenPolicy:
    """Attributes are set once, through ``_set_durations`` or ``object.__setattr__``."""

    __slots__ = ()

    def _set_durations(self, owner: str, durations: Iterable[tuple[str, object]]) -> None:
        """Each ``(name, value)`` a finite, non-negative number of seconds, stored as float;
        otherwise a ``ConfigurationError`` that ``owner`` (the message's prefix) names."""
        for name, value in durations:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigurationError(f"{owner} {name} must be a number of seconds")
            if not 0 <= value < float("inf"):
                raise ConfigurationError(f"{owner} {name} must be finite, not negative")
            object.__setattr__(self, name, float(value))

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__  # the subclass's
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({settings})"
