"""When a rotation is safe: the next key must have been published as long as verifiers cache.

A verifier only knows a key once its cached JWKS holds it. Promoting the NEXT key before
every verifier has refetched means the first tokens it signs fail with ``unknown_kid``
wherever the old JWKS is still cached. Two cache times matter for a gatehouse deployment:

* ``RemoteJWKS`` (gatehouse's own verifiers, the ready-made Lambda authorizer): the
  JWKS response's ``max-age``, 10 minutes by default (``gatehouse.keys.remote_policy``);
* the HTTP API JWT authorizer (``auth = "jwt"``): API Gateway caches the issuer's public
  keys for two hours (API Gateway Developer Guide, "Control access to HTTP APIs with JWT
  authorizers").

A NEXT key whose algorithm is not the configured ``signing_alg`` is never promoted
silently: the rotation publishes a fresh key of the configured algorithm in its place and
says how long to wait before promoting that one.
"""

from __future__ import annotations

__all__ = ["JWT_AUTHORIZER_CACHE", "REMOTE_JWKS_CACHE", "describe_wait", "verifier_cache_time"]

REMOTE_JWKS_CACHE = 600.0
JWT_AUTHORIZER_CACHE = 7200.0


def verifier_cache_time(verifier_cache_ttl: float, *, jwt_authorizer: bool) -> float:
    """The longest any verifier may still hold a JWKS without the newest key."""
    longest = max(float(verifier_cache_ttl), REMOTE_JWKS_CACHE)
    return max(longest, JWT_AUTHORIZER_CACHE) if jwt_authorizer else longest


def describe_wait(seconds: float) -> str:
    """``1 h 52 min``, ``7 min``, ``40 s``: a wait a person reads at a glance (rounded up)."""
    whole = max(0, int(-(-seconds // 1)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes + (1 if secs else 0)} min" if minutes or secs else f"{hours} h"
    if minutes:
        return f"{minutes + (1 if secs else 0)} min"
    return f"{secs} s"
