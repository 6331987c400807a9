"""The knobs of a status list cache, validated once at start-up.

draft-ietf-oauth-status-list-20 §11.5 asks relying parties to keep ``ttl`` and ``exp`` within
bounds they chose, so a publisher (by mistake or malice) can neither make every request a
fetch nor pin a list for weeks. ``stale_if_error`` is the other side of fail-closed: how long
a verifier keeps serving its last good list while the publisher cannot be reached. It is
never longer than the list's own ``exp`` (§12.7: an expired list "MUST NOT be relied upon").
"""

from __future__ import annotations

from gatehouse.errors import ConfigurationError
from gatehouse.jose.status_list import DEFAULT_MAX_LIST_BYTES
from gatehouse.keys.policy_values import FrozenPolicy

__all__ = ["StatusListPolicy"]

_DURATIONS = (
    "timeout",
    "default_ttl",
    "min_ttl",
    "max_ttl",
    "retry_after_error",
    "stale_if_error",
    "leeway",
)
_MAX_STALE = 7 * 24 * 3600.0
_MAX_DOCUMENT = 16 * 1024 * 1024
_MAX_LIST = 64 * 1024 * 1024


class StatusListPolicy(FrozenPolicy):
    """Durations in seconds, sizes in bytes; docs/keys.md says what each one trades.

    ``default_ttl`` applies to a list without a ``ttl`` claim; every ``ttl`` is clamped to
    ``[min_ttl, max_ttl]``. ``max_document_size`` bounds the HTTP body (checked while
    reading), ``max_list_bytes`` the decompressed bits (checked while inflating).
    ``max_lists`` bounds how many distinct lists are cached at once.
    """

    __slots__ = (*_DURATIONS, "max_document_size", "max_list_bytes", "max_lists")

    timeout: float
    default_ttl: float
    min_ttl: float
    max_ttl: float
    retry_after_error: float
    stale_if_error: float
    leeway: float
    max_document_size: int
    max_list_bytes: int
    max_lists: int

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        default_ttl: float = 300.0,
        min_ttl: float = 5.0,
        max_ttl: float = 900.0,
        retry_after_error: float = 5.0,
        stale_if_error: float = 600.0,
        leeway: float = 30.0,
        max_document_size: int = 1024 * 1024,
        max_list_bytes: int = DEFAULT_MAX_LIST_BYTES,
        max_lists: int = 64,
    ) -> None:
        durations = (timeout, default_ttl, min_ttl, max_ttl, retry_after_error, stale_if_error)
        self._set_durations("status lists:", zip(_DURATIONS, (*durations, leeway), strict=True))
        if timeout <= 0 or min_ttl <= 0:
            raise ConfigurationError("status lists: timeout and min_ttl must be positive")
        if not min_ttl <= default_ttl <= max_ttl:
            raise ConfigurationError("status lists need min_ttl <= default_ttl <= max_ttl")
        if stale_if_error > _MAX_STALE:
            raise ConfigurationError("status lists: stale_if_error must not exceed 7 days")
        if leeway > 600:
            raise ConfigurationError("status lists: leeway must not exceed 600 seconds")
        for name, value, top in (
            ("max_document_size", max_document_size, _MAX_DOCUMENT),
            ("max_list_bytes", max_list_bytes, _MAX_LIST),
            ("max_lists", max_lists, 100_000),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= top:
                raise ConfigurationError(f"status lists: {name} must be 1 to {top}")
            object.__setattr__(self, name, value)

    def lifetime(self, ttl: float | None) -> float:
        """How long a list stays fresh after it was fetched: its ``ttl`` within bounds."""
        if ttl is None:
            return self.default_ttl
        return min(max(ttl, self.min_ttl), self.max_ttl)
