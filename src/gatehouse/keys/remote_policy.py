"""The knobs of a RemoteJWKS cache, validated once at start-up.

A frozen value rather than loose attributes: a deployment's cache behaviour is read in one
place, and a setting that cannot work (a cooldown longer than the shortest freshness, an
unbounded stale window) fails when the process starts, not during an outage.
"""

from __future__ import annotations

from gatehouse.errors import ConfigurationError
from gatehouse.keys.jwks import MAX_JWKS_BYTES
from gatehouse.keys.policy_values import FrozenPolicy

__all__ = ["MAX_STALE_IF_ERROR", "RemoteJWKSPolicy"]

MAX_STALE_IF_ERROR = 7 * 24 * 3600.0
_DURATIONS = (
    "timeout",
    "max_age",
    "min_max_age",
    "max_max_age",
    "cooldown",
    "retry_after_error",
    "stale_if_error",
)


class RemoteJWKSPolicy(FrozenPolicy):
    """Durations in seconds, sizes in bytes; see docs/keys.md for what each one trades.

    Immutable. A plain slotted class rather than a frozen dataclass, because importing
    ``dataclasses`` would add milliseconds to every cold start that uses a RemoteJWKS.
    """

    __slots__ = (*_DURATIONS, "max_document_size")

    timeout: float
    max_age: float
    min_max_age: float
    max_max_age: float
    cooldown: float
    retry_after_error: float
    stale_if_error: float
    max_document_size: int

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_age: float = 600.0,
        min_max_age: float = 60.0,
        max_max_age: float = 86_400.0,
        cooldown: float = 30.0,
        retry_after_error: float = 5.0,
        stale_if_error: float = 86_400.0,
        max_document_size: int = MAX_JWKS_BYTES,
    ) -> None:
        durations = (
            timeout,
            max_age,
            min_max_age,
            max_max_age,
            cooldown,
            retry_after_error,
            stale_if_error,
        )
        self._set_durations("RemoteJWKS", zip(_DURATIONS, durations, strict=True))
        if timeout <= 0:
            raise ConfigurationError("RemoteJWKS timeout must be positive")
        if not min_max_age <= max_age <= max_max_age:
            raise ConfigurationError("RemoteJWKS needs min_max_age <= max_age <= max_max_age")
        if cooldown > min_max_age:
            # Otherwise a set could expire while a cooldown still forbids refetching it.
            raise ConfigurationError("RemoteJWKS cooldown must not exceed min_max_age")
        if stale_if_error > MAX_STALE_IF_ERROR:
            raise ConfigurationError("RemoteJWKS stale_if_error must not exceed 7 days")
        size = max_document_size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_JWKS_BYTES:
            raise ConfigurationError(
                f"RemoteJWKS max_document_size must be 1 to {MAX_JWKS_BYTES} bytes"
            )
        object.__setattr__(self, "max_document_size", size)
