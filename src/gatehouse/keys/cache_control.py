"""How long a fetched key set stays fresh, from its ``Cache-Control`` header.

The identity provider knows its rotation schedule, so its ``max-age`` is honoured, but only
inside bounds the deployer chose: a tiny max-age must not turn every request into a fetch,
and a huge one must not pin a retired key for weeks.
"""

from __future__ import annotations

__all__ = ["freshness_lifetime"]

# RFC 9111 §1.2.2: a delta-seconds value too large to represent is taken as 2^31.
_DELTA_SECONDS_CAP = 2_147_483_648


def freshness_lifetime(
    cache_control: str | None, *, default: float, minimum: float, maximum: float
) -> float:
    """Seconds the response may be used without refetching, clamped to [minimum, maximum].

    No header, or a header without ``max-age``: ``default``. ``no-store``, ``no-cache``,
    a repeated or invalid ``max-age``: ``minimum``, because RFC 9111 §4.2.1 tells a cache
    to treat conflicting or invalid freshness information as stale, and we still have to
    cache for some time to stay usable.
    """
    lifetime = _declared_lifetime(cache_control)
    if lifetime is None:
        lifetime = default
    return min(max(lifetime, minimum), maximum)


def _declared_lifetime(cache_control: str | None) -> float | None:
    if not cache_control:
        return None
    max_ages: list[str] = []
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        # RFC 9111 §5.2: directive names are case-insensitive.
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        if name == "max-age":
            max_ages.append(value.strip())
    if not max_ages:
        return None
    if len(max_ages) > 1:
        return 0.0
    return float(_delta_seconds(max_ages[0]))


def _delta_seconds(value: str) -> int:
    """RFC 9111 §1.2.2 delta-seconds (the quoted form is accepted, §5.2); invalid is 0."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value or not value.isascii() or not value.isdigit():
        return 0
    # Bound the digits before int(): a hostile header must not cost a big-number parse.
    if len(value) > 10:
        return _DELTA_SECONDS_CAP
    return min(int(value), _DELTA_SECONDS_CAP)
